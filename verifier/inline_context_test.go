package verifier

import (
	"context"
	"encoding/json"
	"strings"
	"testing"

	"github.com/diplomat-edu/diplomat/credentials"
	"github.com/diplomat-edu/diplomat/credentials/dataintegrity"
	"github.com/diplomat-edu/diplomat/credentials/did"
)

// TestInlineContextSwappingNamesIsInvalid (issue 10 item 5): the holder
// swaps the given and family names of a Data Integrity credential in the
// JSON and adds an inline context swapping their terms back, so that the
// signed RDF, and the proof, are unchanged while the summary would show
// another name. Inline contexts are refused: the verdict is invalid, and
// no summary is given.
func TestInlineContextSwappingNamesIsInvalid(t *testing.T) {
	w := newWorld(t)
	v, err := New(w.options())
	if err != nil {
		t.Fatal(err)
	}
	di, err := dataintegrity.New(dataintegrity.EdDSARDFC2022, dataintegrity.Options{Contexts: w.contexts})
	if err != nil {
		t.Fatal(err)
	}
	signed := w.sign(di, w.elmDoc(w.w3c.did, false, nil), w.w3c.key())
	rep, err := v.Verify(context.Background(), signed, Request{})
	if err != nil || rep.Verdict != Verified {
		t.Fatalf("the genuine credential: %v %v\n%s", err, rep.Verdict, dump(rep))
	}
	genuine := rep.Summary.Holder

	var m map[string]any
	if err := json.Unmarshal(signed, &m); err != nil {
		t.Fatal(err)
	}
	cs := m["credentialSubject"].(map[string]any)
	cs["givenName"], cs["familyName"] = cs["familyName"], cs["givenName"]
	m["@context"] = append(m["@context"].([]any), map[string]any{
		"givenName":  map[string]any{"@id": "http://xmlns.com/foaf/0.1/familyName", "@container": "@language"},
		"familyName": map[string]any{"@id": "http://xmlns.com/foaf/0.1/givenName", "@container": "@language"},
	})
	tampered, _ := json.Marshal(m)
	// The attack works against the proof alone, when inline contexts are
	// allowed: the test proves something.
	lax, _ := dataintegrity.New(dataintegrity.EdDSARDFC2022, dataintegrity.Options{Contexts: w.contexts, AllowInlineContexts: true})
	if _, err := lax.Verify(context.Background(), tampered, did.Resolver{}, credentials.VerifyOptions{}); err != nil {
		t.Fatalf("the swapped credential does not verify even with inline contexts: %v", err)
	}
	rep, err = v.Verify(context.Background(), tampered, Request{})
	if err != nil {
		t.Fatal(err)
	}
	if rep.Verdict != Invalid || rep.Summary != nil {
		t.Fatalf("verdict %v, summary %+v (genuine holder %q), want invalid and no summary\n%s", rep.Verdict, rep.Summary, genuine, dump(rep))
	}
	if c := rep.Check(CheckProof); c.Result != Failed || !strings.Contains(c.Message, "inline JSON-LD context") {
		t.Errorf("proof check: %+v", c)
	}
}
