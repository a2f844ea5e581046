package sdjwt

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/diplomat-edu/diplomat/credentials"
)

// Every case is a tampered or hand-built SD-JWT that Mechanism.Verify must
// refuse with the given sentinel and a message naming the reason.
func TestVerifyRejectsBadInput(t *testing.T) {
	f := newFixture(t)
	full := f.present(t, Path{"given_name"}, Path{"birthdate"})
	jwt, rest, _ := strings.Cut(full, "~")
	parts := strings.Split(rest, "~") // [d1, d2, kb]
	d1, d2, kb := parts[0], parts[1], parts[2]
	issuedSD, _ := Parse(f.issued)

	iss := f.issuer
	holderJWK, _ := PublicJWK(f.holder.signer.Public())
	base := func(extra map[string]any) map[string]any {
		p := map[string]any{"iss": iss.did, "vct": "urn:x", "iat": t0.Unix(), "_sd_alg": "sha-256", "cnf": map[string]any{"jwk": holderJWK}}
		for k, v := range extra {
			p[k] = v
		}
		return p
	}
	hdr := jwsHeader{Typ: TypSDJWTVC, Kid: iss.kid}
	name := disclosure(t, "c2FsdHNhbHRzYWx0c2FsdA", "name", "Ana")
	elem := disclosure(t, "c2FsdHNhbHRzYWx0c2FsdA", "IT")
	forged := disclosure(t, issuedSD.Disclosures[0].Salt, issuedSD.Disclosures[0].Name, "Eve")

	kbWith := func(signer any, payload map[string]any) string {
		t.Helper()
		s, err := signCompact(f.holder.signer, jwsHeader{Typ: TypKB}, mustJSON(t, payload))
		if signer != nil {
			s, err = signCompact(ed25519Key(t), jwsHeader{Typ: TypKB}, mustJSON(t, payload))
		}
		if err != nil {
			t.Fatal(err)
		}
		return s
	}
	sdHash := digest(issuedSD.hash, jwt+"~"+d1+"~"+d2+"~")
	kbClaims := map[string]any{"nonce": "n-1", "aud": "https://verifier.example", "iat": t0.Add(time.Minute).Unix(), "sd_hash": sdHash}

	tests := []struct {
		name   string
		input  string
		opts   func(*credentials.VerifyOptions)
		m      Mechanism
		sentry error
		want   string
	}{
		{"forged disclosure (digest not in payload)", jwt + "~" + forged + "~", nil, Mechanism{}, credentials.ErrInvalidProof, "not referenced"},
		{"extra unreferenced disclosure", jwt + "~" + d1 + "~" + name + "~", nil, Mechanism{}, credentials.ErrInvalidProof, "not referenced"},
		{"repeated disclosure", jwt + "~" + d1 + "~" + d1 + "~", nil, Mechanism{}, credentials.ErrInvalidProof, "repeats disclosure 1"},
		{"KB-JWT over another sd_hash (a disclosure dropped)", jwt + "~" + d1 + "~" + kb, nil, Mechanism{}, credentials.ErrInvalidProof, "sd_hash"},
		{"KB-JWT over another sd_hash (a disclosure added)", jwt + "~" + d1 + "~" + d2 + "~" + byName(issuedSD, "address") + "~" + kb, nil, Mechanism{}, credentials.ErrInvalidProof, "sd_hash"},
		{"wrong nonce", full, func(o *credentials.VerifyOptions) { o.Challenge = "n-2" }, Mechanism{}, credentials.ErrInvalidProof, "nonce"},
		{"wrong audience", full, func(o *credentials.VerifyOptions) { o.Domain = "https://evil.example" }, Mechanism{}, credentials.ErrInvalidProof, "aud"},
		{"KB-JWT signed by a key other than cnf", jwt + "~" + d1 + "~" + d2 + "~" + kbWith(true, kbClaims), nil, Mechanism{}, credentials.ErrInvalidProof, "cnf.jwk"},
		{"KB-JWT with typ jwt", jwt + "~" + d1 + "~" + d2 + "~" + func() string {
			s, _ := signCompact(f.holder.signer, jwsHeader{Typ: "JWT"}, mustJSON(t, kbClaims))
			return s
		}(), nil, Mechanism{}, credentials.ErrInvalidProof, "typ"},
		{"KB-JWT too old", full, func(o *credentials.VerifyOptions) { o.Now = clock(t0.Add(time.Hour)) }, Mechanism{}, credentials.ErrExpired, "older than"},
		{"KB-JWT missing when a nonce is expected", jwt + "~" + d1 + "~", nil, Mechanism{}, credentials.ErrInvalidProof, "no KB-JWT"},
		{"KB-JWT missing when required", jwt + "~" + d1 + "~", func(o *credentials.VerifyOptions) { o.Challenge, o.Domain = "", "" }, Mechanism{RequireKeyBinding: true}, credentials.ErrInvalidProof, "no KB-JWT"},
		{"alg none in the issuer JWT", unsigned(t, `{"alg":"none","typ":"dc+sd-jwt"}`, base(nil), "") + "~", nil, Mechanism{}, credentials.ErrInvalidProof, "alg none"},
		{"HS256 in the issuer JWT", unsigned(t, `{"alg":"HS256","typ":"dc+sd-jwt","kid":"`+iss.kid+`"}`, base(nil), "c2ln") + "~", nil, Mechanism{}, credentials.ErrInvalidProof, "HMAC"},
		{"alg none in the KB-JWT", jwt + "~" + d1 + "~" + d2 + "~" + unsigned(t, `{"alg":"none","typ":"kb+jwt"}`, kbClaims, ""), nil, Mechanism{}, credentials.ErrInvalidProof, "alg none"},
		{"HS256 in the KB-JWT", jwt + "~" + d1 + "~" + d2 + "~" + unsigned(t, `{"alg":"HS256","typ":"kb+jwt"}`, kbClaims, "c2ln"), nil, Mechanism{}, credentials.ErrInvalidProof, "HMAC"},
		{"alg that does not match the key", unsigned(t, `{"alg":"ES384","typ":"dc+sd-jwt","kid":"`+iss.kid+`"}`, base(nil), strings.Repeat("A", 128)) + "~", nil, Mechanism{}, credentials.ErrInvalidProof, "does not match the key"},
		{"unknown crit header", unsigned(t, `{"alg":"ES256","typ":"dc+sd-jwt","crit":["x"],"x":1}`, base(nil), "AA") + "~", nil, Mechanism{}, credentials.ErrMalformed, "crit"},
		{"malformed base64 in a disclosure", jwt + "~" + "WyJ!!!" + "~", nil, Mechanism{}, credentials.ErrMalformed, "disclosure 1: not base64url"},
		{"malformed JSON in a disclosure", jwt + "~" + b64.EncodeToString([]byte(`["salt","a"`)) + "~", nil, Mechanism{}, credentials.ErrMalformed, "disclosure 1"},
		{"disclosure that is not an array", jwt + "~" + b64.EncodeToString([]byte(`{"a":1}`)) + "~", nil, Mechanism{}, credentials.ErrMalformed, "not a JSON array"},
		{"disclosure of four elements", jwt + "~" + disclosure(t, "s", "a", 1, 2) + "~", nil, Mechanism{}, credentials.ErrMalformed, "4 elements"},
		{"disclosure with a duplicate member", jwt + "~" + b64.EncodeToString([]byte(`["s","a",{"x":1,"x":2}]`)) + "~", nil, Mechanism{}, credentials.ErrMalformed, "duplicate member"},
		{"disclosure of the reserved name _sd", func() string {
			d := disclosure(t, "c2FsdA", "_sd", []string{"x"})
			return craft(t, iss.signer, hdr, base(map[string]any{"_sd": []string{DigestOf(d)}}), []string{d}, "")
		}(), nil, Mechanism{}, credentials.ErrInvalidProof, `"_sd" is reserved`},
		{"disclosure of the reserved name ...", func() string {
			d := disclosure(t, "c2FsdA", "...", "x")
			return craft(t, iss.signer, hdr, base(map[string]any{"_sd": []string{DigestOf(d)}}), []string{d}, "")
		}(), nil, Mechanism{}, credentials.ErrInvalidProof, `"..." is reserved`},
		{"digest duplicated in _sd", craft(t, iss.signer, hdr, base(map[string]any{"_sd": []string{DigestOf(name), DigestOf(name)}}), []string{name}, ""), nil, Mechanism{}, credentials.ErrInvalidProof, "more than once"},
		{"digest in two objects", craft(t, iss.signer, hdr, base(map[string]any{"_sd": []string{DigestOf(name)}, "o": map[string]any{"_sd": []string{DigestOf(name)}}}), []string{name}, ""), nil, Mechanism{}, credentials.ErrInvalidProof, "more than once"},
		{"undisclosed digest duplicated", craft(t, iss.signer, hdr, base(map[string]any{"_sd": []string{"AAAA", "AAAA"}}), nil, ""), nil, Mechanism{}, credentials.ErrInvalidProof, "more than once"},
		{"array disclosure referenced from _sd", craft(t, iss.signer, hdr, base(map[string]any{"_sd": []string{DigestOf(elem)}}), []string{elem}, ""), nil, Mechanism{}, credentials.ErrInvalidProof, "array element"},
		{"object disclosure referenced from an array", craft(t, iss.signer, hdr, base(map[string]any{"a": []any{map[string]any{"...": DigestOf(name)}}}), []string{name}, ""), nil, Mechanism{}, credentials.ErrInvalidProof, "array entry"},
		{"disclosure overwriting a plain claim", craft(t, iss.signer, hdr, base(map[string]any{"name": "Bob", "_sd": []string{DigestOf(name)}}), []string{name}, ""), nil, Mechanism{}, credentials.ErrInvalidProof, "already has"},
		{"_sd that is not an array", craft(t, iss.signer, hdr, base(map[string]any{"_sd": "x"}), nil, ""), nil, Mechanism{}, credentials.ErrMalformed, "_sd is not an array"},
		{"unsupported _sd_alg", craft(t, iss.signer, hdr, base(map[string]any{"_sd_alg": "md5"}), nil, ""), nil, Mechanism{}, credentials.ErrMalformed, "_sd_alg"},
		{"typ mismatch", craft(t, iss.signer, jwsHeader{Typ: "JWT", Kid: iss.kid}, base(nil), nil, ""), nil, Mechanism{}, credentials.ErrMalformed, "typ header"},
		{"legacy typ accepted, then no vct", craft(t, iss.signer, jwsHeader{Typ: TypSDJWTVCLegacy, Kid: iss.kid}, base(map[string]any{"vct": ""}), nil, ""), nil, Mechanism{}, credentials.ErrMalformed, "vct"},
		{"kid that does not resolve", craft(t, iss.signer, jwsHeader{Typ: TypSDJWTVC, Kid: "did:example:nobody#k"}, base(nil), nil, ""), nil, Mechanism{}, credentials.ErrUnknownKey, "did:example:nobody"},
		{"kid of another issuer", craft(t, iss.signer, hdr, base(map[string]any{"iss": "did:example:other"}), nil, ""), nil, Mechanism{}, credentials.ErrInvalidProof, "not by the issuer"},
		{"payload altered after signing", func() string {
			h, p, _ := strings.Cut(jwt, ".")
			_, sig, _ := strings.Cut(p, ".")
			return h + "." + b64.EncodeToString(mustJSON(t, base(map[string]any{"vct": "urn:y"}))) + "." + sig + "~"
		}(), nil, Mechanism{}, credentials.ErrInvalidProof, "does not verify"},
		{"expired", craft(t, iss.signer, hdr, base(map[string]any{"exp": t0.Unix()}), nil, ""), nil, Mechanism{}, credentials.ErrExpired, "exp"},
		{"not yet valid", craft(t, iss.signer, hdr, base(map[string]any{"nbf": t0.Add(time.Hour).Unix()}), nil, ""), nil, Mechanism{}, credentials.ErrNotYetValid, "nbf"},
		{"no ~ at all", jwt, nil, Mechanism{}, credentials.ErrMalformed, "no ~"},
		{"empty disclosure", jwt + "~~", nil, Mechanism{}, credentials.ErrMalformed, "empty"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			o := verifyOpts()
			if tt.opts != nil {
				tt.opts(&o)
			}
			_, err := tt.m.Verify(context.Background(), []byte(tt.input), f.r, o)
			if err == nil {
				t.Fatal("accepted")
			}
			if !errors.Is(err, tt.sentry) {
				t.Errorf("err = %v, want it to wrap %v", err, tt.sentry)
			}
			if !strings.Contains(err.Error(), tt.want) {
				t.Errorf("err = %q, want it to mention %q", err, tt.want)
			}
		})
	}
	// And the untampered presentation passes with the same options.
	if _, err := (Mechanism{}).Verify(context.Background(), []byte(full), f.r, verifyOpts()); err != nil {
		t.Fatalf("untampered presentation: %v", err)
	}
}

