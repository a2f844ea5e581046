package verifier

import (
	"context"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/json"
	"encoding/pem"
	"math/big"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/diplomat-edu/diplomat/credentials"
	"github.com/diplomat-edu/diplomat/credentials/jades"
	"github.com/diplomat-edu/diplomat/credentials/jose"
	"github.com/diplomat-edu/diplomat/keys"
)

// The cases below are attacks on the trust, holder-binding and status
// decisions: each is a credential whose proof verifies, made by someone who
// should not be believed.

// selfSignedSeal is an attacker's seal: a self-signed P-256 certificate
// with the given common name and URI subject alternative names.
func selfSignedSeal(t testing.TB, cn string, uris ...string) credentials.SigningKey {
	t.Helper()
	k := p256Signer(t)
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(66), Subject: pkix.Name{CommonName: cn},
		NotBefore: testNow.AddDate(-1, 0, 0), NotAfter: testNow.AddDate(1, 0, 0),
		KeyUsage: x509.KeyUsageDigitalSignature | x509.KeyUsageContentCommitment,
	}
	for _, s := range uris {
		u, err := url.Parse(s)
		if err != nil {
			t.Fatal(err)
		}
		tmpl.URIs = append(tmpl.URIs, u)
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, k.Public(), k)
	if err != nil {
		t.Fatal(err)
	}
	c, _ := x509.ParseCertificate(der)
	return credentials.SigningKey{Signer: k, Chain: []*x509.Certificate{c}}
}

// verifyWith verifies input with the world's options, changed by edit.
func verifyWith(t *testing.T, w *world, input []byte, req Request, edit func(o *Options)) *Report {
	t.Helper()
	opts := w.options()
	if edit != nil {
		edit(&opts)
	}
	rep, err := Verify(context.Background(), input, withRequest(opts, req))
	if err != nil {
		t.Fatal(err)
	}
	return rep
}

func TestCertificateSignedCredentialIsNotTrustedByTheIssuerItNames(t *testing.T) {
	w := newWorld(t)
	evil := selfSignedSeal(t, "Evil", w.web.did)
	cases := []struct {
		name  string
		input []byte
	}{
		{"jades sealed by a self-signed certificate naming a trusted did:web", w.sign(&jades.Mechanism{}, w.elmDoc(w.web.did, false, nil), evil)},
		{"vc+jwt with an x5c self-signed certificate naming a trusted did:web", w.sign(jose.VCJWT{}, w.elmDoc(w.web.did, true, nil), evil)},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			rep := verifyWith(t, w, c.input, Request{}, nil)
			assertReport(t, rep, Untrusted, CheckTrust, ProblemUntrustedIssuer)
			if rep.Trust != nil && rep.Trust.Entity == "University of Zed" {
				t.Fatalf("trust answer names the entity of the claimed DID: %+v", rep.Trust)
			}
		})
	}
}

func TestChainPaddedWithATrustedCertificateIsNotTrusted(t *testing.T) {
	w := newWorld(t)
	evil := selfSignedSeal(t, "Evil")
	ca := w.seal.Chain[1]
	padded := credentials.SigningKey{Signer: evil.Signer, Chain: []*x509.Certificate{evil.Chain[0], ca}}
	// The attacker's certificate followed by the trusted seal and its CA.
	padded2 := credentials.SigningKey{Signer: evil.Signer, Chain: []*x509.Certificate{evil.Chain[0], w.seal.Chain[0], ca}}
	for name, key := range map[string]credentials.SigningKey{"trusted CA appended": padded, "trusted seal and CA appended": padded2} {
		t.Run(name, func(t *testing.T) {
			rep := verifyWith(t, w, w.sign(&jades.Mechanism{}, w.elmDoc("urn:epass:org:1", false, nil), key), Request{}, nil)
			assertReport(t, rep, Untrusted, CheckTrust, ProblemUntrustedIssuer)
		})
	}
	t.Run("the genuine chain is still trusted", func(t *testing.T) {
		rep := verifyWith(t, w, w.jades(), Request{}, nil)
		assertReport(t, rep, Verified, "", "")
	})
}

// vpJWTOf is a vp+jwt of holder carrying the given verifiableCredential
// entries as they are.
func (w *world) vpJWTOf(holder *party, vcs ...any) []byte {
	doc, _ := json.Marshal(map[string]any{
		"@context": []any{credentials.ContextV2}, "type": []any{"VerifiablePresentation"},
		"holder": holder.did, "verifiableCredential": vcs,
	})
	out, err := jose.VPJWT{}.Sign(context.Background(), doc, holder.key(), credentials.SignOptions{Purpose: "authentication", Challenge: "n-1", Now: func() time.Time { return testNow.Add(-time.Minute) }})
	if err != nil {
		w.t.Fatal(err)
	}
	return out
}

func TestCnfBoundCredentialNeedsTheCnfKeyToPresent(t *testing.T) {
	w := newWorld(t)
	enveloped := func() any {
		return map[string]any{"@context": []any{credentials.ContextV2}, "type": "EnvelopedVerifiableCredential", "id": "data:application/dc+sd-jwt," + w.sdJWT()}
	}
	t.Run("presented by someone else", func(t *testing.T) {
		rep := verifyWith(t, w, w.vpJWTOf(w.other, enveloped()), Request{Challenge: "n-1"}, nil)
		assertReport(t, rep, Invalid, CheckHolder, ProblemHolderMismatch)
	})
	t.Run("presented by the holder", func(t *testing.T) {
		rep := verifyWith(t, w, w.vpJWTOf(w.holder, enveloped()), Request{Challenge: "n-1"}, nil)
		assertReport(t, rep, Verified, "", "")
		if c := rep.Check(CheckHolder); c == nil || !strings.Contains(c.Message, "cnf") {
			t.Fatalf("holder check %+v, want a pass by the cnf key", c)
		}
	})
}

