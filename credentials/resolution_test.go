package credentials_test

import (
	"context"
	"crypto"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/diplomat-edu/diplomat/credentials"
	"github.com/diplomat-edu/diplomat/credentials/did"
	"github.com/diplomat-edu/diplomat/credentials/jose"
	"github.com/diplomat-edu/diplomat/credentials/sdjwt"
)

// The byte-signing mechanisms find the issuer's key through the real DID
// resolver: did:key and did:jwk offline, did:web over HTTPS from a server on
// 127.0.0.1. A kid that names another DID's key is refused.
func TestByteSigningFormatsResolveKeysThroughDIDs(t *testing.T) {
	ctx := context.Background()
	edPub, edPriv, _ := ed25519.GenerateKey(rand.Reader)
	p256, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)

	// did:web document served by a local TLS server.
	srv := httptest.NewTLSServer(nil)
	defer srv.Close()
	host := strings.TrimPrefix(srv.URL, "https://")
	webDID := did.WebDID(host)
	doc := &did.Document{ID: webDID}
	m, err := did.NewJWKMethod(webDID+"#key-1", webDID, p256.Public())
	if err != nil {
		t.Fatal(err)
	}
	doc.AddMethod(m, did.AssertionMethod)
	docJSON, _ := json.Marshal(doc)
	srv.Config.Handler = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/.well-known/did.json" {
			http.NotFound(w, r)
			return
		}
		w.Write(docJSON)
	})
	client := srv.Client()
	resolver := did.Resolver{Web: func(ctx context.Context, url string) ([]byte, error) {
		req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
		if err != nil {
			return nil, err
		}
		resp, err := client.Do(req)
		if err != nil {
			return nil, err
		}
		defer resp.Body.Close()
		return io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	}}

	keyDID := func(pub crypto.PublicKey) string {
		d, err := did.KeyDID(pub)
		if err != nil {
			t.Fatal(err)
		}
		return d
	}
	jwkDID := func(pub crypto.PublicKey) string {
		d, err := did.JWKDID(pub)
		if err != nil {
			t.Fatal(err)
		}
		return d
	}
	edKey := keyDID(edPub)
	edKID := edKey + "#" + strings.TrimPrefix(edKey, "did:key:")
	p256JWK := jwkDID(p256.Public())

	vc2 := func(issuer string) []byte {
		return []byte(`{"@context":["https://www.w3.org/ns/credentials/v2"],"type":["VerifiableCredential"],"issuer":"` +
			issuer + `","validFrom":"2025-01-01T00:00:00Z","credentialSubject":{"id":"did:example:ada","degree":"MSc"}}`)
	}
	vc11 := func(issuer string) []byte {
		return []byte(`{"@context":["https://www.w3.org/2018/credentials/v1"],"id":"urn:uuid:1","type":["VerifiableCredential"],"issuer":"` +
			issuer + `","issuanceDate":"2025-01-01T00:00:00Z","credentialSubject":{"id":"did:example:ada"}}`)
	}
	sdvc := func(issuer string) []byte {
		return []byte(`{"vct":"urn:example:diploma","iss":"` + issuer + `","given_name":"Ada"}`)
	}

	tests := []struct {
		name    string
		mech    credentials.Mechanism
		doc     []byte
		key     credentials.SigningKey
		wantErr error
	}{
		{"vc+jwt did:key", jose.VCJWT{}, vc2(edKey), credentials.SigningKey{Signer: edPriv, ID: edKID}, nil},
		{"vc+jwt did:jwk", jose.VCJWT{}, vc2(p256JWK), credentials.SigningKey{Signer: p256, ID: p256JWK + "#0"}, nil},
		{"vc+jwt did:web", jose.VCJWT{}, vc2(webDID), credentials.SigningKey{Signer: p256, ID: webDID + "#key-1"}, nil},
		{"jwt_vc_json did:web", jose.JWTVCJSON{}, vc11(webDID), credentials.SigningKey{Signer: p256, ID: webDID + "#key-1"}, nil},
		{"dc+sd-jwt did:key", sdjwt.Mechanism{}, sdvc(edKey), credentials.SigningKey{Signer: edPriv, ID: edKID}, nil},
		{"vc+jwt did:web key not in the document", jose.VCJWT{}, vc2(webDID), credentials.SigningKey{Signer: p256, ID: webDID + "#key-2"}, credentials.ErrUnknownKey},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			secured, err := tt.mech.Sign(ctx, tt.doc, tt.key, credentials.SignOptions{})
			if err != nil {
				t.Fatalf("sign: %v", err)
			}
			v, err := tt.mech.Verify(ctx, secured, resolver, credentials.VerifyOptions{})
			if tt.wantErr != nil {
				if err == nil {
					t.Fatalf("verified with key %s, want an error", tt.key.ID)
				}
				if !errors.Is(err, tt.wantErr) {
					t.Fatalf("error %v does not wrap %v", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatalf("verify: %v", err)
			}
			pub := tt.key.Signer.Public().(interface{ Equal(crypto.PublicKey) bool })
			if !pub.Equal(v.Key) {
				t.Errorf("verified with key %T, not the signer's", v.Key)
			}
			if v.KeyID != tt.key.ID {
				t.Errorf("KeyID = %q, want %q", v.KeyID, tt.key.ID)
			}
		})
	}
}

