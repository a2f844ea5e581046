package issuer

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"go.etcd.io/bbolt"

	"github.com/diplomat-edu/diplomat/credentials"
	"github.com/diplomat-edu/diplomat/credentials/did"
	"github.com/diplomat-edu/diplomat/credentials/elm"
	"github.com/diplomat-edu/diplomat/credentials/jose"
	"github.com/diplomat-edu/diplomat/credentials/jsonld"
	"github.com/diplomat-edu/diplomat/credentials/sdjwt"
	"github.com/diplomat-edu/diplomat/credentials/status"
	"github.com/diplomat-edu/diplomat/keys"
	"github.com/diplomat-edu/diplomat/templates"
)

// TestCSVToVerifiedCredentialForEveryTemplateAndProfile writes each
// template's example record as a CSV row, reads it back as the CLI does,
// issues it in every profile and verifies the result with the profile's
// securing mechanism: signature, issuer, and the status entry pointing at the
// index the register holds.
func TestCSVToVerifiedCredentialForEveryTemplateAndProfile(t *testing.T) {
	s := newTestStore(t, t.TempDir())
	importContexts(t, s)
	iss := newTestIssuer(t, s)
	for _, tm := range templates.Builtins() {
		ex, err := tm.Example()
		if err != nil {
			t.Fatal(err)
		}
		recs, err := templates.ReadCSV(toCSV(ex), tm.Name()+".csv")
		if err != nil {
			t.Fatalf("%s: %v", tm.Name(), err)
		}
		for _, p := range testProfiles {
			t.Run(tm.Name()+"/"+p.String(), func(t *testing.T) {
				out, err := iss.Issue(context.Background(), tm, recs[0], p)
				if err != nil {
					t.Fatal(err)
				}
				v := verify(t, s, p, out.Credential)
				wantIssuer := out.Entry.VerificationMethod
				if i := strings.IndexByte(wantIssuer, '#'); i > 0 {
					wantIssuer = wantIssuer[:i]
				}
				if p.Name != EDC && v.Issuer != wantIssuer {
					t.Errorf("issuer %q, want %q", v.Issuer, wantIssuer)
				}
				if p.Name == EDC && (len(v.Chain) == 0 || v.Chain[0].Subject.Organization[0] != "Université Exemple") {
					t.Errorf("JAdES chain does not carry the seal: %v", v.Chain)
				}
				st := statusOf(t, p, v.Document)
				if len(st) != 2 {
					t.Fatalf("credentialStatus has %d entries, want 2 (revocation, suspension)", len(st))
				}
				for k, purpose := range []string{PurposeRevocation, PurposeSuspension} {
					if st[k]["statusPurpose"] != purpose || st[k]["statusListIndex"] != strconv.Itoa(out.Entry.StatusIndex) ||
						st[k]["statusListCredential"] != ListURL(testConfig().StatusBaseURL, out.Entry.StatusList, purpose) {
						t.Errorf("status entry %d = %v, want %s index %d of %s", k, st[k], purpose, out.Entry.StatusIndex, out.Entry.StatusList)
					}
				}
				if p.Name == EDC || p.Name == EUDI {
					checkELM(t, p, v.Document)
				}
				if !strings.HasPrefix(out.Entry.StatusList, p.Name+"/") {
					t.Errorf("status list %q is not one of profile %s", out.Entry.StatusList, p.Name)
				}
			})
		}
	}
}

// checkELM runs the EDC profile checker on the ELM credential a profile
// carries: it must still conform after the profile's changes.
func checkELM(t *testing.T, p Profile, doc []byte) {
	t.Helper()
	if p.Name == EUDI {
		var err error
		if doc, err = sdjwt.ELMFromDC4EU(doc); err != nil {
			t.Fatal(err)
		}
	}
	c, err := elm.Parse(doc)
	if err != nil {
		t.Fatal(err)
	}
	vs, err := elm.CheckDeclared(c, nil)
	if err != nil {
		t.Fatal(err)
	}
	for _, v := range vs {
		t.Errorf("ELM conformance: %s", v)
	}
}

