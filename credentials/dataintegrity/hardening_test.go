package dataintegrity

import (
	"bytes"
	"context"
	"crypto"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/diplomat-edu/diplomat/credentials"
	"github.com/diplomat-edu/diplomat/credentials/jsonld/ldproc"
	"github.com/diplomat-edu/diplomat/internal/reftest"
)

// swapNames is the attack of issue 10 item 5 on a signed ELM credential:
// the given and family names swapped in the JSON, and an inline context
// swapping their terms so that the RDF, and so the proof, stays the same.
func swapNames(t *testing.T, signed []byte) []byte {
	t.Helper()
	out := bytes.Replace(signed, []byte(`"givenName":{"en":"Ana"}`), []byte(`"givenName":{"en":"@@"}`), 1)
	out = bytes.Replace(out, []byte(`"familyName":{"en":"Andromeda"}`), []byte(`"familyName":{"en":"Ana"}`), 1)
	out = bytes.Replace(out, []byte(`"givenName":{"en":"@@"}`), []byte(`"givenName":{"en":"Andromeda"}`), 1)
	if bytes.Equal(out, signed) {
		t.Fatal("the names were not found")
	}
	var m map[string]any
	if err := json.Unmarshal(out, &m); err != nil {
		t.Fatal(err)
	}
	m["@context"] = append(m["@context"].([]any), map[string]any{
		"givenName":  map[string]any{"@id": "http://xmlns.com/foaf/0.1/familyName", "@container": "@language"},
		"familyName": map[string]any{"@id": "http://xmlns.com/foaf/0.1/givenName", "@container": "@language"},
	})
	out, err := json.Marshal(m)
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// TestInlineContextSwappingNamesRefused: with inline contexts allowed the
// tampered credential verifies (what a person reads differs from what was
// signed); by default it is refused, naming where the inline context is.
func TestInlineContextSwappingNamesRefused(t *testing.T) {
	priv, vm := elmKey()
	doc := reftest.Read(t, "elm", "Sample-CertOfPart-unsigned.jsonld")
	issuer := issuerID(readJSONBytes(t, doc))
	l := referenceLoader(t)
	for _, engine := range []string{EngineLDProc, EngineJSONGold} {
		t.Run(engine, func(t *testing.T) {
			strict, _ := New(EdDSARDFC2022, Options{Contexts: l, Engine: engine})
			lax, _ := New(EdDSARDFC2022, Options{Contexts: l, Engine: engine, AllowInlineContexts: true})
			signed, err := strict.Sign(context.Background(), doc, credentials.SigningKey{Signer: priv, ID: vm}, credentials.SignOptions{})
			if err != nil {
				t.Fatal(err)
			}
			tampered := swapNames(t, signed)
			if _, err := lax.Verify(context.Background(), tampered, issuerControls(issuer), credentials.VerifyOptions{}); err != nil {
				t.Fatalf("the attack does not work, the test proves nothing: %v", err)
			}
			_, err = strict.Verify(context.Background(), tampered, issuerControls(issuer), credentials.VerifyOptions{})
			if !errors.Is(err, ErrInlineContext) || !errors.Is(err, credentials.ErrMalformed) || !strings.Contains(err.Error(), "$.@context[3]") {
				t.Fatalf("got %v, want ErrInlineContext at $.@context[3]", err)
			}
			if _, err := strict.Sign(context.Background(), tampered, credentials.SigningKey{Signer: priv, ID: vm}, credentials.SignOptions{}); !errors.Is(err, ErrInlineContext) {
				t.Errorf("signing: got %v, want ErrInlineContext", err)
			}
		})
	}
}

// TestNestedInlineContextRefused: an inline context deep in the document,
// or in a proof, is refused too.
func TestNestedInlineContextRefused(t *testing.T) {
	s := referenceSuite(t, EdDSARDFC2022)
	priv, vm := elmKey()
	doc := []byte(`{"@context":["https://www.w3.org/ns/credentials/v2"],"type":["VerifiableCredential"],"issuer":"did:example:i",
		"credentialSubject":{"id":"did:example:s","items":[{"@context":{"@vocab":"urn:x:"},"name":"n"}]}}`)
	_, err := s.Sign(context.Background(), doc, credentials.SigningKey{Signer: priv, ID: vm}, credentials.SignOptions{})
	if !errors.Is(err, ErrInlineContext) || !strings.Contains(err.Error(), "$.credentialSubject.items[0].@context") {
		t.Fatalf("got %v", err)
	}
	// The walk is skipped when the bytes spell @context once only; a name
	// spelled with an escape is not missed, nor one in a proof.
	for _, doc := range []string{
		`{"@context":["https://www.w3.org/ns/credentials/v2"],"type":["VerifiableCredential"],"issuer":"did:example:i",
		"credentialSubject":{"id":"did:example:s","items":[{"\u0040context":{"@vocab":"urn:x:"},"name":"n"}]}}`,
		`{"@context":["https://www.w3.org/ns/credentials/v2"],"type":["VerifiableCredential"],"issuer":"did:example:i",
		"credentialSubject":{"id":"did:example:s","items":[{"@cont\u0065xt":{"@vocab":"urn:x:"},"name":"n"}]}}`,
		`{"\u0040context":["https://www.w3.org/ns/credentials/v2"],"type":["VerifiableCredential"],"issuer":"did:example:i",
		"credentialSubject":{"id":"did:example:s","items":[{"@context":{"@vocab":"urn:x:"},"name":"n"}]}}`,
		`{"@context":["https://www.w3.org/ns/credentials/v2"],"type":["VerifiableCredential"],"issuer":"did:example:i",
		"proof":{"\u0040context":{"@vocab":"urn:x:"},"type":"DataIntegrityProof"}}`,
	} {
		_, err := s.Verify(context.Background(), []byte(doc), keyResolver{}, credentials.VerifyOptions{})
		if !errors.Is(err, ErrInlineContext) {
			t.Errorf("%s: got %v, want ErrInlineContext", doc, err)
		}
	}
}

// TestSafeModeRefusalsNameThePath: what JSON-LD would drop or leave
// relative is refused when signing and reported when verifying, with the
// JSON path, by the default engine.
func TestSafeModeRefusalsNameThePath(t *testing.T) {
	s := referenceSuite(t, EdDSARDFC2022)
	priv, vm := elmKey()
	key := credentials.SigningKey{Signer: priv, ID: vm}
	base := `"type":["VerifiableCredential"],"issuer":"did:example:i","validFrom":"2025-01-01T00:00:00Z"`
	for _, tc := range []struct {
		name, doc, path, text string
	}{
		{"undefined term", `{"@context":["https://www.w3.org/ns/credentials/v2"],` + base + `,"credentialSubject":{"id":"did:example:s","degrees":[{"nmae":"x"}]}}`,
			"$.credentialSubject.degrees", "is not defined"},
		{"relative type under @vocab null", `{"@context":["https://www.w3.org/ns/credentials/v2"],` + base + `,"credentialSubject":{"id":"did:example:s","type":"Student"}}`,
			"$.credentialSubject.type", "relative IRI"},
		{"relative id", `{"@context":["https://www.w3.org/ns/credentials/v2"],` + base + `,"credentialSubject":{"id":"students/42"}}`,
			"$.credentialSubject.id", "relative IRI"},
		{"protected term redefinition", `{"@context":["https://www.w3.org/ns/credentials/v2","http://data.europa.eu/snb/model/context/edc-ap"],` + base + `,"credentialSubject":{"id":"did:example:s"}}`,
			"$.@context", "protected term redefinition"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := s.Sign(context.Background(), []byte(tc.doc), key, credentials.SignOptions{Now: func() time.Time { return time.Unix(1.75e9, 0) }})
			var le *ldproc.Error
			if !errors.Is(err, ErrCanonicalize) || !errors.As(err, &le) || !strings.Contains(err.Error(), tc.text) {
				t.Fatalf("got %v, want %q", err, tc.text)
			}
			if le.Path != tc.path {
				t.Errorf("path %q, want %q", le.Path, tc.path)
			}
			// Verifying: a document signed by a lax signer gets the same
			// answer.
			lax, err := New(EdDSARDFC2022, Options{Contexts: referenceLoader(t), Canonicalizer: laxCanon{}})
			if err != nil {
				t.Fatal(err)
			}
			signed, err := lax.Sign(context.Background(), []byte(tc.doc), key, credentials.SignOptions{})
			if err != nil {
				t.Fatal(err)
			}
			_, err = s.Verify(context.Background(), signed, issuerControls("did:example:i"), credentials.VerifyOptions{})
			if !errors.Is(err, ErrCanonicalize) || !strings.Contains(err.Error(), tc.text) || !strings.Contains(err.Error(), tc.path) {
				t.Errorf("verify: got %v", err)
			}
		})
	}
}

