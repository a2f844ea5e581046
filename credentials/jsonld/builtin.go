package jsonld

import (
	"github.com/hyperledger/aries-framework-go/pkg/doc/ldcontext/embed"
)

// builtinContexts returns the contexts aries-framework-go embeds, by URL.
// Their bytes are still pin-checked on every first load.
func builtinContexts() map[string][]byte {
	m := make(map[string][]byte, len(embed.Contexts))
	for _, d := range embed.Contexts {
		m[d.URL] = d.Content
	}
	return m
}

// Builtin returns the URLs of the contexts compiled into the binary.
func Builtin() []string {
	urls := make([]string, 0, len(embed.Contexts))
	for _, d := range embed.Contexts {
		urls = append(urls, d.URL)
	}
	sortStrings(urls)
	return urls
}