// A token whose kid names a key of another DID than its issuer is refused
// on signing, and a hand-made one is refused on verifying, for both JWT
// formats, even though its signature is valid for the kid's key.
func TestKidOfAnotherDIDIsRefused(t *testing.T) {
	ctx := context.Background()
	issuer, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	other, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	issuerDID, _ := did.KeyDID(issuer.Public())
	otherDID, _ := did.KeyDID(other.Public())
	otherKID := otherDID + "#" + strings.TrimPrefix(otherDID, "did:key:")
	for _, tt := range []struct {
		name    string
		mech    credentials.Mechanism
		typ     string
		payload string
	}{
		{"vc+jwt", jose.VCJWT{}, "vc+jwt", `{"@context":["https://www.w3.org/ns/credentials/v2"],"type":["VerifiableCredential"],"issuer":"` + issuerDID + `","credentialSubject":{"id":"did:example:ada"}}`},
		{"jwt_vc_json", jose.JWTVCJSON{}, "JWT", `{"iss":"` + issuerDID + `","sub":"did:example:ada","nbf":1735689600,"vc":{"@context":["https://www.w3.org/2018/credentials/v1"],"type":["VerifiableCredential"],"credentialSubject":{}}}`},
	} {
		t.Run(tt.name, func(t *testing.T) {
			_, err := tt.mech.Sign(ctx, []byte(tt.payload), credentials.SigningKey{Signer: other, ID: otherKID}, credentials.SignOptions{})
			if tt.name == "vc+jwt" && !errors.Is(err, credentials.ErrUnsupportedKey) {
				t.Errorf("sign with another DID's kid: %v, want ErrUnsupportedKey", err)
			}
			header := `{"alg":"ES256","typ":"` + tt.typ + `","kid":"` + otherKID + `"}`
			input := b64(header) + "." + b64(tt.payload)
			digest := sha256.Sum256([]byte(input))
			r, s, err := ecdsa.Sign(rand.Reader, other, digest[:])
			if err != nil {
				t.Fatal(err)
			}
			sig := make([]byte, 64)
			r.FillBytes(sig[:32])
			s.FillBytes(sig[32:])
			token := input + "." + base64.RawURLEncoding.EncodeToString(sig)
			_, err = tt.mech.Verify(ctx, []byte(token), did.Resolver{}, credentials.VerifyOptions{})
			if err == nil {
				t.Fatal("a token signed under another DID's kid verified")
			}
			if !strings.Contains(err.Error(), otherDID) && !strings.Contains(err.Error(), issuerDID) {
				t.Errorf("error %q names neither the kid's DID nor the issuer", err)
			}
		})
	}
}

func b64(s string) string { return base64.RawURLEncoding.EncodeToString([]byte(s)) }