// A credential signed with an x5c chain verifies with the leaf key when the
// certificate names the issuer, and the chain is handed back.
func TestVerifyWithX5c(t *testing.T) {
	leaf, chain := testChain(t, "https://issuer.example.edu/")
	key := credentials.SigningKey{Signer: leaf, Chain: chain}
	out, err := Issue([]byte(`{"vct":"urn:x","iss":"https://issuer.example.edu/","a":1}`), key, IssueOptions{Now: clock(t0)})
	if err != nil {
		t.Fatal(err)
	}
	v, err := Mechanism{}.Verify(context.Background(), []byte(out), nil, credentials.VerifyOptions{Now: clock(t0)})
	if err != nil {
		t.Fatal(err)
	}
	if len(v.Chain) != 2 || !sameKey(v.Key, leaf.Public()) {
		t.Fatalf("chain %d, key %v", len(v.Chain), v.Key)
	}
	other, err := Issue([]byte(`{"vct":"urn:x","iss":"https://other.example/","a":1}`), key, IssueOptions{Now: clock(t0)})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := (Mechanism{}).Verify(context.Background(), []byte(other), nil, credentials.VerifyOptions{Now: clock(t0)}); !errors.Is(err, credentials.ErrInvalidProof) {
		t.Fatalf("iss not named by the certificate: %v", err)
	}
}

