package issuer

import (
	"crypto/ed25519"
	"crypto/rand"
	"encoding/json"
	"reflect"
	"slices"
	"testing"
	"time"

	"github.com/diplomat-edu/diplomat/credentials"
	"github.com/diplomat-edu/diplomat/credentials/sdjwt"
	"github.com/diplomat-edu/diplomat/templates"
)

// TestEUDIClaimsDecodeOnlyWhatTheFrameNeeds: eudiClaims decodes of the ELM
// only what its frame needs and writes the rest as it is; for every
// built-in template it makes the frame that decoding the whole ELM makes,
// and the SD-JWT it issues, all disclosed, holds the same claims.
func TestEUDIClaimsDecodeOnlyWhatTheFrameNeeds(t *testing.T) {
	_, priv, _ := ed25519.GenerateKey(rand.Reader)
	key := credentials.SigningKey{Signer: priv, ID: "did:example:uni#key-1"}
	now := func() time.Time { return time.Unix(1767225600, 0) }
	e := Entry{ID: "urn:uuid:0e6f4a2c-5b0e-4f1a-9c57-3f3b1a2b4c5d", StatusIndex: 42}
	const list = "https://registrar.univ-exemple.fr/status/eudi/1/token"
	processed := func(claims map[string]any, frame sdjwt.Frame) map[string]any {
		t.Helper()
		s, err := sdjwt.IssueClaims(claims, key, sdjwt.IssueOptions{Frame: frame, Now: now})
		if err != nil {
			t.Fatal(err)
		}
		parsed, err := sdjwt.Parse(s)
		if err != nil {
			t.Fatal(err)
		}
		p, err := parsed.Process()
		if err != nil {
			t.Fatal(err)
		}
		// As a verifier reads them: through JSON.
		b, _ := json.Marshal(p.Claims)
		var out map[string]any
		if err := json.Unmarshal(b, &out); err != nil {
			t.Fatal(err)
		}
		return out
	}
	for _, tm := range templates.Builtins() {
		t.Run(tm.Name(), func(t *testing.T) {
			ex, err := tm.Example()
			if err != nil {
				t.Fatal(err)
			}
			inst := templates.Institution(testConfig().Institution)
			inst.DID = "did:example:uni"
			r, err := tm.Render(ex, inst, templates.RenderOptions{ID: e.ID})
			if err != nil {
				t.Fatal(err)
			}
			if len(r.Disclosable) == 0 {
				t.Fatalf("template %s declares nothing disclosable: the test compares nothing of it", tm.Name())
			}
			claims, frame, err := eudiClaims(r.Credential, r.Disclosable, e, list)
			if err != nil {
				t.Fatal(err)
			}
			full, err := sdjwt.MapELMDC4EU(r.Credential)
			if err != nil {
				t.Fatal(err)
			}
			paths := make([][]string, len(r.Disclosable))
			for k, d := range r.Disclosable {
				paths[k] = splitPath(d)
			}
			fullClaims := eudiFrame(full, paths, e, list)
			key := func(p sdjwt.Path) string { b, _ := json.Marshal(p); return string(b) }
			got, want := make([]string, 0), make([]string, 0)
			for _, p := range frame.Disclosable {
				got = append(got, key(p))
			}
			for _, p := range full.Frame.Disclosable {
				want = append(want, key(p))
			}
			slices.Sort(got)
			slices.Sort(want)
			if !slices.Equal(got, want) {
				t.Fatalf("frame %v, want the whole ELM's %v", got, want)
			}
			if len(want) <= 2 {
				t.Fatalf("only %d disclosable paths: the template's own were not found", len(want))
			}
			if a, b := processed(claims, frame), processed(fullClaims, full.Frame); !reflect.DeepEqual(a, b) {
				ja, _ := json.Marshal(a)
				jb, _ := json.Marshal(b)
				t.Fatalf("claims differ:\n%s\nwant\n%s", ja, jb)
			}
		})
	}
}
