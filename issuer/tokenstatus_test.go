package issuer

import (
	"context"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/diplomat-edu/diplomat/credentials/sdjwt"
	"github.com/diplomat-edu/diplomat/credentials/status"
	"github.com/diplomat-edu/diplomat/verifier"
)

// statusChecks verifies cred and returns its status checks.
func statusChecks(t *testing.T, v *verifier.Verifier, cred []byte) (*verifier.Report, []verifier.Check) {
	t.Helper()
	rep, err := v.Verify(context.Background(), cred, verifier.Request{})
	if err != nil {
		t.Fatal(err)
	}
	var out []verifier.Check
	for _, c := range rep.Checks {
		if c.ID == verifier.CheckStatus {
			out = append(out, c)
		}
	}
	return rep, out
}

// An eudi credential carries its status twice: the Bitstring Status List
// entries of its ELM (elm.credentialStatus, the DC4EU layout), and the IETF
// Token Status List claim EUDI wallets and verifiers read (status.status_list).
// Both are published, and the verifier reads both (issue 10, item 1).
func TestEUDICredentialStatusIsPublishedAndRead(t *testing.T) {
	s := newTestStore(t, t.TempDir())
	iss := newTestIssuer(t, s)
	tm := builtin(t, "diploma")
	ex, _ := tm.Example()
	p := Profile{Name: EUDI, Key: "registrar"}
	var creds []*Issued
	for i := range 3 {
		c, err := iss.Issue(context.Background(), tm, otherRow(ex, i), p)
		if err != nil {
			t.Fatal(err)
		}
		creds = append(creds, c)
	}

	// The status claim names the credential's index in the token list.
	sd, err := sdjwt.Parse(string(creds[0].Credential))
	if err != nil {
		t.Fatal(err)
	}
	raw, _ := json.Marshal(sd.Payload["status"])
	ref, err := status.ParseStatusClaim(raw)
	if err != nil {
		t.Fatalf("the eudi credential has no status_list claim: %v (%s)", err, raw)
	}
	if ref.Index != creds[0].Entry.StatusIndex || ref.URI != ListURL(testConfig().StatusBaseURL, creds[0].Entry.StatusList, PurposeToken) {
		t.Errorf("status_list %+v, want index %d in %s", ref, creds[0].Entry.StatusIndex, creds[0].Entry.StatusList)
	}

	if _, err := iss.Revoke(creds[0].Entry.ID, "awarded by mistake"); err != nil {
		t.Fatal(err)
	}
	if _, err := iss.Suspend(creds[1].Entry.ID, "under review"); err != nil {
		t.Fatal(err)
	}
	pubs, err := newTestIssuer(t, s).PublishStatus(context.Background(), 48*time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	fetch := mapFetcher{}
	var token *Published
	for i, pub := range pubs {
		fetch[pub.List.URL] = pub.Credential
		if pub.List.Purpose == PurposeToken {
			token = &pubs[i]
		}
	}
	if token == nil {
		t.Fatalf("no token status list published: %d lists", len(pubs))
	}
	if token.MediaType != status.MediaTypeStatusListJWT || !strings.HasSuffix(token.File, "-token.jwt") {
		t.Errorf("token list published as %s, %s", token.File, token.MediaType)
	}
	v, err := verifier.New(verifier.Options{Fetcher: fetch})
	if err != nil {
		t.Fatal(err)
	}
	for i, want := range []struct {
		verdict verifier.Verdict
		word    string
	}{{verifier.Revoked, "revoked"}, {verifier.Suspended, "suspended"}, {verifier.Untrusted, ""}} {
		rep, checks := statusChecks(t, v, creds[i].Credential)
		if len(checks) != 3 {
			t.Fatalf("credential %d: %d status checks, want 3 (revocation, suspension, token status list):\n%+v", i, len(checks), checks)
		}
		if rep.Verdict != want.verdict {
			t.Errorf("credential %d: verdict %s, want %s: %+v", i, rep.Verdict, want.verdict, checks)
		}
		token := false
		for _, c := range checks {
			if strings.Contains(c.Message, "token status list") {
				token = true
				if want.word != "" && (c.Result != verifier.Failed || !strings.Contains(c.Message, want.word)) {
					t.Errorf("credential %d: token status check %s: %s", i, c.Result, c.Message)
				}
				if want.word == "" && c.Result != verifier.Passed {
					t.Errorf("credential %d: token status check %s: %s", i, c.Result, c.Message)
				}
			}
		}
		if !token {
			t.Errorf("credential %d: no check of the token status list: %+v", i, checks)
		}
	}

	// A token list served in another's place, or missing, fails closed.
	delete(fetch, token.List.URL)
	v, _ = verifier.New(verifier.Options{Fetcher: fetch})
	if rep, _ := statusChecks(t, v, creds[2].Credential); rep.Verdict != verifier.Invalid {
		t.Errorf("without its token list, verdict %s, want invalid", rep.Verdict)
	}
}