func byName(sd *SDJWT, name string) string {
	for _, d := range sd.Disclosures {
		if d.Name == name {
			return d.Encoded
		}
	}
	return ""
}

// SD-JWT VC (section 2.2.2.3) forbids iss, nbf, exp, cnf, vct,
// vct#integrity, aka_vcts and status, sub-claims included, to be disclosed
// selectively: the verifier reads them, so a holder could otherwise withhold
// an expiry or a status entry, or present another holder key. Verify refuses
// such a disclosure even though the issuer signed its digest; iat and sub
// may be disclosed.
func TestVerifyRefusesDisclosedRegisteredClaims(t *testing.T) {
	iss := newParty(t, "uni", newP256(t))
	r := resolverFor(iss)
	hdr := jwsHeader{Typ: TypSDJWTVC, Kid: iss.kid}
	holderJWK, _ := PublicJWK(ed25519Key(t).Public())
	base := func() map[string]any {
		return map[string]any{"iss": iss.did, "vct": "urn:x", "iat": t0.Unix(), "_sd_alg": "sha-256"}
	}
	// hidden returns a payload whose claim name is replaced by a digest,
	// inside the object at parent (nil for the top level), and the disclosure.
	hidden := func(parent []string, name string, value any) (map[string]any, string) {
		p := base()
		d := disclosure(t, "c2FsdHNhbHRzYWx0c2FsdA", name, value)
		obj := p
		for _, k := range parent {
			next, ok := obj[k].(map[string]any)
			if !ok {
				next = map[string]any{}
				obj[k] = next
			}
			obj = next
		}
		delete(obj, name)
		obj["_sd"] = []any{DigestOf(d)}
		return p, d
	}
	in := func(parent []string, name string, value any, siblings map[string]any) string {
		p, d := hidden(parent, name, value)
		obj := p
		for _, k := range parent {
			obj = obj[k].(map[string]any)
		}
		for k, v := range siblings {
			obj[k] = v
		}
		return craft(t, iss.signer, hdr, p, []string{d}, "")
	}
	for _, tc := range []struct {
		name, path string
		token      string
	}{
		{"exp", "$.exp", in(nil, "exp", t0.Add(time.Hour).Unix(), nil)},
		{"nbf", "$.nbf", in(nil, "nbf", t0.Unix(), nil)},
		{"cnf", "$.cnf", in(nil, "cnf", map[string]any{"jwk": holderJWK}, nil)},
		{"status", "$.status", in(nil, "status", map[string]any{"status_list": map[string]any{"idx": 7, "uri": "https://issuer.example/sl"}}, nil)},
		{"vct#integrity", "$.vct#integrity", in(nil, "vct#integrity", "sha256-AAAA", nil)},
		{"aka_vcts", "$.aka_vcts", in(nil, "aka_vcts", []any{"urn:y"}, nil)},
		{"status sub-claim", "$.status.status_list", in([]string{"status"}, "status_list", map[string]any{"idx": 7, "uri": "https://issuer.example/sl"}, nil)},
		{"cnf sub-claim", "$.cnf.kid", in([]string{"cnf"}, "kid", "holder-1", map[string]any{"jwk": holderJWK})},
		{"vct", "$.vct", in(nil, "vct", "urn:x", nil)},
		{"iss", "$.iss", in(nil, "iss", iss.did, nil)},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := Mechanism{}.Verify(context.Background(), []byte(tc.token), r, credentials.VerifyOptions{Now: clock(t0)})
			if !errors.Is(err, credentials.ErrInvalidProof) || !strings.Contains(err.Error(), "is selectively disclosed (disclosure of "+tc.path+")") {
				t.Fatalf("Verify = %v, want ErrInvalidProof saying %s is selectively disclosed", err, tc.path)
			}
		})
	}
	for _, name := range []string{"iat", "sub"} {
		t.Run(name+" may be disclosed", func(t *testing.T) {
			v, err := Mechanism{}.Verify(context.Background(), []byte(in(nil, name, t0.Unix(), nil)), r, credentials.VerifyOptions{Now: clock(t0)})
			if err != nil || v.Details["disclosed"] != "$."+name {
				t.Fatalf("Verify = %v, %v", v, err)
			}
		})
	}
}

