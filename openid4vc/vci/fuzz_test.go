package vci

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"encoding/json"
	"errors"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/diplomat-edu/diplomat/openid4vc"
	"github.com/diplomat-edu/diplomat/openid4vc/internal/jwt"
	"github.com/diplomat-edu/diplomat/openid4vc/memstore"
)

func specFiles(f *testing.F, glob string) [][]byte {
	files, _ := filepath.Glob(filepath.Join("testdata/spec", glob))
	var out [][]byte
	for _, p := range files {
		b, err := os.ReadFile(p)
		if err != nil {
			f.Fatal(err)
		}
		out = append(out, b)
	}
	return out
}

// FuzzParseOffer: offers by value never panic the parser, and an accepted
// offer is valid and survives its own link.
func FuzzParseOffer(f *testing.F) {
	for _, b := range specFiles(f, "offer-*.json") {
		f.Add(b)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		o, err := ParseOffer(data)
		if err != nil {
			return
		}
		if err := o.Validate(); err != nil {
			t.Fatal(err)
		}
		l, err := ParseOfferLink(o.Link())
		if err != nil || l.Offer == nil {
			t.Fatalf("its own link: %v", err)
		}
	})
}

// FuzzParseOfferLink: links never panic the parser; exactly one of offer
// and URI comes out of an accepted link.
func FuzzParseOfferLink(f *testing.F) {
	for _, b := range specFiles(f, "offer-link-*.txt") {
		f.Add(string(b))
	}
	f.Add("openid-credential-offer://?credential_offer=%7B%7D")
	f.Fuzz(func(t *testing.T, link string) {
		l, err := ParseOfferLink(link)
		if err != nil {
			return
		}
		if (l.Offer == nil) == (l.URI == "") {
			t.Fatalf("%+v", l)
		}
	})
}

// FuzzCheckProof: key proofs never panic the check, and every refusal is
// invalid_proof.
func FuzzCheckProof(f *testing.F) {
	for _, b := range specFiles(f, "*.jwt") {
		f.Add(strings.TrimSpace(string(b)))
	}
	k, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	for _, kid := range []string{"", "did:web:x.example#k"} {
		p, _ := ProofSigner{Signer: k, KeyID: kid}.Proof("https://credential-issuer.example.com", "n", "", time.Unix(1701960444, 0))
		f.Add(p)
	}
	check := ProofCheck{Audience: "https://credential-issuer.example.com", Algs: jwt.AllAlgs, Now: time.Unix(1701960444, 0), MaxAge: time.Minute}
	f.Fuzz(func(t *testing.T, proof string) {
		ctx, cancel := context.WithTimeout(context.Background(), time.Second)
		defer cancel()
		p, err := CheckProof(ctx, proof, check)
		if err != nil {
			var e *openid4vc.Error
			if !errors.As(err, &e) || e.Code != openid4vc.CodeInvalidProof {
				if ctx.Err() == nil {
					t.Fatalf("refused without invalid_proof: %v", err)
				}
			}
			return
		}
		if p.Key == nil || p.DID == "" {
			t.Fatalf("accepted without a key: %+v", p)
		}
	})
}

// FuzzTokenRequest: token request forms never panic the parser or the
// token endpoint, which answers every bad request with a protocol error.
func FuzzTokenRequest(f *testing.F) {
	f.Add("grant_type=urn%3Aietf%3Aparams%3Aoauth%3Agrant-type%3Apre-authorized_code&pre-authorized_code=SplxlOBeZQQYbYS6WxSbIA&tx_code=493536&authorization_details=%5B%7B%22type%22%3A%20%22openid_credential%22%2C%20%22credential_configuration_id%22%3A%20%22UniversityDegreeCredential%22%7D%5D", "")
	f.Add("grant_type=authorization_code&code=SplxlOBeZQQYbYS6WxSbIA&code_verifier=dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk&redirect_uri=https%3A%2F%2Fwallet.example.org%2Fcb", "x.y.z")
	is := fuzzIssuer(f)
	f.Fuzz(func(t *testing.T, body, dpop string) {
		form, err := url.ParseQuery(body)
		if err != nil {
			return
		}
		req, err := ParseTokenRequest(form, dpop)
		if err != nil {
			return
		}
		if _, err := is.Token(context.Background(), req); err != nil {
			var e *openid4vc.Error
			if !errors.As(err, &e) {
				t.Fatalf("not a protocol error: %v", err)
			}
		}
	})
}

// FuzzCredentialRequest: credential request bodies never panic the parser.
func FuzzCredentialRequest(f *testing.F) {
	f.Add([]byte(`{"credential_identifier":"CivilEngineeringDegree-2023","proofs":{"jwt":["eyJ0eXAiOiJvcGVuaWQ0dmNpLXByb29mK2p3dCJ9.e30.AA"]}}`), "application/json")
	f.Add([]byte(`{"credential_configuration_id":"org.iso.18013.5.1.mDL","credential_response_encryption":{"jwk":{"kty":"EC"},"enc":"A128GCM"}}`), "application/json")
	f.Add([]byte(`a.b.c.d.e`), "application/jwt")
	is := fuzzIssuer(f)
	f.Fuzz(func(t *testing.T, body []byte, ct string) {
		req, encrypted, err := is.parseCredentialRequest(context.Background(), CredentialCall{Body: body, ContentType: ct})
		if err != nil {
			var e *openid4vc.Error
			if !errors.As(err, &e) {
				t.Fatalf("not a protocol error: %v", err)
			}
			return
		}
		if encrypted {
			t.Fatal("decrypted without the issuer key")
		}
		_, _, _ = is.responseEncryption(req, false)
		b, _ := json.Marshal(req)
		_ = b
	})
}

// FuzzAuthorizationDetails: authorization_details never panic the parser.
func FuzzAuthorizationDetails(f *testing.F) {
	for _, b := range specFiles(f, "authorization-details-*.json") {
		f.Add(b)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		d, err := ParseAuthorizationDetails(data)
		if err == nil {
			for _, x := range d {
				if x.Type != "openid_credential" || x.CredentialConfigurationID == "" {
					t.Fatalf("%+v", x)
				}
			}
		}
	})
}

func fuzzIssuer(f *testing.F) *Issuer {
	is, err := New(Options{Issuer: "https://issuer.example", Records: memstore.New(nil), Issue: nopIssuer{},
		Configurations: ConfigurationsFor(TemplateInfo{Name: "d", Titles: map[string]string{"en": "D"}}, []string{FormatSDJWT}, nil)})
	if err != nil {
		f.Fatal(err)
	}
	return is
}

// nopIssuer refuses to issue; the fuzz targets never reach it.
type nopIssuer struct{}

func (nopIssuer) IssueCredentials(context.Context, IssueRequest) ([]Credential, error) {
	return nil, ErrDenied
}
