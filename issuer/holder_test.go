package issuer

import (
	"context"
	"crypto"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rand"
	"encoding/json"
	"strings"
	"testing"

	"github.com/diplomat-edu/diplomat/credentials/did"
	"github.com/diplomat-edu/diplomat/credentials/sdjwt"
)

func TestIssueToBindsEachCopyToItsHolder(t *testing.T) {
	s := newTestStore(t, t.TempDir())
	i := newTestIssuer(t, s)
	tm := builtin(t, "diploma")
	rec, _ := tm.Example()
	p256, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	edPub, _, _ := ed25519.GenerateKey(rand.Reader)
	edDID, _ := did.KeyDID(edPub)
	holders := []Holder{{Key: &p256.PublicKey}, {Key: edPub, DID: edDID}}
	ctx := context.Background()

	t.Run("eudi: cnf.jwk", func(t *testing.T) {
		out, err := i.IssueTo(ctx, tm, rec, Profile{Name: EUDI}, holders)
		if err != nil || len(out) != 2 {
			t.Fatalf("%d copies, %v", len(out), err)
		}
		for k, o := range out {
			sd, err := sdjwt.Parse(string(o.Credential))
			if err != nil {
				t.Fatal(err)
			}
			hk, err := sd.HolderKey()
			if err != nil || hk == nil || !hk.(interface{ Equal(crypto.PublicKey) bool }).Equal(holders[k].Key) {
				t.Fatalf("copy %d: cnf key %v, %v", k, hk, err)
			}
			verify(t, s, Profile{Name: EUDI}, o.Credential)
		}
		if out[0].Entry.ID != out[1].Entry.ID {
			t.Fatal("the copies have different register entries")
		}
		// The copies are signed from one shaped credential but share no
		// disclosure (each has its own salts): a verifier cannot link them.
		seen := map[string]int{}
		for k, o := range out {
			parts := strings.Split(string(o.Credential), "~")
			for _, d := range parts[1 : len(parts)-1] {
				if prev, ok := seen[d]; ok && prev != k {
					t.Fatalf("copies %d and %d share a disclosure", prev, k)
				}
				seen[d] = k
			}
		}
		// Issued again: the registered credential, three copies, each
		// verified and bound to its holder.
		more := append(holders, Holder{Key: &p256.PublicKey})
		again, err := i.IssueTo(ctx, tm, rec, Profile{Name: EUDI}, more)
		if err != nil || len(again) != 3 {
			t.Fatalf("%d copies, %v", len(again), err)
		}
		for k, o := range again {
			if !o.Existing || o.Entry.ID != out[0].Entry.ID {
				t.Fatalf("copy %d issued again: existing %v, id %s", k, o.Existing, o.Entry.ID)
			}
			sd, err := sdjwt.Parse(string(o.Credential))
			if err != nil {
				t.Fatal(err)
			}
			if hk, err := sd.HolderKey(); err != nil || !hk.(interface{ Equal(crypto.PublicKey) bool }).Equal(more[k].Key) {
				t.Fatalf("copy %d issued again: cnf key %v, %v", k, hk, err)
			}
			verify(t, s, Profile{Name: EUDI}, o.Credential)
		}
	})
	for _, p := range []Profile{{Name: EBSI}, {Name: W3C}} {
		t.Run(p.String()+": credentialSubject.id", func(t *testing.T) {
			out, err := i.IssueTo(ctx, tm, rec, p, holders)
			if err != nil {
				t.Fatal(err)
			}
			jwkDID, _ := did.JWKDID(&p256.PublicKey)
			for k, want := range []string{jwkDID, edDID} {
				v := verify(t, s, p, out[k].Credential)
				var doc struct {
					CredentialSubject struct {
						ID         string          `json:"id"`
						Identifier json.RawMessage `json:"identifier"`
					} `json:"credentialSubject"`
				}
				if err := json.Unmarshal(v.Document, &doc); err != nil {
					t.Fatal(err)
				}
				if doc.CredentialSubject.ID != want {
					t.Fatalf("copy %d: subject %s, want %s", k, doc.CredentialSubject.ID, want)
				}
				if !strings.Contains(string(doc.CredentialSubject.Identifier), rec["id"].(string)) {
					t.Fatalf("the ESI was lost: identifier %s", doc.CredentialSubject.Identifier)
				}
			}
		})
	}
	t.Run("a DID that names another key is refused", func(t *testing.T) {
		if _, err := i.IssueTo(ctx, tm, rec, Profile{Name: W3C}, []Holder{{Key: &p256.PublicKey, DID: edDID}}); err == nil {
			t.Fatal("accepted")
		}
	})
}
