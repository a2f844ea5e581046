package vci_test

import (
	"context"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/diplomat-edu/diplomat/credentials/did"
	testenv "github.com/diplomat-edu/diplomat/internal/oid4vctest"
	"github.com/diplomat-edu/diplomat/openid4vc/internal/jwt"
	"github.com/diplomat-edu/diplomat/openid4vc/vci"
)

// Key proofs that name the holder by DID (kid) or by certificate (x5c)
// bind the credential to that key and DID.
func TestProofsByKidAndX5C(t *testing.T) {
	e := testenv.New(t, testenv.Options{})
	ctx := context.Background()
	start := func(cfg string) *vci.Session {
		return redeemed(t, e, vci.OfferRequest{Configurations: []string{cfg}})
	}
	t.Run("kid did:key", func(t *testing.T) {
		k := p256(t)
		d, _ := did.KeyDID(&k.PublicKey)
		kid := d + "#" + strings.TrimPrefix(d, "did:key:")
		got, err := start(testenv.ConfigJWTVC).RequestCredential(ctx, vci.CredentialOptions{Holders: []vci.ProofSigner{{Signer: k, KeyID: kid}}})
		if err != nil {
			t.Fatal(err)
		}
		verified(t, e, got.Credential(0))
		claims, _ := vci.ClaimsOfJWT(string(got.Credential(0)))
		var sub string
		json.Unmarshal(claims["sub"], &sub)
		if sub != d {
			t.Fatalf("sub %s, want the holder's did:key %s", sub, d)
		}
	})
	t.Run("x5c", func(t *testing.T) {
		// A wallet key certified by the test CA, proved with its chain.
		ek := e.NewLeaf(pkix.Name{CommonName: "wallet key"}, x509.ExtKeyUsageAny)
		p, err := jwt.Sign(ek.Key, jwt.AllAlgs, map[string]any{"typ": vci.TypProof, "x5c": jwt.X5CStrings(ek.Chain)},
			map[string]any{"aud": e.URL, "nonce": nonce(t, e), "iat": ek.Now().Unix()})
		if err != nil {
			t.Fatal(err)
		}
		s := start(testenv.ConfigSDJWT)
		tok, _ := s.AccessToken()
		body, _ := json.Marshal(map[string]any{"credential_identifier": s.CredentialIdentifiers()[testenv.ConfigSDJWT][0], "proofs": map[string]any{"jwt": []string{p}}})
		a := post(t, e, "/credential", http.Header{"Content-Type": {"application/json"}, "Authorization": {"Bearer " + tok}}, string(body))
		if a.status != 200 {
			t.Fatalf("%d %s", a.status, a.body)
		}
		var cr vci.CredentialResponse
		json.Unmarshal(a.body, &cr)
		var sd string
		json.Unmarshal(cr.Credentials[0].Value, &sd)
		boundTo(t, vci.FormatSDJWT, []byte(sd), ek.Key.Public())
	})
}

func TestSignedMetadata(t *testing.T) {
	e := testenv.New(t, testenv.Options{SignedMetadata: true})
	req, _ := http.NewRequest("GET", e.URL+"/.well-known/openid-credential-issuer", nil)
	req.Header.Set("Accept", "application/jwt")
	resp, err := e.Client.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	if resp.Header.Get("Content-Type") != "application/jwt" {
		t.Fatalf("content type %q", resp.Header.Get("Content-Type"))
	}
	j, err := jwt.Parse(string(b), 1<<20)
	if err != nil {
		t.Fatal(err)
	}
	chain, _ := j.X5C()
	if j.Typ != vci.TypSignedMetadata || len(chain) == 0 || j.Verify(chain[0].PublicKey, jwt.AllAlgs) != nil {
		t.Fatalf("typ %s, chain %d", j.Typ, len(chain))
	}
	if sub, _, _ := j.String("sub"); sub != e.URL {
		t.Fatalf("sub %s", sub)
	}
	if _, ok := j.Claims["credential_configurations_supported"]; !ok {
		t.Fatal("the metadata is not in the claims")
	}
	// Plain JSON by default.
	resp2, _ := e.Client.Get(e.URL + "/.well-known/openid-credential-issuer")
	resp2.Body.Close()
	if resp2.Header.Get("Content-Type") != "application/json" {
		t.Fatalf("default content type %q", resp2.Header.Get("Content-Type"))
	}
}
