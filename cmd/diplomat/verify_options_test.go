package main

import (
	"bytes"
	"testing"

	"github.com/diplomat-edu/diplomat/verifier"
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

// A report that failed because the issuer's did:web document could not be
// fetched points to --documents; with --documents, or for another failure,
// no hint.
func TestOfflineHintWhenAPublishedDocumentCannotBeFetched(t *testing.T) {
	fetch := &verifier.Report{Checks: []verifier.Check{{ID: verifier.CheckKey, Result: verifier.Failed, Code: verifier.ProblemUnknownKey,
		Message: `kid "did:web:x#1": fetching https://x/.well-known/did.json: fetch failed: no such host`}}}
	other := &verifier.Report{Checks: []verifier.Check{{ID: verifier.CheckProof, Result: verifier.Failed, Code: verifier.ProblemInvalidSignature, Message: "bad"}}}
	inVP := &verifier.Report{Credentials: []*verifier.Report{fetch}}
	for _, tc := range []struct {
		name      string
		documents string
		reps      []*verifier.Report
		want      bool
	}{
		{"fetch failed", "", []*verifier.Report{other, fetch}, true},
		{"inside a presentation", "", []*verifier.Report{inVP}, true},
		{"with --documents", "published", []*verifier.Report{fetch}, false},
		{"another failure", "", []*verifier.Report{other}, false},
	} {
		var stderr bytes.Buffer
		a := &app{stderr: &stderr}
		a.offlineHint(&verifyOptions{documents: tc.documents}, tc.reps...)
		if got := bytes.Contains(stderr.Bytes(), []byte("hint: ")) && bytes.Contains(stderr.Bytes(), []byte("--documents DIR")); got != tc.want {
			t.Errorf("%s: hint %v, want %v (%q)", tc.name, got, tc.want, stderr.String())
		}
	}
}
