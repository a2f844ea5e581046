package jsonld_test

import (
	"context"
	"errors"
	"fmt"

	"github.com/diplomat-edu/diplomat/credentials/jsonld"
)

// A loader with no cache and no fetch serves the contexts built into the
// binary and refuses everything else, naming the URL.
func ExampleLoader_Context() {
	l := jsonld.New(jsonld.Options{})
	_, source, err := l.Context(context.Background(), "https://www.w3.org/2018/credentials/v1")
	fmt.Println(source, err)

	_, _, err = l.Context(context.Background(), "https://www.w3.org/ns/credentials/v2")
	fmt.Println(errors.Is(err, jsonld.ErrUnknownContext))
	fmt.Println(err)
	// Output:
	// builtin <nil>
	// true
	// context https://www.w3.org/ns/credentials/v2: unknown JSON-LD context: not installed; install it with `diplomat contexts import DIR`, or fetch it once with `diplomat contexts fetch URL`
}
