package main

import (
	"bytes"
	"testing"
)

// The did:web documents a verification fetches go through the verifier's
// cache only when the verifier builds its own resolver: the CLI must not
// hand it one that fetches directly.
func TestVerifierOptionsLeaveDIDWebResolutionToTheVerifier(t *testing.T) {
	var stderr bytes.Buffer
	a := &app{home: t.TempDir(), getenv: func(string) string { return "" }, stderr: &stderr}
	o := &verifyOptions{}
	o.live.tir = "https://tir.example/trusted-issuers-registry/v5"
	o.live.roots = []string{"did:ebsi:zRoot"}
	opts, err := a.verifierOptions(o, nil)
	if err != nil {
		t.Fatal(err)
	}
	if opts.Resolver != nil {
		t.Fatalf("Resolver = %T, want nil so that the verifier resolves did:web through its cache", opts.Resolver)
	}
	if len(opts.Resolvers) != 1 {
		t.Fatalf("Resolvers = %d, want the live TIR's resolver after the verifier's own", len(opts.Resolvers))
	}
}
