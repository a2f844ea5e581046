package dataintegrity

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"encoding/json"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/diplomat-edu/diplomat/credentials"
	"github.com/diplomat-edu/diplomat/credentials/jsonld"
	"github.com/diplomat-edu/diplomat/internal/reftest"
)

// elmKey is a fixed test key and its did:key verification method.
func elmKey() (ed25519.PrivateKey, string) {
	priv := ed25519.NewKeyFromSeed(bytes.Repeat([]byte{7}, 32))
	pub := priv.Public().(ed25519.PublicKey)
	mb := "z" + b58(append([]byte{0xed, 0x01}, pub...))
	return priv, "did:key:" + mb + "#" + mb
}

// TestELMCredentialSignVerify signs the EDC sample credentials (VC 1.1 +
// edc-ap) with eddsa-rdfc-2022, verifies them, and checks that changing one
// value breaks the proof.
func TestELMCredentialSignVerify(t *testing.T) {
	s := referenceSuite(t, EdDSARDFC2022)
	priv, vm := elmKey()
	for _, file := range []string{"Sample-MC-Annex1-unsigned.jsonld", "Sample-CertOfPart-unsigned.jsonld"} {
		t.Run(file, func(t *testing.T) {
			doc := reftest.Read(t, "elm", file)
			issuer := issuerID(readJSONBytes(t, doc))
			out, err := s.Sign(context.Background(), doc, credentials.SigningKey{Signer: priv, ID: vm}, credentials.SignOptions{})
			if err != nil {
				t.Fatal(err)
			}
			// The document's bytes are kept; the DI context and the proof
			// are added.
			signed := readJSONBytes(t, out)
			ctxs := signed["@context"].([]any)
			if ctxs[len(ctxs)-1] != ContextV2 || len(ctxs) != 3 {
				t.Errorf("@context %v, want VC 1.1, edc-ap, %s", ctxs, ContextV2)
			}
			if !bytes.HasPrefix(out, doc[:200]) {
				t.Errorf("the signed document does not start with the original bytes")
			}
			v, err := s.Verify(context.Background(), out, issuerControls(issuer), credentials.VerifyOptions{})
			if err != nil {
				t.Fatal(err)
			}
			if v.Issuer != issuer || v.Mechanism != EdDSARDFC2022 || v.KeyID != vm {
				t.Errorf("verified %q %q %q", v.Issuer, v.Mechanism, v.KeyID)
			}
			// Tamper: change the credential's id.
			id := signed["id"].(string)
			tampered := bytes.Replace(out, []byte(`"`+id+`"`), []byte(`"`+id+`0"`), 1)
			if bytes.Equal(tampered, out) {
				t.Fatal("tampering changed nothing")
			}
			if _, err := s.Verify(context.Background(), tampered, issuerControls(issuer), credentials.VerifyOptions{}); !errors.Is(err, credentials.ErrInvalidProof) {
				t.Errorf("tampered credential: %v, want ErrInvalidProof", err)
			}
		})
	}
}

// TestELMNeedsEDCContextInstalled: without the edc-ap context in the cache,
// signing fails with an error naming the URL and how to install it.
func TestELMNeedsEDCContextInstalled(t *testing.T) {
	c := referenceCache(t)
	delete(c, "http://data.europa.eu/snb/model/context/edc-ap")
	s, err := New(EdDSARDFC2022, Options{Contexts: jsonld.New(jsonld.Options{Cache: c})})
	if err != nil {
		t.Fatal(err)
	}
	priv, vm := elmKey()
	_, err = s.Sign(context.Background(), reftest.Read(t, "elm", "Sample-CertOfPart-unsigned.jsonld"), credentials.SigningKey{Signer: priv, ID: vm}, credentials.SignOptions{})
	var ce *jsonld.ContextError
	if !errors.As(err, &ce) || !errors.Is(err, jsonld.ErrUnknownContext) {
		t.Fatalf("got %v, want a *jsonld.ContextError wrapping ErrUnknownContext", err)
	}
	if ce.URL != "http://data.europa.eu/snb/model/context/edc-ap" || !strings.Contains(err.Error(), "diplomat contexts import DIR") {
		t.Errorf("error %q does not name the URL and the install command", err)
	}
}

// TestEDCContextWithVC2 records what happens when edc-ap is used after the
// VC 2.0 context (see docs/jsonld.md): VC 2.0 protects "description", which
// edc-ap redefines, so JSON-LD processing refuses the document, whichever
// terms it uses; with VC 1.1 first (the EDC way), and with edc-ap before VC
// 2.0, it works.
func TestEDCContextWithVC2(t *testing.T) {
	s := referenceSuite(t, EdDSARDFC2022)
	priv, vm := elmKey()
	base := map[string]any{
		"id":                "urn:credential:1",
		"type":              []any{"VerifiableCredential"},
		"issuer":            "did:example:issuer",
		"credentialSubject": map[string]any{"id": "did:example:subject"},
	}
	for _, tc := range []struct {
		name    string
		context []any
		extra   map[string]any
		wantErr string
	}{
		{"vc2 then edc-ap", []any{credentialsV2, "http://data.europa.eu/snb/model/context/edc-ap"}, nil, "protected term redefinition"},
		{"vc2 then edc-ap, description used", []any{credentialsV2, "http://data.europa.eu/snb/model/context/edc-ap"}, map[string]any{"description": map[string]any{"en": "x"}}, "protected term redefinition"},
		{"vc1.1 then edc-ap", []any{"https://www.w3.org/2018/credentials/v1", "http://data.europa.eu/snb/model/context/edc-ap"}, map[string]any{"issuanceDate": "2024-01-01T00:00:00Z"}, ""},
		{"edc-ap then vc2", []any{"http://data.europa.eu/snb/model/context/edc-ap", credentialsV2}, nil, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			d := map[string]any{"@context": tc.context}
			for k, v := range base {
				d[k] = v
			}
			for k, v := range tc.extra {
				d[k] = v
			}
			doc, _ := json.Marshal(d)
			out, err := s.Sign(context.Background(), doc, credentials.SigningKey{Signer: priv, ID: vm}, credentials.SignOptions{Now: func() time.Time { return time.Unix(1.7e9, 0) }})
			if tc.wantErr != "" {
				if !errors.Is(err, ErrCanonicalize) || !strings.Contains(err.Error(), tc.wantErr) {
					t.Fatalf("got %v, want %q", err, tc.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if _, err := s.Verify(context.Background(), out, issuerControls("did:example:issuer"), credentials.VerifyOptions{}); err != nil {
				t.Fatal(err)
			}
		})
	}
}