func TestW3CVCJWTIsVC2AndDataIntegrityIsVC11(t *testing.T) {
	s := newTestStore(t, t.TempDir())
	importContexts(t, s)
	iss := newTestIssuer(t, s)
	tm := builtin(t, "diploma")
	ex, _ := tm.Example()
	for _, c := range []struct {
		p       Profile
		context string
		date    string
	}{
		{Profile{Name: W3C}, contextVC2, "validFrom"},
		{Profile{Name: W3C, Proof: ProofEdDSA}, contextVC1, "issuanceDate"},
	} {
		out, err := iss.Issue(context.Background(), tm, ex, c.p)
		if err != nil {
			t.Fatal(err)
		}
		var doc map[string]any
		if err := json.Unmarshal(verify(t, s, c.p, out.Credential).Document, &doc); err != nil {
			t.Fatal(err)
		}
		if ctx := doc["@context"].([]any); ctx[0] != c.context {
			t.Errorf("%s: @context[0] = %v, want %s", c.p, ctx[0], c.context)
		}
		if _, ok := doc[c.date]; !ok {
			t.Errorf("%s: no %s", c.p, c.date)
		}
		if c.p.Proof == ProofVCJWT {
			if _, ok := doc["issuanceDate"]; ok {
				t.Errorf("%s: VC 2.0 credential still has issuanceDate", c.p)
			}
		}
	}
}

func TestIssueTwiceGivesTheSameCredential(t *testing.T) {
	s := newTestStore(t, t.TempDir())
	iss := newTestIssuer(t, s)
	tm := builtin(t, "diploma")
	ex, _ := tm.Example()
	a, err := iss.Issue(context.Background(), tm, ex, Profile{Name: W3C})
	if err != nil {
		t.Fatal(err)
	}
	b, err := iss.Issue(context.Background(), tm, ex, Profile{Name: W3C})
	if err != nil {
		t.Fatal(err)
	}
	if a.Existing || !b.Existing {
		t.Errorf("Existing = %v, %v; want false, true", a.Existing, b.Existing)
	}
	if a.Entry.ID != b.Entry.ID || a.Entry.StatusIndex != b.Entry.StatusIndex || !a.Entry.Issued.Equal(b.Entry.Issued) {
		t.Errorf("second issuance %+v differs from the first %+v", b.Entry, a.Entry)
	}
	c, err := iss.Issue(context.Background(), tm, ex, Profile{Name: EUDI})
	if err != nil {
		t.Fatal(err)
	}
	if c.Entry.ID == a.Entry.ID {
		t.Error("another profile reused the credential id")
	}
	es, err := List(s, Filter{})
	if err != nil {
		t.Fatal(err)
	}
	if len(es) != 2 {
		t.Errorf("register holds %d entries, want 2", len(es))
	}
}

