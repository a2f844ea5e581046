package sdjwt

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/diplomat-edu/diplomat/credentials"
)

// A VC 2.0 credential as VC-JOSE-COSE secures it: no vct, the issuer in
// issuer, nested members and array elements to hide.
func vc2Credential(t *testing.T, issuer string, holder map[string]any) []byte {
	t.Helper()
	c := map[string]any{
		"@context":  []any{contextV2, "https://www.w3.org/ns/credentials/examples/v2"},
		"id":        "urn:uuid:6f1f2a2e-1d1b-4b9e-9a57-3c1b0e5a3d10",
		"type":      []any{"VerifiableCredential", "ExampleDegreeCredential"},
		"issuer":    map[string]any{"id": issuer, "name": "Example University"},
		"validFrom": "2025-09-01T00:00:00Z",
		"credentialSubject": map[string]any{
			"id":        "did:example:ana",
			"name":      "Ana",
			"birthDate": "1999-10-01",
			"address":   map[string]any{"street": "Instant Street 16", "city": "Dublin"},
			"degrees": []any{
				map[string]any{"title": "BSc", "grade": "A"},
				map[string]any{"title": "MSc", "grade": "B"},
			},
			"languages": []any{"en", "ga", "it"},
		},
	}
	if holder != nil {
		c["cnf"] = map[string]any{"jwk": holder}
	}
	return mustJSON(t, c)
}

var vc2Frame = Frame{Disclosable: []Path{
	{"credentialSubject", "birthDate"},
	{"credentialSubject", "address", "street"},
	{"credentialSubject", "degrees", nil, "grade"},
	{"credentialSubject", "languages", 2},
}, Decoys: 2}

func TestVCIssuesAndVerifiesVC2CredentialWithNestedAndArrayDisclosures(t *testing.T) {
	iss, holder := newParty(t, "uni", p384(t)), newParty(t, "ana", newP256(t))
	hj, _ := PublicJWK(holder.signer.Public())
	ctx := context.Background()
	m := VC{Frame: vc2Frame}
	tok, err := m.Sign(ctx, vc2Credential(t, iss.did, hj), iss.key(), credentials.SignOptions{})
	if err != nil {
		t.Fatal(err)
	}
	sd, err := Parse(string(tok))
	if err != nil {
		t.Fatal(err)
	}
	if sd.Header.Typ != "vc+sd-jwt" || sd.Header.Cty != "vc" || sd.Header.Kid != iss.kid || sd.Header.Alg != "ES384" {
		t.Errorf("header = %+v", sd.Header)
	}
	if len(sd.Disclosures) != 5 { // birthDate, street, 2 grades, languages[2]
		t.Errorf("issued %d disclosures, want 5", len(sd.Disclosures))
	}
	payload := string(sd.jws.payload)
	for _, secret := range []string{"1999-10-01", "Instant Street", `"grade"`, `"it"`} {
		if strings.Contains(payload, secret) {
			t.Errorf("signed payload shows %s: %s", secret, payload)
		}
	}
	for _, added := range []string{`"iss"`, `"iat"`, `"vct"`} {
		if strings.Contains(payload, added) {
			t.Errorf("signed payload gained %s: VC adds nothing to the credential", added)
		}
	}

	v, err := m.Verify(ctx, tok, resolverFor(iss), credentials.VerifyOptions{Now: clock(t0)})
	if err != nil {
		t.Fatal(err)
	}
	if v.Mechanism != "vc+sd-jwt" || v.Issuer != iss.did || v.KeyID != iss.kid || v.Details["key_binding"] != "absent" {
		t.Errorf("verified = %+v", v)
	}
	want := "$.credentialSubject.address.street, $.credentialSubject.birthDate, $.credentialSubject.degrees[0].grade, $.credentialSubject.degrees[1].grade, $.credentialSubject.languages[2]"
	if got := v.Details["disclosed"]; got != want {
		t.Errorf("disclosed = %s\nwant        %s", got, want)
	}
	doc := decodeMap(t, v.Document)
	subj := doc["credentialSubject"].(map[string]any)
	if subj["birthDate"] != "1999-10-01" || subj["address"].(map[string]any)["street"] != "Instant Street 16" || len(subj["languages"].([]any)) != 3 {
		t.Errorf("credentialSubject = %v", subj)
	}

	// The holder shows one grade and nothing else, bound to a verifier.
	pres, err := Present(string(tok), PresentOptions{
		Disclose: []Path{{"credentialSubject", "degrees", 1, "grade"}},
		Holder:   holder.signer, Nonce: "n-7", Audience: "https://admissions.example", Now: clock(t0),
	})
	if err != nil {
		t.Fatal(err)
	}
	v, err = m.Verify(ctx, []byte(pres), resolverFor(iss), credentials.VerifyOptions{Challenge: "n-7", Domain: "https://admissions.example", Now: clock(t0.Add(time.Minute))})
	if err != nil {
		t.Fatal(err)
	}
	if v.Details["disclosed"] != "$.credentialSubject.degrees[1].grade" || v.Details["key_binding"] != "verified" {
		t.Errorf("details = %v", v.Details)
	}
	subj = decodeMap(t, v.Document)["credentialSubject"].(map[string]any)
	if _, ok := subj["birthDate"]; ok || len(subj["languages"].([]any)) != 2 || subj["address"].(map[string]any)["street"] != nil {
		t.Errorf("presentation shows undisclosed claims: %v", subj)
	}
	if g := subj["degrees"].([]any); g[0].(map[string]any)["grade"] != nil || g[1].(map[string]any)["grade"] != "B" {
		t.Errorf("degrees = %v", g)
	}

	// The same presentation for another verifier's nonce is refused.
	_, err = m.Verify(ctx, []byte(pres), resolverFor(iss), credentials.VerifyOptions{Challenge: "n-8", Domain: "https://admissions.example", Now: clock(t0.Add(time.Minute))})
	if !errors.Is(err, credentials.ErrInvalidProof) || !strings.Contains(err.Error(), "nonce") {
		t.Errorf("wrong nonce: %v", err)
	}
}

