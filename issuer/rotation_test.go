package issuer

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/diplomat-edu/diplomat/templates"
	"github.com/diplomat-edu/diplomat/verifier"
)

// mapFetcher serves published documents by URL, as a web server would.
type mapFetcher map[string][]byte

func (m mapFetcher) Fetch(_ context.Context, url string) ([]byte, error) {
	if b, ok := m[url]; ok {
		return b, nil
	}
	return nil, fmt.Errorf("%w: %s: 404", verifier.ErrFetch, url)
}

// otherRow returns ex with another subject, so that it is a new credential.
func otherRow(ex templates.Record, n int) templates.Record {
	r := templates.Record{}
	for k, v := range ex {
		r[k] = v
	}
	r["id"] = fmt.Sprintf("urn:schac:personalUniqueCode:int:esi:fr:%d", 900000+n)
	return r
}

// statusCheck returns the result and message of the verifier's status check.
func statusCheck(t *testing.T, v *verifier.Verifier, cred []byte) (verifier.Result, string) {
	t.Helper()
	rep, err := v.Verify(context.Background(), cred, verifier.Request{})
	if err != nil {
		t.Fatal(err)
	}
	c := rep.Check(verifier.CheckStatus)
	if c == nil {
		t.Fatalf("no status check in the report: %+v", rep.Checks)
	}
	return c.Result, c.Message
}

// TestIssuerSignsWithTheNewKeyAfterRotation: an Issuer that lives across a
// keys rotate (a server) signs the next credential with the new key, not
// with the retired one it used before.
func TestIssuerSignsWithTheNewKeyAfterRotation(t *testing.T) {
	s := newTestStore(t, t.TempDir())
	iss := newTestIssuer(t, s)
	tm := builtin(t, "diploma")
	ex, _ := tm.Example()
	p := Profile{Name: W3C, Key: "registrar"}
	first, err := iss.Issue(context.Background(), tm, ex, p)
	if err != nil {
		t.Fatal(err)
	}
	nk, err := s.Rotate("registrar")
	if err != nil {
		t.Fatal(err)
	}
	second, err := iss.Issue(context.Background(), tm, otherRow(ex, 1), p)
	if err != nil {
		t.Fatal(err)
	}
	if second.Entry.KeyID != nk.ID || second.Entry.KeyID == first.Entry.KeyID {
		t.Errorf("after rotation signed with key %s, want the new key %s (the old was %s)", second.Entry.KeyID, nk.ID, first.Entry.KeyID)
	}
	if v := verify(t, s, p, second.Credential); !strings.HasPrefix(second.Entry.VerificationMethod, v.Issuer+"#") {
		t.Errorf("issuer %s does not match the verification method %s", v.Issuer, second.Entry.VerificationMethod)
	}
	res, err := iss.Batch(context.Background(), tm, []templates.Record{otherRow(ex, 2)}, p, BatchOptions{Output: &Memory{}})
	if err != nil {
		t.Fatal(err)
	}
	if res.Manifest.Key != "registrar" {
		t.Fatalf("batch key %q", res.Manifest.Key)
	}
	e, err := Lookup(s, res.Manifest.Credentials[0].ID)
	if err != nil || e.KeyID != nk.ID {
		t.Errorf("batch after rotation: key %v, %v; want %s", e, err, nk.ID)
	}
}

// TestStatusStaysVerifiableAfterRotation issues, rotates the key, issues
// again, revokes the first credential and publishes: the verifier must find
// the first revoked and the second valid, for a did:key issuer (whose issuer
// is the key itself) and for a did:web issuer (whose DID outlives the key).
func TestStatusStaysVerifiableAfterRotation(t *testing.T) {
	for _, web := range []bool{false, true} {
		name := "did:key"
		if web {
			name = "did:web"
		}
		t.Run(name, func(t *testing.T) {
			s := newTestStore(t, t.TempDir())
			fetch := mapFetcher{}
			if web {
				if err := s.SetWebDID("did:web:registrar.univ-exemple.fr"); err != nil {
					t.Fatal(err)
				}
			}
			iss := newTestIssuer(t, s)
			tm := builtin(t, "diploma")
			ex, _ := tm.Example()
			p := Profile{Name: W3C, Key: "registrar"}
			first, err := iss.Issue(context.Background(), tm, ex, p)
			if err != nil {
				t.Fatal(err)
			}
			if _, err := s.Rotate("registrar"); err != nil {
				t.Fatal(err)
			}
			// A new process after the rotation: nothing cached.
			iss = newTestIssuer(t, s)
			second, err := iss.Issue(context.Background(), tm, otherRow(ex, 1), p)
			if err != nil {
				t.Fatal(err)
			}
			if _, err := iss.Revoke(first.Entry.ID, "awarded by mistake"); err != nil {
				t.Fatal(err)
			}
			pubs, err := newTestIssuer(t, s).PublishStatus(context.Background(), 48*time.Hour)
			if err != nil {
				t.Fatal(err)
			}
			for _, pub := range pubs {
				fetch[pub.List.URL] = pub.Credential
			}
			if web {
				doc, err := s.WebDocument("did:web:registrar.univ-exemple.fr")
				if err != nil {
					t.Fatal(err)
				}
				data, err := json.Marshal(doc)
				if err != nil {
					t.Fatal(err)
				}
				fetch["https://registrar.univ-exemple.fr/.well-known/did.json"] = data
			}
			v, err := verifier.New(verifier.Options{Fetcher: fetch})
			if err != nil {
				t.Fatal(err)
			}
			if res, msg := statusCheck(t, v, first.Credential); res != verifier.Failed || !strings.Contains(msg, "revoked") {
				t.Errorf("first credential (old key, revoked): status %s: %s", res, msg)
			}
			if res, msg := statusCheck(t, v, second.Credential); res != verifier.Passed {
				t.Errorf("second credential (new key): status %s: %s", res, msg)
			}
		})
	}
}
