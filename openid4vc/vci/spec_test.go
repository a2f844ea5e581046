package vci_test

import (
	"context"
	"encoding/json"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/diplomat-edu/diplomat/internal/jsonx"
	"github.com/diplomat-edu/diplomat/openid4vc"
	"github.com/diplomat-edu/diplomat/openid4vc/internal/jsonobj"
	"github.com/diplomat-edu/diplomat/openid4vc/vci"
)

func spec(t *testing.T, name string) []byte {
	t.Helper()
	b, err := os.ReadFile("testdata/spec/" + name)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestSpecOffers(t *testing.T) {
	for _, f := range []string{"offer-multiple-credentials.json", "offer-by-reference.json", "offer-authz-code.json"} {
		t.Run(f, func(t *testing.T) {
			o, err := vci.ParseOffer(spec(t, f))
			if err != nil {
				t.Fatal(err)
			}
			if o.CredentialIssuer != "https://credential-issuer.example.com" || o.Grants == nil {
				t.Fatalf("%+v", o)
			}
			// By value in a link, it reads back the same.
			l, err := vci.ParseOfferLink(o.Link())
			if err != nil {
				t.Fatal(err)
			}
			a, _ := json.Marshal(o)
			b, _ := json.Marshal(l.Offer)
			if string(a) != string(b) {
				t.Fatalf("link round trip:\n%s\n%s", a, b)
			}
		})
	}
	o, _ := vci.ParseOffer(spec(t, "offer-multiple-credentials.json"))
	if tc := o.Grants.PreAuthorizedCode.TxCode; tc.Length != 4 || tc.InputMode != "numeric" {
		t.Fatalf("tx_code %+v", tc)
	}
	o, _ = vci.ParseOffer(spec(t, "offer-by-reference.json"))
	if o.Grants.PreAuthorizedCode.TxCode == nil {
		t.Fatal("an empty tx_code object still asks for a code")
	}
	for _, f := range []string{"offer-link-by-value.txt", "offer-link-wallet-endpoint.txt"} {
		l, err := vci.ParseOfferLink(string(spec(t, f)))
		if err != nil || l.Offer == nil || l.Offer.Grants.PreAuthorizedCode.PreAuthorizedCode != "oaKazRN8I0IbtZ0C7JuMn5" {
			t.Fatalf("%s: %+v %v", f, l, err)
		}
	}
	l, err := vci.ParseOfferLink(string(spec(t, "offer-link-by-reference.txt")))
	if err != nil || l.URI != "https://server.example.com/credential-offer/GkurKxf5T0Y-mnPFCHqWOMiZi4VS138cQO_V7PZHAdM" {
		t.Fatalf("%+v %v", l, err)
	}
}

func TestOfferRejects(t *testing.T) {
	for name, c := range map[string]struct{ offer, want string }{
		"http issuer":          {`{"credential_issuer":"http://x.example","credential_configuration_ids":["a"]}`, "https"},
		"issuer with query":    {`{"credential_issuer":"https://x.example?a=b","credential_configuration_ids":["a"]}`, "query"},
		"no configurations":    {`{"credential_issuer":"https://x.example","credential_configuration_ids":[]}`, "empty"},
		"duplicate ids":        {`{"credential_issuer":"https://x.example","credential_configuration_ids":["a","a"]}`, "twice"},
		"empty pre-auth code":  {`{"credential_issuer":"https://x.example","credential_configuration_ids":["a"],"grants":{"urn:ietf:params:oauth:grant-type:pre-authorized_code":{"pre-authorized_code":""}}}`, "pre-authorized_code"},
		"bad input mode":       {`{"credential_issuer":"https://x.example","credential_configuration_ids":["a"],"grants":{"urn:ietf:params:oauth:grant-type:pre-authorized_code":{"pre-authorized_code":"c","tx_code":{"input_mode":"voice"}}}}`, "input_mode"},
		"long description":     {`{"credential_issuer":"https://x.example","credential_configuration_ids":["a"],"grants":{"urn:ietf:params:oauth:grant-type:pre-authorized_code":{"pre-authorized_code":"c","tx_code":{"description":"` + strings.Repeat("x", 301) + `"}}}}`, "300"},
		"member in other case": {`{"Credential_Issuer":"https://x.example","credential_configuration_ids":["a"]}`, "case-sensitive"},
		"duplicate member":     {`{"credential_issuer":"https://x.example","credential_issuer":"https://y.example","credential_configuration_ids":["a"]}`, "duplicate"},
	} {
		t.Run(name, func(t *testing.T) {
			if _, err := vci.ParseOffer([]byte(c.offer)); err == nil || !strings.Contains(err.Error(), c.want) {
				t.Fatalf("got %v, want %q", err, c.want)
			}
		})
	}
	for _, link := range []string{
		"openid-credential-offer://",
		"openid-credential-offer://?credential_offer=%7B%7D&credential_offer_uri=https%3A%2F%2Fx",
		"openid-credential-offer://?credential_offer_uri=http%3A%2F%2Fx.example%2Fo",
	} {
		if _, err := vci.ParseOfferLink(link); err == nil {
			t.Errorf("%s accepted", link)
		}
	}
}

func TestSpecMetadataAndDetails(t *testing.T) {
	var m vci.Metadata
	if err := jsonobj.Decode(spec(t, "metadata-sd-jwt-long.json"), &m, jsonx.Limits{}); err != nil {
		t.Fatal(err)
	}
	c := m.CredentialConfigurationsSupported["SD_JWT_VC_example_in_OpenID4VCI"]
	if c.VCT != "SD_JWT_VC_example_in_OpenID4VCI" || m.BatchCredentialIssuance.BatchSize != 10 || len(m.CredentialRequestEncryption.JWKS.Keys) != 1 {
		t.Fatalf("%+v", m)
	}
	if len(c.CredentialMetadata.Claims) != 3 || c.CredentialMetadata.Claims[1].Path.String() != `["address","street_address"]` {
		t.Fatalf("claims %+v", c.CredentialMetadata.Claims)
	}
	for _, f := range []string{"metadata-jwt-vc-json.json", "metadata-ldp-vc.json"} {
		var part vci.Metadata
		if err := jsonobj.Decode(spec(t, f), &part, jsonx.Limits{}); err != nil || len(part.CredentialConfigurationsSupported) != 1 {
			t.Fatalf("%s: %v", f, err)
		}
	}
	d, err := vci.ParseAuthorizationDetails(spec(t, "authorization-details-multiple.json"))
	if err != nil || len(d) != 2 || d[1].CredentialConfigurationID != "org.iso.18013.5.1.mDL" {
		t.Fatalf("%+v %v", d, err)
	}
}

func TestSpecProofExample(t *testing.T) {
	tok := strings.TrimSpace(string(spec(t, "oid4vci-proof.jwt")))
	check := vci.ProofCheck{Audience: "https://credential-issuer.example.com", Algs: []string{"ES256"},
		Now: time.Unix(1701960444, 0), MaxAge: time.Minute}
	p, err := vci.CheckProof(context.Background(), tok, check)
	if err != nil {
		t.Fatal(err)
	}
	if p.Nonce != "LarRGSbmUPYtRYO6BQ4yn8" || !strings.HasPrefix(p.DID, "did:jwk:") {
		t.Fatalf("%+v", p)
	}
	// Another audience, a later time, a changed payload: refused.
	for name, c := range map[string]vci.ProofCheck{
		"aud":  {Audience: "https://other.example", Algs: check.Algs, Now: check.Now, MaxAge: check.MaxAge},
		"late": {Audience: check.Audience, Algs: check.Algs, Now: check.Now.Add(time.Hour), MaxAge: check.MaxAge},
		"alg":  {Audience: check.Audience, Algs: []string{"EdDSA"}, Now: check.Now, MaxAge: check.MaxAge},
	} {
		var e *openid4vc.Error
		if _, err := vci.CheckProof(context.Background(), tok, c); !asError(err, &e) || e.Code != openid4vc.CodeInvalidProof {
			t.Errorf("%s: %v", name, err)
		}
	}
	parts := strings.Split(tok, ".")
	forged := parts[0] + "." + strings.TrimRight(parts[1], "Q") + "." + parts[2]
	if _, err := vci.CheckProof(context.Background(), forged, check); err == nil {
		t.Error("a changed payload verified")
	}
}

func TestWellKnown(t *testing.T) {
	for in, want := range map[string]string{
		"https://issuer.example.com/tenant": "https://issuer.example.com/.well-known/openid-credential-issuer/tenant",
		"https://tenant.issuer.example.com": "https://tenant.issuer.example.com/.well-known/openid-credential-issuer",
	} {
		if got, err := vci.WellKnown(in, vci.WellKnownIssuer); err != nil || got != want {
			t.Errorf("%s: %s %v", in, got, err)
		}
	}
}