func TestVPSecuresPresentationWithHiddenHolder(t *testing.T) {
	iss, holder := newParty(t, "uni", newP256(t)), newParty(t, "ana", ed25519Key(t))
	ctx := context.Background()
	cred, err := VC{Frame: vc2Frame}.Sign(ctx, vc2Credential(t, iss.did, nil), iss.key(), credentials.SignOptions{})
	if err != nil {
		t.Fatal(err)
	}
	vp := mustJSON(t, map[string]any{
		"@context": []any{contextV2},
		"type":     "VerifiablePresentation",
		"holder":   holder.did,
		"verifiableCredential": []any{map[string]any{
			"@context": contextV2, "type": "EnvelopedVerifiableCredential",
			"id": "data:application/vc+sd-jwt," + string(cred),
		}},
	})
	m := VP{Frame: Frame{Disclosable: []Path{{"holder"}, {"verifiableCredential", 0}}}}
	tok, err := m.Sign(ctx, vp, holder.key(), credentials.SignOptions{Challenge: "c-1", Domain: "https://verifier.example"})
	if err != nil {
		t.Fatal(err)
	}
	sd, _ := Parse(string(tok))
	if sd.Header.Typ != "vp+sd-jwt" || sd.Header.Cty != "vp" || sd.Payload["iss"] != holder.did || sd.Payload["nonce"] != "c-1" || sd.Payload["holder"] != nil {
		t.Errorf("header %+v, payload %v: want vp+sd-jwt, iss naming the hidden holder, nonce", sd.Header, sd.Payload)
	}
	r := resolverFor(holder)
	opts := credentials.VerifyOptions{Challenge: "c-1", Domain: "https://verifier.example", Now: clock(t0), Purpose: "authentication"}
	v, err := m.Verify(ctx, tok, r, opts)
	if err != nil {
		t.Fatal(err)
	}
	if v.Issuer != holder.did || v.Details["disclosed"] != "$.holder, $.verifiableCredential[0]" {
		t.Errorf("issuer %q, details %v", v.Issuer, v.Details)
	}
	if doc := decodeMap(t, v.Document); doc["holder"] != holder.did || len(doc["verifiableCredential"].([]any)) != 1 {
		t.Errorf("document = %v", doc)
	}

	// Withholding the credential leaves an empty list, still verified.
	noCred, err := Present(string(tok), PresentOptions{Disclose: []Path{{"holder"}}})
	if err != nil {
		t.Fatal(err)
	}
	if v, err = m.Verify(ctx, []byte(noCred), r, opts); err != nil || v.Details["disclosed"] != "$.holder" {
		t.Errorf("without the credential: %v, %v", err, v)
	}

	for name, o := range map[string]credentials.VerifyOptions{
		"another challenge": {Challenge: "c-2", Now: clock(t0)},
		"another domain":    {Domain: "https://other.example", Now: clock(t0)},
		"assertion purpose": {Purpose: "assertionMethod", Now: clock(t0)},
	} {
		if _, err := m.Verify(ctx, tok, r, o); !errors.Is(err, credentials.ErrInvalidProof) {
			t.Errorf("%s: got %v, want ErrInvalidProof", name, err)
		}
	}
}