// In the DC4EU layout the ELM's status entries are the verifier's to read:
// an issuer that made them disclosable lets the holder withhold them and
// escape revocation, so such a credential is refused.
func TestVerifyRefusesDisclosedELMCredentialStatus(t *testing.T) {
	iss := newParty(t, "uni", newP256(t))
	claims := mustJSON(t, map[string]any{"iss": iss.did, "vct": VCTDC4EUELM, "elm": map[string]any{
		"type": []any{"VerifiableCredential"}, "credentialStatus": []any{map[string]any{"type": "BitstringStatusListEntry", "statusListIndex": "7"}}}})
	for _, p := range []Path{{"elm", "credentialStatus"}, {"elm", "credentialStatus", 0}, {"elm"}} {
		tok, err := Issue(claims, iss.key(), IssueOptions{Frame: Frame{Disclosable: []Path{p}}, Now: func() time.Time { return t0 }})
		if err != nil {
			t.Fatal(err)
		}
		_, err = Mechanism{}.Verify(context.Background(), []byte(tok), resolverFor(iss), credentials.VerifyOptions{Now: func() time.Time { return t0 }})
		if !errors.Is(err, credentials.ErrInvalidProof) || !strings.Contains(err.Error(), "credentialStatus") {
			t.Errorf("disclosable %s: Verify = %v, want a refusal naming credentialStatus", p, err)
		}
	}
}