func TestRegisterHoldsNoPersonalData(t *testing.T) {
	s := newTestStore(t, t.TempDir())
	iss := newTestIssuer(t, s)
	tm := builtin(t, "diploma")
	ex, _ := tm.Example()
	out, err := iss.Issue(context.Background(), tm, ex, Profile{Name: W3C})
	if err != nil {
		t.Fatal(err)
	}
	raw, _ := json.Marshal(out.Entry)
	inst := templates.Institution(testConfig().Institution)
	inst.DID = "did:web:univ-exemple.fr"
	r, err := tm.Render(ex, inst, templates.RenderOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if r.SubjectID == "" {
		t.Fatal("example has no subject id")
	}
	for _, v := range ex {
		if s, ok := v.(string); ok && len(s) > 3 && strings.Contains(string(raw), s) {
			t.Errorf("register entry contains the record value %q: %s", s, raw)
		}
	}
	if strings.Contains(string(raw), r.SubjectID) {
		t.Errorf("register entry contains the subject id")
	}
	got, err := List(s, Filter{Subject: r.SubjectID})
	if err != nil || len(got) != 1 || got[0].ID != out.Entry.ID {
		t.Errorf("List by subject = %v, %v; want the one credential", got, err)
	}
	if _, err := Credential(s, out.Entry.ID); !errors.Is(err, ErrNotFound) {
		t.Errorf("credential kept by default: err = %v", err)
	}
}

func TestKeepCredentialsStoresThem(t *testing.T) {
	s := newTestStore(t, t.TempDir())
	cfg := testConfig()
	cfg.KeepCredentials = true
	if err := SaveConfig(s, cfg); err != nil {
		t.Fatal(err)
	}
	iss := newTestIssuer(t, s)
	tm := builtin(t, "diploma")
	ex, _ := tm.Example()
	out, err := iss.Issue(context.Background(), tm, ex, Profile{Name: W3C})
	if err != nil {
		t.Fatal(err)
	}
	got, err := Credential(s, out.Entry.ID)
	if err != nil || string(got) != string(out.Credential) {
		t.Errorf("kept credential = %q, %v", got, err)
	}
}

func TestEDCRefusesASealOfAnotherInstitution(t *testing.T) {
	s := newTestStore(t, t.TempDir())
	tm := builtin(t, "diploma")
	ex, _ := tm.Example()
	for _, c := range []struct {
		change func(*Config)
		want   string
	}{
		{func(c *Config) { c.Institution.LegalName = map[string]string{"en": "Other University"} }, `organisation "Université Exemple"`},
		{func(c *Config) { c.Institution.Country = "BE" }, `country "FR"`},
		{func(c *Config) { c.Institution.LegalIdentifier = "VATFR-99999999999" }, `organizationIdentifier "VATFR-12345678901"`},
	} {
		cfg := testConfig()
		c.change(cfg)
		if err := SaveConfig(s, cfg); err != nil {
			t.Fatal(err)
		}
		_, err := newTestIssuer(t, s).Issue(context.Background(), tm, ex, Profile{Name: EDC})
		if !errors.Is(err, ErrSealMismatch) || !strings.Contains(err.Error(), c.want) {
			t.Errorf("err = %v, want ErrSealMismatch naming %s", err, c.want)
		}
	}
	// A bare legal identifier matches the EN 319 412-1 form.
	cfg := testConfig()
	cfg.Institution.LegalIdentifier = "12345678901"
	if err := SaveConfig(s, cfg); err != nil {
		t.Fatal(err)
	}
	if _, err := newTestIssuer(t, s).Issue(context.Background(), tm, ex, Profile{Name: EDC}); err != nil {
		t.Errorf("bare legal identifier refused: %v", err)
	}
}

func TestProfileKeyRules(t *testing.T) {
	s := newTestStore(t, t.TempDir())
	iss := newTestIssuer(t, s)
	tm := builtin(t, "diploma")
	ex, _ := tm.Example()
	for _, c := range []struct {
		p    Profile
		want error
		msg  string
	}{
		{Profile{Name: "pdf"}, ErrUnknownProfile, `unknown profile "pdf"`},
		{Profile{Name: EBSI, Proof: ProofVCJWT}, ErrUnknownProfile, "profile ebsi has no proof"},
		{Profile{Name: EBSI, Key: "registrar"}, ErrNoKey, "needs a p256 key"},
		{Profile{Name: EDC, Key: "registrar"}, ErrNoKey, "no X.509 certificate"},
		{Profile{Name: W3C, Key: "seal"}, ErrNoKey, "eSeal"},
		{Profile{Name: W3C, Key: "nope"}, ErrNoKey, `key "nope"`},
	} {
		_, err := iss.Issue(context.Background(), tm, ex, c.p)
		if !errors.Is(err, c.want) || !strings.Contains(err.Error(), c.msg) {
			t.Errorf("%+v: err = %v, want %v with %q", c.p, err, c.want, c.msg)
		}
	}
}

// publishedBit signs the status lists, verifies the one at id/purpose with
// vc+jwt, decodes it and returns bit index.
func publishedBit(t *testing.T, s *keys.Store, iss *Issuer, list, purpose string, index int) bool {
	t.Helper()
	pubs, err := iss.PublishStatus(context.Background(), 0)
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range pubs {
		if p.List.ID != list || p.List.Purpose != purpose {
			continue
		}
		v := verify(t, s, Profile{Name: W3C}, p.Credential)
		var doc struct {
			Type    []string `json:"type"`
			Subject struct {
				Purpose string `json:"statusPurpose"`
				List    string `json:"encodedList"`
			} `json:"credentialSubject"`
		}
		if err := json.Unmarshal(v.Document, &doc); err != nil {
			t.Fatal(err)
		}
		if doc.Subject.Purpose != purpose || doc.Type[1] != "BitstringStatusListCredential" {
			t.Fatalf("status list credential %s: %+v", p.File, doc)
		}
		bits, err := status.Decode(doc.Subject.List)
		if err != nil {
			t.Fatal(err)
		}
		if bits.Len() < ListSize {
			t.Errorf("list of %d entries, want at least %d", bits.Len(), ListSize)
		}
		b, err := bits.Get(index)
		if err != nil {
			t.Fatal(err)
		}
		return b
	}
	t.Fatalf("no published list %s %s", list, purpose)
	return false
}

func TestRevokeFlipsThePublishedBit(t *testing.T) {
	s := newTestStore(t, t.TempDir())
	iss := newTestIssuer(t, s)
	tm := builtin(t, "diploma")
	ex, _ := tm.Example()
	out, err := iss.Issue(context.Background(), tm, ex, Profile{Name: W3C})
	if err != nil {
		t.Fatal(err)
	}
	e := out.Entry
	if publishedBit(t, s, iss, e.StatusList, PurposeRevocation, e.StatusIndex) {
		t.Fatal("revocation bit set before revoking")
	}
	got, err := iss.Revoke(e.ID, "awarded by mistake")
	if err != nil {
		t.Fatal(err)
	}
	if got.State != StateRevoked || got.Reason != "awarded by mistake" {
		t.Errorf("entry after revoke: %+v", got)
	}
	if !publishedBit(t, s, iss, e.StatusList, PurposeRevocation, e.StatusIndex) {
		t.Error("revocation bit not set after revoking")
	}
	if publishedBit(t, s, iss, e.StatusList, PurposeSuspension, e.StatusIndex) {
		t.Error("revoking set the suspension bit")
	}
	if _, err := iss.Revoke(e.ID, "again"); !errors.Is(err, ErrState) {
		t.Errorf("revoking twice: %v, want ErrState", err)
	}
	if _, err := iss.Revoke("urn:uuid:00000000-0000-4000-8000-000000000000", "x"); !errors.Is(err, ErrNotFound) {
		t.Errorf("revoking an unknown id: %v, want ErrNotFound", err)
	}
}

func TestSuspendThenReinstate(t *testing.T) {
	s := newTestStore(t, t.TempDir())
	iss := newTestIssuer(t, s)
	tm := builtin(t, "diploma")
	ex, _ := tm.Example()
	out, err := iss.Issue(context.Background(), tm, ex, Profile{Name: EUDI})
	if err != nil {
		t.Fatal(err)
	}
	e := out.Entry
	if _, err := iss.Reinstate(e.ID, ""); !errors.Is(err, ErrState) {
		t.Errorf("reinstating a valid credential: %v, want ErrState", err)
	}
	if _, err := iss.Suspend(e.ID, "disciplinary inquiry"); err != nil {
		t.Fatal(err)
	}
	if !publishedBit(t, s, iss, e.StatusList, PurposeSuspension, e.StatusIndex) {
		t.Error("suspension bit not set")
	}
	if es, _ := List(s, Filter{State: StateSuspended}); len(es) != 1 || es[0].ID != e.ID {
		t.Errorf("suspended entries: %v", es)
	}
	got, err := iss.Reinstate(e.ID, "inquiry closed")
	if err != nil {
		t.Fatal(err)
	}
	if got.State != StateValid {
		t.Errorf("state after reinstate: %s", got.State)
	}
	if publishedBit(t, s, iss, e.StatusList, PurposeSuspension, e.StatusIndex) {
		t.Error("suspension bit still set after reinstating")
	}
}

func TestReinstatingARevokedCredentialIsRefused(t *testing.T) {
	s := newTestStore(t, t.TempDir())
	iss := newTestIssuer(t, s)
	tm := builtin(t, "diploma")
	ex, _ := tm.Example()
	out, err := iss.Issue(context.Background(), tm, ex, Profile{Name: W3C})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := iss.Suspend(out.Entry.ID, "inquiry"); err != nil {
		t.Fatal(err)
	}
	if _, err := iss.Revoke(out.Entry.ID, "fraud"); err != nil {
		t.Fatal(err)
	}
	_, err = iss.Reinstate(out.Entry.ID, "oops")
	if !errors.Is(err, ErrState) || !strings.Contains(err.Error(), "revoked") {
		t.Errorf("reinstating a revoked credential: %v, want ErrState", err)
	}
	if _, err := iss.Suspend(out.Entry.ID, "x"); !errors.Is(err, ErrState) {
		t.Errorf("suspending a revoked credential: %v, want ErrState", err)
	}
	if !publishedBit(t, s, iss, out.Entry.StatusList, PurposeRevocation, out.Entry.StatusIndex) {
		t.Error("revocation bit cleared")
	}
}

func TestEBSIStatusListIsStatusList2021(t *testing.T) {
	s := newTestStore(t, t.TempDir())
	iss := newTestIssuer(t, s)
	tm := builtin(t, "diploma")
	ex, _ := tm.Example()
	out, err := iss.Issue(context.Background(), tm, ex, Profile{Name: EBSI})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := iss.Revoke(out.Entry.ID, "mistake"); err != nil {
		t.Fatal(err)
	}
	pubs, err := iss.PublishStatus(context.Background(), 48*time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	var found bool
	for _, p := range pubs {
		if p.List.ID != out.Entry.StatusList || p.List.Purpose != PurposeRevocation {
			continue
		}
		found = true
		v, err := jose.JWTVCJSON{}.Verify(context.Background(), p.Credential, did.Resolver{}, credentials.VerifyOptions{Skew: time.Minute})
		if err != nil {
			t.Fatal(err)
		}
		var doc struct {
			Type    []string `json:"type"`
			Subject struct {
				Type string `json:"type"`
				List string `json:"encodedList"`
			} `json:"credentialSubject"`
		}
		if err := json.Unmarshal(v.Document, &doc); err != nil {
			t.Fatal(err)
		}
		if doc.Subject.Type != "StatusList2021" || strings.HasPrefix(doc.Subject.List, "u") {
			t.Errorf("EBSI list: %+v", doc)
		}
		bits, err := status.DecodeStatusList2021(doc.Subject.List)
		if err != nil {
			t.Fatal(err)
		}
		if b, _ := bits.Get(out.Entry.StatusIndex); !b {
			t.Error("revocation bit not set in the StatusList2021")
		}
	}
	if !found {
		t.Fatal("no EBSI revocation list published")
	}
}

// TestConcurrentBatchesNeverShareAnIndex runs two batches at once on one
// store (one process, as bbolt allows), each with its own Issuer as two
// servers on one store would, and checks every status index and id is handed
// out once.
func TestConcurrentBatchesNeverShareAnIndex(t *testing.T) {
	s := newTestStore(t, t.TempDir())
	issuers := []*Issuer{newTestIssuer(t, s), newTestIssuer(t, s)}
	tm := builtin(t, "diploma")
	a, b := graduates(t, 150, 1), graduates(t, 150, 2)
	var wg sync.WaitGroup
	results := make([]*BatchResult, 2)
	errs := make([]error, 2)
	for k, recs := range [][]templates.Record{a, b} {
		wg.Add(1)
		go func() {
			defer wg.Done()
			results[k], errs[k] = issuers[k].Batch(context.Background(), tm, recs, Profile{Name: W3C},
				BatchOptions{Out: filepath.Join(t.TempDir(), fmt.Sprint(k)), ChunkSize: 16})
		}()
	}
	wg.Wait()
	seenIdx, seenID := map[string]bool{}, map[string]bool{}
	for k := range results {
		if errs[k] != nil {
			t.Fatal(errs[k])
		}
		for _, r := range results[k].Manifest.Credentials {
			key := r.StatusList + "#" + strconv.Itoa(r.StatusIndex)
			if seenIdx[key] || seenID[r.ID] {
				t.Fatalf("status index %s or id %s handed out twice", key, r.ID)
			}
			seenIdx[key], seenID[r.ID] = true, true
		}
	}
	if len(seenIdx) != 300 {
		t.Errorf("%d distinct indexes, want 300", len(seenIdx))
	}
}

func TestStatusIndexesAreNotInIssuanceOrder(t *testing.T) {
	s := newTestStore(t, t.TempDir())
	iss := newTestIssuer(t, s)
	res, err := iss.Batch(context.Background(), builtin(t, "diploma"), graduates(t, 40, 3), Profile{Name: W3C}, BatchOptions{Out: t.TempDir(), Workers: 1})
	if err != nil {
		t.Fatal(err)
	}
	ascending := 0
	for k := 1; k < len(res.Manifest.Credentials); k++ {
		if res.Manifest.Credentials[k].StatusIndex > res.Manifest.Credentials[k-1].StatusIndex {
			ascending++
		}
	}
	// Sequential allocation would give 39 of 39; random about half.
	if ascending > 32 || ascending < 7 {
		t.Errorf("%d of 39 consecutive indexes ascend: allocation looks ordered", ascending)
	}
}

func TestAllocatorOpensANewListWhenOneIsFull(t *testing.T) {
	s := newTestStore(t, t.TempDir())
	var lists = map[string]int{}
	err := s.Update(func(tx *bbolt.Tx) error {
		src, err := newBoltLists(tx)
		if err != nil {
			return err
		}
		rs := make([]*Reservation, ListSize+10)
		for k := range rs {
			rs[k] = &Reservation{Key: strconv.Itoa(k)}
		}
		if err := Allocate(src, ListOwner{Profile: W3C, KeyName: "registrar", KeyID: "kid", Issuer: "did:example:issuer"}, rs, time.Now()); err != nil {
			return err
		}
		seen := make(map[int]bool, ListSize)
		for _, r := range rs {
			id, idx := r.Entry.StatusList, r.Entry.StatusIndex
			lists[id]++
			if id == "w3c/1" {
				if seen[idx] {
					return fmt.Errorf("index %d twice", idx)
				}
				seen[idx] = true
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if lists["w3c/1"] != ListSize || lists["w3c/2"] != 10 {
		t.Errorf("allocations per list: %v", lists)
	}
}

func TestConfigRules(t *testing.T) {
	for _, c := range []struct {
		json, want string
	}{
		{`{"institution":{"legalName":{"en":"U"},"country":"FR"},"statusBaseURL":"https://x.example/status"}`, ""},
		{`{"institution":{"legalName":{},"country":"FR"},"statusBaseURL":"https://x.example/s"}`, "institution.legalName"},
		{`{"institution":{"legalName":{"en":"U"},"country":"XX"},"statusBaseURL":"https://x.example/s"}`, "institution.country"},
		{`{"institution":{"legalName":{"en":"U"},"country":"FR"},"statusBaseURL":"http://x.example/s"}`, "must be https"},
		{`{"institution":{"legalName":{"en":"U"},"country":"FR"},"statusBaseURL":"http://localhost:8080/s"}`, ""},
		{`{"institution":{"legalName":{"en":"U"},"country":"FR","did":"web:x"},"statusBaseURL":"https://x.example/s"}`, "institution.did"},
		{`{"institution":{"legalName":{"en":"U"},"country":"FR"}}`, "statusBaseURL: required"},
		{`{"institution":{"legalName":{"en":"U"},"country":"FR"},"statusBaseURL":"https://x/s","statusBaseURL":"https://y/s"}`, "duplicate"},
	} {
		_, err := ParseConfig([]byte(c.json))
		if c.want == "" && err != nil || c.want != "" && (err == nil || !strings.Contains(err.Error(), c.want) || !errors.Is(err, ErrInvalidConfig)) {
			t.Errorf("ParseConfig(%s) = %v, want %q", c.json, err, c.want)
		}
	}
	s, err := keys.Open(filepath.Join(t.TempDir(), "d.db"), &keys.Options{KDF: cheapKDF})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if _, err := New(s, nil); !errors.Is(err, ErrNotConfigured) {
		t.Errorf("New on an unconfigured store: %v", err)
	}
}

func TestDataIntegrityWithoutContextsRecordsNothing(t *testing.T) {
	s := newTestStore(t, t.TempDir())
	iss := newTestIssuer(t, s)
	tm := builtin(t, "diploma")
	ex, _ := tm.Example()
	_, err := iss.Issue(context.Background(), tm, ex, Profile{Name: W3C, Proof: ProofEdDSA})
	if !errors.Is(err, jsonld.ErrUnknownContext) {
		t.Fatalf("err = %v, want jsonld.ErrUnknownContext", err)
	}
	if es, _ := List(s, Filter{}); len(es) != 0 {
		t.Errorf("register holds %d entries after a refused issuance", len(es))
	}
}