// A kid without a scheme is a key of the issuer: kid "key-1" of issuer
// did:example:uni is did:example:uni#key-1, as in the W3C suite's fixtures.
func TestVCBareKidResolvesRelativeToIssuer(t *testing.T) {
	iss := newParty(t, "uni", newP256(t))
	r := resolverFor(iss)
	for _, kid := range []string{"key-1", "#key-1"} {
		t.Run(kid, func(t *testing.T) {
			key := credentials.SigningKey{Signer: iss.signer, ID: kid}
			tok, err := VC{}.Sign(context.Background(), vc2Credential(t, iss.did, nil), key, credentials.SignOptions{})
			if err != nil {
				t.Fatal(err)
			}
			if sd, _ := Parse(string(tok)); sd.Header.Kid != kid {
				t.Fatalf("kid = %q, want %q", sd.Header.Kid, kid)
			}
			v, err := VC{}.Verify(context.Background(), tok, r, credentials.VerifyOptions{Now: clock(t0)})
			if err != nil {
				t.Fatal(err)
			}
			if v.KeyID != iss.kid {
				t.Errorf("KeyID = %q, want %q", v.KeyID, iss.kid)
			}
		})
	}
	// The same bare kid under another issuer names that issuer's key,
	// which the resolver does not know.
	other := newParty(t, "other", iss.signer)
	tok, err := VC{}.Sign(context.Background(), vc2Credential(t, other.did, nil), credentials.SigningKey{Signer: iss.signer, ID: "key-1"}, credentials.SignOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := (VC{}).Verify(context.Background(), tok, r, credentials.VerifyOptions{Now: clock(t0)}); !errors.Is(err, credentials.ErrUnknownKey) || !strings.Contains(err.Error(), "did:example:other#key-1") {
		t.Errorf("got %v, want ErrUnknownKey for did:example:other#key-1", err)
	}
}

func TestVCSignRefusesWhatVCJOSECOSEForbids(t *testing.T) {
	iss := newParty(t, "uni", newP256(t))
	cred := vc2Credential(t, iss.did, nil)
	ctx := context.Background()
	tests := []struct {
		name   string
		m      credentials.Mechanism
		doc    []byte
		key    credentials.SigningKey
		opts   credentials.SignOptions
		sentry error
		want   string
	}{
		{"@context disclosable", VC{Frame: Frame{Disclosable: []Path{{"@context"}}}}, cred, iss.key(), credentials.SignOptions{}, credentials.ErrMalformed, "@context is never selectively disclosable"},
		{"type disclosable", VC{Frame: Frame{Disclosable: []Path{{"type"}}}}, cred, iss.key(), credentials.SignOptions{}, credentials.ErrMalformed, "type is never"},
		{"issuer disclosable", VC{Frame: Frame{Disclosable: []Path{{"issuer"}}}}, cred, iss.key(), credentials.SignOptions{}, credentials.ErrMalformed, "issuer is never"},
		{"validFrom disclosable", VC{Frame: Frame{Disclosable: []Path{{"validFrom"}}}}, cred, iss.key(), credentials.SignOptions{}, credentials.ErrMalformed, "validFrom is never"},
		{"VP type disclosable", VP{Frame: Frame{Disclosable: []Path{{"type"}}}}, mustJSON(t, map[string]any{"@context": contextV2, "type": "VerifiablePresentation", "holder": iss.did}), iss.key(), credentials.SignOptions{}, credentials.ErrMalformed, "type is never"},
		{"SD-JWT VC claims", VC{}, []byte(`{"vct":"urn:x","iss":"did:example:uni"}`), iss.key(), credentials.SignOptions{}, credentials.ErrMalformed, "@context starts with"},
		{"VC 1.1 context", VC{}, []byte(`{"@context":["https://www.w3.org/2018/credentials/v1"],"type":"VerifiableCredential","issuer":"did:example:uni","credentialSubject":{}}`), iss.key(), credentials.SignOptions{}, credentials.ErrMalformed, "@context starts with"},
		{"iss other than issuer", VC{}, mustJSON(t, map[string]any{"@context": contextV2, "type": "VerifiableCredential", "issuer": iss.did, "iss": "did:example:eve", "credentialSubject": map[string]any{}}), iss.key(), credentials.SignOptions{}, credentials.ErrMalformed, `iss "did:example:eve" does not match issuer`},
		{"key of another issuer", VC{}, cred, credentials.SigningKey{Signer: iss.signer, ID: "did:example:eve#key-1"}, credentials.SignOptions{}, credentials.ErrUnsupportedKey, "is not a key of"},
		{"challenge on a credential", VC{}, cred, iss.key(), credentials.SignOptions{Challenge: "n"}, credentials.ErrMalformed, "belong to a presentation"},
		{"unsecured credential in a VP", VP{}, mustJSON(t, map[string]any{"@context": contextV2, "type": "VerifiablePresentation", "holder": iss.did, "verifiableCredential": []any{decodeMap(t, cred)}}), iss.key(), credentials.SignOptions{}, credentials.ErrMalformed, "$.verifiableCredential[0] is not secured"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := tc.m.Sign(ctx, tc.doc, tc.key, tc.opts)
			if !errors.Is(err, tc.sentry) || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("got %v, want %v saying %q", err, tc.sentry, tc.want)
			}
		})
	}
}

