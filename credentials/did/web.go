package did

import (
	"fmt"
	"net/url"
	"strings"

	"github.com/diplomat-edu/diplomat/credentials"
)

// WebDID returns the did:web for a domain (optionally with a port,
// "example.edu:8443") and optional path segments: the port's colon is
// percent-encoded, each segment is percent-encoded and the segments are
// joined with colons. WebDID("registrar.example.edu") is
// "did:web:registrar.example.edu"; WebDID("example.edu:8443", "faculty",
// "law") is "did:web:example.edu%3A8443:faculty:law". It does not validate
// the domain; WebURL does.
func WebDID(domain string, path ...string) string {
	var b strings.Builder
	b.WriteString("did:web:")
	b.WriteString(strings.ReplaceAll(domain, ":", "%3A"))
	for _, seg := range path {
		b.WriteByte(':')
		b.WriteString(strings.ReplaceAll(url.PathEscape(seg), ":", "%3A"))
	}
	return b.String()
}

// WebURL returns the HTTPS URL of the DID document of a did:web DID (a
// fragment or query is dropped): https://DOMAIN/.well-known/did.json without
// path segments, https://DOMAIN/SEG/.../did.json with them. The domain must
// be a plain host name or IP with an optional port, and segments must be
// non-empty and not "." or ".."; otherwise the error wraps
// credentials.ErrMalformed.
func WebURL(did string) (string, error) {
	msid, ok := strings.CutPrefix(did, "did:web:")
	if !ok {
		return "", fmt.Errorf("did: %q is not a did:web: %w", short(did), credentials.ErrMalformed)
	}
	if i := strings.IndexAny(msid, "#?"); i >= 0 {
		msid = msid[:i]
	}
	parts := strings.Split(msid, ":")
	host, err := url.PathUnescape(parts[0])
	if err != nil || host == "" || strings.ContainsAny(host, "/@\\?# ") {
		return "", fmt.Errorf("did: did:web domain %q is not a host name: %w", short(parts[0]), credentials.ErrMalformed)
	}
	u, err := url.Parse("https://" + host)
	if err != nil || u.Host != host || u.Hostname() == "" || u.Path != "" {
		return "", fmt.Errorf("did: did:web domain %q is not a host name: %w", short(host), credentials.ErrMalformed)
	}
	var segs []string
	for _, p := range parts[1:] {
		seg, err := url.PathUnescape(p)
		if err != nil || seg == "" || seg == "." || seg == ".." || strings.Contains(seg, "/") {
			return "", fmt.Errorf("did: did:web path segment %q is not allowed: %w", short(p), credentials.ErrMalformed)
		}
		segs = append(segs, url.PathEscape(seg))
	}
	if len(segs) == 0 {
		return "https://" + host + "/.well-known/did.json", nil
	}
	return "https://" + host + "/" + strings.Join(segs, "/") + "/did.json", nil
}
