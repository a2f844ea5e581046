package issuer

import (
	"context"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/diplomat-edu/diplomat/keys"
	"github.com/diplomat-edu/diplomat/verifier"
)

// TestOneInstitutionIdentityAcrossProfiles: with a did:web, every profile's
// credential names the institution's DID, and a verifier who trusts that
// DID (one registry entry) trusts them all, the edc seal included, because
// the DID document lists the seal's key. Without that listing the seal is
// trusted by its certificate only, whatever DID it names.
func TestOneInstitutionIdentityAcrossProfiles(t *testing.T) {
	const web = "did:web:registrar.univ-exemple.fr"
	s := newTestStore(t, t.TempDir())
	if err := s.SetWebDID(web); err != nil {
		t.Fatal(err)
	}
	iss := newTestIssuer(t, s)
	tm := builtin(t, "diploma")
	ex, _ := tm.Example()
	ctx := context.Background()
	issued := map[string][]byte{}
	for k, p := range []Profile{{Name: EDC}, {Name: EBSI}, {Name: W3C}, {Name: EUDI}} {
		out, err := iss.Issue(ctx, tm, otherRow(ex, k), p)
		if err != nil {
			t.Fatal(err)
		}
		if out.Entry.Issuer != web {
			t.Errorf("%s: the credential names %q, want the institution's %s", p.Name, out.Entry.Issuer, web)
		}
		issued[p.Name] = out.Credential
	}
	pubs, err := iss.PublishStatus(ctx, 48*time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	fetch := mapFetcher{}
	for _, pub := range pubs {
		fetch[pub.List.URL] = pub.Credential
	}
	doc, err := s.WebDocument("")
	if err != nil {
		t.Fatal(err)
	}
	fetch["https://registrar.univ-exemple.fr/.well-known/did.json"], _ = json.Marshal(doc)

	// The recognition officer's registry: the institution's DID only.
	officer, err := keys.Open(t.TempDir()+"/officer.db", &keys.Options{KDF: cheapKDF})
	if err != nil {
		t.Fatal(err)
	}
	defer officer.Close()
	if _, err := officer.AddTrust(keys.TrustEntry{DID: web, Name: "Université Exemple", Country: "FR"}); err != nil {
		t.Fatal(err)
	}
	v, err := verifier.New(verifier.Options{Fetcher: fetch, Trust: []verifier.TrustSource{verifier.RegistrySource{Registry: officer}}})
	if err != nil {
		t.Fatal(err)
	}
	for prof, cred := range issued {
		rep, err := v.Verify(ctx, cred, verifier.Request{})
		if err != nil {
			t.Fatal(err)
		}
		if rep.Verdict != verifier.Verified || rep.Issuer != web || !rep.IssuerVerified {
			t.Errorf("%s: %s, issuer %q (verified %v); checks %+v", prof, rep.Verdict, rep.Issuer, rep.IssuerVerified, rep.Checks)
		}
		if prof == EDC {
			if c := rep.Check(verifier.CheckTrust); c == nil || !strings.Contains(c.Message, "DID "+web) {
				t.Errorf("edc: trusted by %+v, want by the DID", c)
			}
			if !strings.Contains(rep.SealedBy, "Université Exemple (FR, VATFR-12345678901)") {
				t.Errorf("edc: sealed by %q", rep.SealedBy)
			}
		}
	}

	// A DID document that does not list the seal: the seal names the DID,
	// but the DID does not vouch for it, and the registry entry for the
	// DID does not cover it.
	var bare map[string]any
	json.Unmarshal(fetch["https://registrar.univ-exemple.fr/.well-known/did.json"], &bare)
	seal, _ := s.Key("seal")
	var methods []any
	for _, m := range bare["verificationMethod"].([]any) {
		if !strings.HasSuffix(m.(map[string]any)["id"].(string), "#"+seal.ID) {
			methods = append(methods, m)
		}
	}
	bare["verificationMethod"] = methods
	fetch["https://registrar.univ-exemple.fr/.well-known/did.json"], _ = json.Marshal(bare)
	v, _ = verifier.New(verifier.Options{Fetcher: fetch, Trust: []verifier.TrustSource{verifier.RegistrySource{Registry: officer}}})
	rep, err := v.Verify(ctx, issued[EDC], verifier.Request{})
	if err != nil {
		t.Fatal(err)
	}
	if rep.Verdict != verifier.Untrusted || rep.IssuerVerified || rep.Issuer != web || rep.SealedBy == "" {
		t.Errorf("edc with the seal unlisted: %s, issuer %q verified %v, sealed by %q", rep.Verdict, rep.Issuer, rep.IssuerVerified, rep.SealedBy)
	}
}
