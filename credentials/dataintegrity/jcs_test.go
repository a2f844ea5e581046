package dataintegrity

import (
	"bytes"
	"context"
	"encoding/json"
	"testing"

	"github.com/diplomat-edu/diplomat/credentials"
	"github.com/diplomat-edu/diplomat/credentials/jsonld"
	"github.com/diplomat-edu/diplomat/internal/reftest"
)

// TestJCSSignsTheJSON: a JCS proof survives re-serialisation (member order,
// whitespace) but not a changed value, and needs no context at all.
func TestJCSSignsTheJSON(t *testing.T) {
	// No context cache: the JCS suites load nothing.
	s, err := New(EdDSAJCS2022, Options{Contexts: jsonld.New(jsonld.Options{})})
	if err != nil {
		t.Fatal(err)
	}
	priv, vm := elmKey()
	doc := reftest.Read(t, "elm", "Sample-MC-Annex1-unsigned.jsonld")
	issuer := issuerID(readJSONBytes(t, doc))
	signed, err := s.Sign(context.Background(), doc, credentials.SigningKey{Signer: priv, ID: vm}, credentials.SignOptions{})
	if err != nil {
		t.Fatal(err)
	}
	var m map[string]any
	if err := json.Unmarshal(signed, &m); err != nil {
		t.Fatal(err)
	}
	if got := m["@context"].([]any); len(got) != 2 {
		t.Errorf("@context %v changed", got)
	}
	reordered, _ := json.MarshalIndent(m, "", "  ")
	if _, err := s.Verify(context.Background(), reordered, issuerControls(issuer), credentials.VerifyOptions{}); err != nil {
		t.Fatalf("re-serialised: %v", err)
	}
	tampered := bytes.Replace(reordered, []byte(`"Ana"`), []byte(`"Ann"`), 1)
	if bytes.Equal(tampered, reordered) {
		t.Fatal("nothing tampered")
	}
	if _, err := s.Verify(context.Background(), tampered, issuerControls(issuer), credentials.VerifyOptions{}); !errorsIs(err, credentials.ErrInvalidProof) {
		t.Fatalf("tampered: %v", err)
	}
}