// Hand-built tokens that VC and VP must refuse, each for its own reason.
func TestVCVerifyRejectsBadInput(t *testing.T) {
	iss := newParty(t, "uni", newP256(t))
	r := resolverFor(iss)
	vc := func(extra map[string]any) map[string]any {
		p := map[string]any{"@context": []any{contextV2}, "type": []any{"VerifiableCredential"}, "issuer": iss.did, "credentialSubject": map[string]any{"id": "did:example:ana"}}
		for k, v := range extra {
			if v == nil {
				delete(p, k)
				continue
			}
			p[k] = v
		}
		return p
	}
	hdr := jwsHeader{Typ: TypVC, Cty: CtyVC, Kid: iss.kid}
	disclosed := func(name string, value any) (map[string]any, string) {
		d := disclosure(t, "c2FsdHNhbHRzYWx0c2FsdA", name, value)
		return vc(map[string]any{name: nil, "_sd": []any{DigestOf(d)}}), d
	}
	ctxPayload, ctxD := disclosed("@context", []any{contextV2})
	issPayload, issD := disclosed("issuer", iss.did)
	statusPayload, statusD := disclosed("credentialStatus", map[string]any{"type": "BitstringStatusListEntry"})
	untilPayload, untilD := disclosed("validUntil", "2020-01-01T00:00:00Z")
	typePayload, typeD := disclosed("type", []any{"VerifiableCredential"})
	expPayload, expD := disclosed("exp", t0.Add(time.Hour).Unix())
	cnfPayload, cnfD := disclosed("cnf", map[string]any{"jwk": map[string]any{"kty": "OKP", "crv": "Ed25519", "x": "11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo"}})
	schemaPayload, schemaD := disclosed("credentialSchema", map[string]any{"id": "https://example.org/schema.json", "type": "JsonSchema"})
	indexD := disclosure(t, "c2FsdHNhbHRzYWx0c2FsdA", "statusListIndex", "7")
	indexPayload := vc(map[string]any{"credentialStatus": map[string]any{"type": "BitstringStatusListEntry", "statusPurpose": "revocation", "statusListCredential": "https://example.org/sl", "_sd": []any{DigestOf(indexD)}}})
	vpBase := map[string]any{"@context": contextV2, "type": "VerifiablePresentation", "holder": iss.did}
	withCreds := func(c any) map[string]any {
		p := map[string]any{}
		for k, v := range vpBase {
			p[k] = v
		}
		p["verifiableCredential"] = []any{c}
		return p
	}
	vpHdr := jwsHeader{Typ: TypVP, Cty: CtyVP, Kid: iss.kid}
	vpExpPayload := map[string]any{"@context": contextV2, "type": "VerifiablePresentation", "holder": iss.did, "_sd": []any{DigestOf(expD)}}

	tests := []struct {
		name   string
		m      credentials.Mechanism
		token  string
		sentry error
		want   string
	}{
		{"dc+sd-jwt typ", VC{}, craft(t, iss.signer, jwsHeader{Typ: TypSDJWTVC, Kid: iss.kid}, vc(nil), nil, ""), credentials.ErrMalformed, `header typ "dc+sd-jwt", want "vc+sd-jwt"`},
		{"vp typ to VC", VC{}, craft(t, iss.signer, vpHdr, vc(nil), nil, ""), credentials.ErrMalformed, `header typ "vp+sd-jwt", want "vc+sd-jwt"`},
		{"vc typ to VP", VP{}, craft(t, iss.signer, hdr, vpBase, nil, ""), credentials.ErrMalformed, `header typ "vc+sd-jwt", want "vp+sd-jwt"`},
		{"cty vp on a credential", VC{}, craft(t, iss.signer, jwsHeader{Typ: TypVC, Cty: "vp", Kid: iss.kid}, vc(nil), nil, ""), credentials.ErrMalformed, `header cty "vp", want "vc"`},
		{"legacy SD-JWT VC payload", VC{}, craft(t, iss.signer, hdr, map[string]any{"iss": iss.did, "vct": "urn:x"}, nil, ""), credentials.ErrMalformed, "@context starts with"},
		{"vc claim", VC{}, craft(t, iss.signer, hdr, vc(map[string]any{"vc": map[string]any{}}), nil, ""), credentials.ErrMalformed, "has a vc member"},
		{"no credentialSubject", VC{}, craft(t, iss.signer, hdr, vc(map[string]any{"credentialSubject": nil}), nil, ""), credentials.ErrMalformed, "no credentialSubject"},
		{"iss other than issuer", VC{}, craft(t, iss.signer, hdr, vc(map[string]any{"iss": "did:example:eve"}), nil, ""), credentials.ErrMalformed, "does not match issuer"},
		{"key of another controller", VC{}, craft(t, iss.signer, jwsHeader{Typ: TypVC, Kid: iss.kid}, vc(map[string]any{"issuer": "did:example:eve"}), nil, ""), credentials.ErrInvalidProof, `controlled by "did:example:uni", not by the issuer "did:example:eve"`},
		{"signed by another key", VC{}, craft(t, newP256(t), hdr, vc(nil), nil, ""), credentials.ErrInvalidProof, "signature does not verify"},
		{"disclosed @context", VC{}, craft(t, iss.signer, hdr, ctxPayload, []string{ctxD}, ""), credentials.ErrInvalidProof, "@context is selectively disclosed"},
		{"disclosed issuer", VC{}, craft(t, iss.signer, hdr, vc(map[string]any{"issuer": nil, "iss": iss.did, "_sd": issPayload["_sd"]}), []string{issD}, ""), credentials.ErrInvalidProof, "issuer is selectively disclosed"},
		{"disclosed credentialStatus", VC{}, craft(t, iss.signer, hdr, statusPayload, []string{statusD}, ""), credentials.ErrInvalidProof, "credentialStatus is selectively disclosed"},
		{"disclosed validUntil", VC{}, craft(t, iss.signer, hdr, untilPayload, []string{untilD}, ""), credentials.ErrInvalidProof, "validUntil is selectively disclosed"},
		{"disclosed exp", VC{}, craft(t, iss.signer, hdr, expPayload, []string{expD}, ""), credentials.ErrInvalidProof, "exp is selectively disclosed"},
		{"disclosed cnf", VC{}, craft(t, iss.signer, hdr, cnfPayload, []string{cnfD}, ""), credentials.ErrInvalidProof, "cnf is selectively disclosed"},
		{"disclosed credentialSchema", VC{}, craft(t, iss.signer, hdr, schemaPayload, []string{schemaD}, ""), credentials.ErrInvalidProof, "credentialSchema is selectively disclosed"},
		{"disclosed within credentialStatus", VC{}, craft(t, iss.signer, hdr, indexPayload, []string{indexD}, ""), credentials.ErrInvalidProof, "credentialStatus is selectively disclosed (disclosure of $.credentialStatus.statusListIndex)"},
		{"VP disclosed exp", VP{}, craft(t, iss.signer, vpHdr, vpExpPayload, []string{expD}, ""), credentials.ErrInvalidProof, "exp is selectively disclosed"},
		{"type withheld", VC{}, craft(t, iss.signer, hdr, typePayload, nil, ""), credentials.ErrMalformed, "type does not include VerifiableCredential"},
		{"expired", VC{}, craft(t, iss.signer, hdr, vc(map[string]any{"exp": t0.Add(-time.Hour).Unix()}), nil, ""), credentials.ErrExpired, "expired at"},
		{"iat in the future (RFC 3339)", VC{}, craft(t, iss.signer, hdr, vc(map[string]any{"iat": "2030-01-01T00:00:00Z"}), nil, ""), credentials.ErrNotYetValid, "issued in the future"},
		{"iat neither date form", VC{}, craft(t, iss.signer, hdr, vc(map[string]any{"iat": "yesterday"}), nil, ""), credentials.ErrMalformed, "neither a NumericDate nor an RFC 3339"},
		{"KB-JWT required", VC{RequireKeyBinding: true}, craft(t, iss.signer, hdr, vc(nil), nil, ""), credentials.ErrInvalidProof, "no KB-JWT"},
		{"VP credential not a data: URL", VP{}, craft(t, iss.signer, vpHdr, withCreds(map[string]any{"@context": contextV2, "type": "EnvelopedVerifiableCredential", "id": "bad-credential"}), nil, ""), credentials.ErrMalformed, `$.verifiableCredential[0]: enveloped credential id "bad-credential" is not a data: URL`},
		{"VP credential unsecured media type", VP{}, craft(t, iss.signer, vpHdr, withCreds(map[string]any{"@context": contextV2, "type": "EnvelopedVerifiableCredential", "id": "data:application/vc,{}"}), nil, ""), credentials.ErrMalformed, `media type "application/vc" is not a secured`},
		{"VP credential without proof", VP{}, craft(t, iss.signer, vpHdr, withCreds(vc(nil)), nil, ""), credentials.ErrMalformed, "is not secured"},
		{"VP without holder or iss", VP{}, craft(t, iss.signer, vpHdr, map[string]any{"@context": contextV2, "type": "VerifiablePresentation"}, nil, ""), credentials.ErrMalformed, "neither holder nor iss"},
		{"VP type withheld", VP{}, craft(t, iss.signer, vpHdr, map[string]any{"@context": contextV2, "holder": iss.did}, nil, ""), credentials.ErrMalformed, "type does not include VerifiablePresentation"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := tc.m.Verify(context.Background(), []byte(tc.token), r, credentials.VerifyOptions{Now: clock(t0)})
			if !errors.Is(err, tc.sentry) || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("got %v, want %v saying %q", err, tc.sentry, tc.want)
			}
		})
	}

	// A disclosed type is accepted, as the recommendation's own example and
	// the W3C suite's presentations have it.
	v, err := VC{}.Verify(context.Background(), []byte(craft(t, iss.signer, hdr, typePayload, []string{typeD}, "")), r, credentials.VerifyOptions{Now: clock(t0)})
	if err != nil || v.Details["disclosed"] != "$.type" {
		t.Errorf("disclosed type: %v, %v", err, v)
	}
}