// laxCanon canonicalises nothing: a signer that would sign anything.
type laxCanon struct{}

func (laxCanon) Canonicalize(_ context.Context, doc any, _ crypto.Hash) ([]byte, error) {
	b, _ := json.Marshal(doc)
	return b, nil
}

// TestPoisonCredentialRefusedFast (issue 10 item 6b): a credential whose
// subject is a clique of about 1.8 MB of blank nodes is refused quickly,
// with ErrTooComplex, when verified; a legitimate transcript with 400
// similar course units (each a tree of blank nodes) signs and verifies.
func TestPoisonCredentialRefusedFast(t *testing.T) {
	s := referenceSuite(t, EdDSARDFC2022)
	priv, vm := elmKey()
	key := credentials.SigningKey{Signer: priv, ID: vm}
	const n = 330
	var nodes []any
	for i := range n {
		var knows []any
		for j := range n {
			if j != i {
				knows = append(knows, map[string]any{"@id": fmt.Sprintf("_:n%d", j)})
			}
		}
		nodes = append(nodes, map[string]any{"@id": fmt.Sprintf("_:n%d", i), "https://example.org/knows": knows})
	}
	doc, _ := json.Marshal(map[string]any{
		"@context": []any{"https://www.w3.org/ns/credentials/v2"}, "type": []any{"VerifiableCredential"}, "issuer": "did:example:i",
		"credentialSubject": map[string]any{"id": "did:example:s", "https://example.org/graph": nodes},
	})
	if len(doc) < 1<<20 {
		t.Fatalf("the poison is only %d bytes", len(doc))
	}
	lax, _ := New(EdDSARDFC2022, Options{Contexts: referenceLoader(t), Canonicalizer: laxCanon{}})
	signed, err := lax.Sign(context.Background(), doc, key, credentials.SignOptions{})
	if err != nil {
		t.Fatal(err)
	}
	start, cpu0 := time.Now(), cpuTime()
	_, err = s.Verify(context.Background(), signed, issuerControls("did:example:i"), credentials.VerifyOptions{})
	d, cpu := time.Since(start), cpuTime()-cpu0
	if !errors.Is(err, ErrTooComplex) {
		t.Fatalf("got %v, want ErrTooComplex", err)
	}
	// CPU time, not wall-clock time: other processes may load the
	// machine (and the deadline of rdfc then ends the work).
	if cpu > 10*time.Second { // about 0.6 s; the race detector multiplies it
		t.Errorf("refused after %v of CPU time", cpu)
	}
	t.Logf("%d KB refused after %v (%v of CPU time): %v", len(signed)>>10, d, cpu, err)

	transcript := renderTranscript(t, 400)
	signed, err = s.Sign(context.Background(), transcript, key, credentials.SignOptions{})
	if err != nil {
		t.Fatalf("400 course units: %v", err)
	}
	if _, err := s.Verify(context.Background(), signed, issuerControls(issuerID(readJSONBytes(t, transcript))), credentials.VerifyOptions{}); err != nil {
		t.Fatalf("400 course units: %v", err)
	}
}

// cpuTime is the user and system CPU time the process has used.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