// addParty adds a did:key issuer to the world's registry with entry e (its
// DID filled in).
func (w *world) addParty(t *testing.T, e keys.TrustEntry) *party {
	t.Helper()
	p := newDIDKeyParty(t, ed25519Signer(t))
	e.DID = p.did
	if _, err := w.store.AddTrust(e); err != nil {
		t.Fatal(err)
	}
	return p
}

func TestExpiredTrustEntryDoesNotTrustACredentialWithoutDates(t *testing.T) {
	w := newWorld(t)
	ended := testNow.AddDate(0, -1, 0)
	p := w.addParty(t, keys.TrustEntry{Name: "Former Academy", Country: "NL", NotAfter: &ended})
	var m map[string]any
	json.Unmarshal(w.smallVC(p.did), &m)
	delete(m, "validFrom")
	doc, _ := json.Marshal(m)
	// No iat, no validFrom: nothing dates the credential.
	tok := craftJWS(t, map[string]any{"alg": "EdDSA", "typ": "vc+jwt", "kid": p.kid}, doc, p.signer)
	rep := verifyWith(t, w, tok, Request{}, nil)
	assertReport(t, rep, Untrusted, CheckTrust, "")
	if c := rep.Check(CheckTrust); !strings.Contains(c.Message, "does not apply") {
		t.Fatalf("trust message %q does not say the entry does not apply", c.Message)
	}
}

func TestScopeFieldTheCredentialLeavesOutIsOutOfScope(t *testing.T) {
	w := newWorld(t)
	law := w.addParty(t, keys.TrustEntry{Name: "Law School", Country: "PT", Scope: keys.TrustScope{ISCEDFields: []string{"0421"}}})
	cases := []struct {
		name   string
		input  []byte
		reason string
	}{
		// w.web is accredited up to EQF 6; a credential stating no level.
		{"no EQF level under a maximum", w.sign(jose.VCJWT{}, w.smallVC(w.web.did), w.web.key()), "states no EQF level"},
		{"no ISCED-F field under a field restriction", w.sign(jose.VCJWT{}, w.smallVC(law.did), law.key()), "states no ISCED-F field"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			rep := verifyWith(t, w, c.input, Request{}, nil)
			assertReport(t, rep, Untrusted, CheckTrust, ProblemOutOfScope)
			if msg := rep.Check(CheckTrust).Message; !strings.Contains(msg, c.reason) {
				t.Fatalf("trust message %q does not say %q", msg, c.reason)
			}
		})
	}
}

func TestESealTrustIsDecidedAtTheVerificationTime(t *testing.T) {
	w := newWorld(t)
	seal := w.makeSeal()
	// The CA's registry entry ended a month ago; the credential claims
	// to have been issued a year ago, and its sigT claims two months ago:
	// both are the signer's word, and no time-stamp proves either.
	ended := testNow.AddDate(0, -1, 0)
	caPEM := string(pemCert(seal.Chain[1]))
	if _, err := w.store.AddTrust(keys.TrustEntry{Certificate: caPEM, Name: "Closed Seal CA", Country: "BE", NotAfter: &ended}); err != nil {
		t.Fatal(err)
	}
	out, err := (&jades.Mechanism{}).Sign(context.Background(), w.elmDoc("urn:epass:org:1", false, nil), seal,
		credentials.SignOptions{Now: func() time.Time { return testNow.AddDate(0, -2, 0) }})
	if err != nil {
		t.Fatal(err)
	}
	rep := verifyWith(t, w, out, Request{}, nil)
	assertReport(t, rep, Untrusted, CheckTrust, "")
	if msg := rep.Check(CheckTrust).Message; !strings.Contains(msg, testNow.Format("2006-01-02")) {
		t.Fatalf("trust message %q is not about the verification date", msg)
	}
}

func TestStatusEntryMustMatchItsListCredential(t *testing.T) {
	w := newWorld(t)
	// A revocation list whose credential says it lives elsewhere.
	w.serve("/status/moved", w.statusList(w.web, "/status/revocation", "revocation", "BitstringStatusList"))
	cases := []struct {
		name  string
		entry func() map[string]any
	}{
		{"StatusList2021Entry pointing at a BitstringStatusList", func() map[string]any {
			e := w.statusEntry("/status/revocation", "revocation", 1)
			e["type"] = "StatusList2021Entry"
			return e
		}},
		{"list credential id is not statusListCredential", func() map[string]any {
			return w.statusEntry("/status/moved", "revocation", 1)
		}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			input := w.vcJWT(func(m map[string]any) { m["credentialStatus"] = c.entry() })
			rep := verifyWith(t, w, input, Request{}, nil)
			assertReport(t, rep, Invalid, CheckStatus, ProblemStatusListInvalid)
		})
	}
}

func pemCert(c *x509.Certificate) []byte {
	return pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: c.Raw})
}
