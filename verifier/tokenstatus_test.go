package verifier

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/diplomat-edu/diplomat/credentials"
	"github.com/diplomat-edu/diplomat/credentials/sdjwt"
	"github.com/diplomat-edu/diplomat/credentials/status"
)

// The status of SD-JWT VCs (issue 10, item 1): the W3C entries of a DC4EU
// ELM (elm.credentialStatus) and the IETF Token Status List (the status
// claim), read and verified fail-closed.

// dc4euSDJWT issues the sample in the DC4EU layout as a dc+sd-jwt of
// issuer, the ELM edited by editELM and the claims by editClaims.
func (w *world) dc4euSDJWT(issuer *party, editELM func(m map[string]any), editClaims func(c map[string]any)) []byte {
	w.t.Helper()
	m, err := sdjwt.MapELMDC4EU(w.elmDoc(issuer.did, false, editELM))
	if err != nil {
		w.t.Fatal(err)
	}
	m.Claims["iss"] = issuer.did
	if editClaims != nil {
		editClaims(m.Claims)
	}
	claims, _ := json.Marshal(m.Claims)
	out, err := sdjwt.Issue(claims, issuer.key(), sdjwt.IssueOptions{Frame: m.Frame, Now: func() time.Time { return testNow.Add(-time.Hour) }})
	if err != nil {
		w.t.Fatal(err)
	}
	return []byte(out)
}

// tokenList signs a Status List Token for path with the given statuses,
// edited by edit (claims) before signing.
func (w *world) tokenList(by *party, path string, statuses map[int]byte, edit func(tok *status.ListToken)) []byte {
	w.t.Helper()
	l, err := status.NewTokenList(status.MinBits, 2)
	if err != nil {
		w.t.Fatal(err)
	}
	for i, v := range statuses {
		if err := l.SetStatus(i, v); err != nil {
			w.t.Fatal(err)
		}
	}
	tok := &status.ListToken{Subject: w.url(path), IssuedAt: testNow.Add(-time.Hour), Expires: testNow.Add(24 * time.Hour), List: l}
	if edit != nil {
		edit(tok)
	}
	claims, err := tok.Claims()
	if err != nil {
		w.t.Fatal(err)
	}
	out, err := sdjwt.StatusListJWT{}.Sign(context.Background(), claims, by.key(), credentials.SignOptions{})
	if err != nil {
		w.t.Fatal(err)
	}
	return out
}

func statusClaim(uri string, idx int) map[string]any {
	return map[string]any{"status_list": map[string]any{"idx": idx, "uri": uri}}
}

func TestSDJWTCredentialStatusEntriesAreRead(t *testing.T) {
	w := newWorld(t)
	withStatus := func(index int) func(m map[string]any) {
		return func(m map[string]any) {
			m["@context"] = append(m["@context"].([]any), "https://www.w3.org/ns/credentials/status/v1")
			m["credentialStatus"] = []any{w.statusEntry("/status/revocation", "revocation", index), w.statusEntry("/status/suspension", "suspension", index)}
		}
	}
	rep := verifyWith(t, w, w.dc4euSDJWT(w.web, withStatus(10), nil), Request{}, nil)
	assertReport(t, rep, Revoked, CheckStatus, ProblemRevoked)
	if msg := rep.Check(CheckStatus).Message; !strings.Contains(msg, "elm.credentialStatus") {
		t.Errorf("status message %q does not say where the entry is", msg)
	}
	rep = verifyWith(t, w, w.dc4euSDJWT(w.web, withStatus(11), nil), Request{}, nil)
	assertReport(t, rep, Suspended, CheckStatus, ProblemSuspended)
	rep = verifyWith(t, w, w.dc4euSDJWT(w.web, withStatus(12), nil), Request{}, nil)
	if c := rep.Check(CheckStatus); c == nil || c.Result != Passed {
		t.Fatalf("a valid DC4EU credential's status:\n%s", dump(rep))
	}
	// A status in a layout Diplomat does not read fails closed.
	rep = verifyWith(t, w, w.dc4euSDJWT(w.web, nil, func(c map[string]any) {
		c["credentialStatus"] = w.statusEntry("/status/revocation", "revocation", 10)
	}), Request{}, nil)
	assertReport(t, rep, Invalid, CheckStatus, ProblemStatusUnavailable)
}

func TestTokenStatusListIsVerifiedFailClosed(t *testing.T) {
	w := newWorld(t)
	cred := func(uri string, idx int) []byte {
		return w.dc4euSDJWT(w.web, nil, func(c map[string]any) { c["status"] = statusClaim(uri, idx) })
	}
	w.serve("/token/1", w.tokenList(w.web, "/token/1", map[int]byte{5: status.TokenInvalid, 6: status.TokenSuspended, 7: 3}, nil))
	for _, tc := range []struct {
		name    string
		serve   []byte // served at /token/x, when not nil
		uri     string
		idx     int
		verdict Verdict
		problem string
		say     string
	}{
		{"valid", nil, "/token/1", 4, Verified, "", "not revoked"},
		{"revoked", nil, "/token/1", 5, Revoked, ProblemRevoked, "revoked"},
		{"suspended", nil, "/token/1", 6, Suspended, ProblemSuspended, "suspended"},
		{"an application-specific status", nil, "/token/1", 7, Invalid, ProblemStatusListInvalid, "0x03"},
		{"an index past the end", nil, "/token/1", status.MinBits, Invalid, ProblemStatusListInvalid, "index"},
		{"not served", nil, "/token/none", 1, Invalid, ProblemStatusUnavailable, "/token/none"},
		{"signed by another issuer", w.tokenList(w.other, "/token/x", nil, nil), "/token/x", 1, Invalid, ProblemStatusListInvalid, "not signed by the credential's signer"},
		{"for another URI", w.tokenList(w.web, "/token/elsewhere", nil, nil), "/token/x", 1, Invalid, ProblemStatusListInvalid, "sub"},
		{"expired", w.tokenList(w.web, "/token/x", nil, func(tok *status.ListToken) { tok.Expires = testNow.Add(-time.Minute) }), "/token/x", 1, Invalid, ProblemStatusListInvalid, "expired"},
		{"a Bitstring list where a token list is named", w.statusList(w.web, "/token/x", "revocation", "BitstringStatusList"), "/token/x", 1, Invalid, ProblemStatusListInvalid, "statuslist+jwt"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if tc.serve != nil {
				w.serve("/token/x", tc.serve)
			}
			rep := verifyWith(t, w, cred(w.url(tc.uri), tc.idx), Request{}, nil)
			if rep.Verdict != tc.verdict {
				t.Fatalf("verdict %s, want %s:\n%s", rep.Verdict, tc.verdict, dump(rep))
			}
			c := rep.Check(CheckStatus)
			if c == nil || !strings.Contains(c.Message, tc.say) || !strings.Contains(c.Message, "token status list") {
				t.Fatalf("status check %+v does not say %q", c, tc.say)
			}
			if tc.problem != "" && c.Problem() != tc.problem {
				t.Errorf("status problem %s, want %s", c.Problem(), tc.problem)
			}
		})
	}
	// A status claim with no mechanism Diplomat reads fails closed.
	rep := verifyWith(t, w, w.dc4euSDJWT(w.web, nil, func(c map[string]any) {
		c["status"] = map[string]any{"status_attestation": map[string]any{}}
	}), Request{}, nil)
	assertReport(t, rep, Invalid, CheckStatus, ProblemStatusUnavailable)
}

// countingFetcher serves documents by URL and counts the fetches; block,
// when set, makes each fetch wait for it (or its context).
type countingFetcher struct {
	mu        sync.Mutex
	docs      map[string][]byte
	n         int
	deadlines []time.Time
	barrier   int           // fetches wait until this many are under way
	release   chan struct{} // closed when the barrier is reached
}

func (f *countingFetcher) Fetch(ctx context.Context, url string) ([]byte, error) {
	f.mu.Lock()
	f.n++
	d, _ := ctx.Deadline()
	f.deadlines = append(f.deadlines, d)
	if f.barrier > 0 && f.n == f.barrier {
		close(f.release)
	}
	body, ok := f.docs[url]
	f.mu.Unlock()
	if f.barrier > 0 {
		select {
		case <-f.release:
		case <-ctx.Done():
			return nil, fmt.Errorf("%w: %s: %v", ErrFetch, url, ctx.Err())
		}
	}
	if !ok {
		return nil, fmt.Errorf("%w: %s: 404", ErrFetch, url)
	}
	return body, nil
}

// statusEntries returns n revocation entries of issuer's lists /s/0 … /s/n-1.
func (w *world) statusEntries(n int) []any {
	var out []any
	for i := range n {
		out = append(out, w.statusEntry(fmt.Sprintf("/s/%d", i), "revocation", 3))
	}
	return out
}

// Status is fetched last, all lists at once under one deadline, for a
// bounded number of entries, and not at all when the verdict is already
// settled (issue 10, item 6a).
func TestStatusListsAreFetchedLastInParallelAndBounded(t *testing.T) {
	w := newWorld(t)
	issuer := w.ebsi // did:key: no document to fetch
	docs := map[string][]byte{}
	for i := range 8 {
		docs[w.url(fmt.Sprintf("/s/%d", i))] = w.statusList(issuer, fmt.Sprintf("/s/%d", i), "revocation", "BitstringStatusList")
	}
	cred := func(n int, edit func(m map[string]any)) []byte {
		return w.vcJWTBy(issuer, issuer.key(), func(m map[string]any) {
			m["credentialStatus"] = w.statusEntries(n)
			if edit != nil {
				edit(m)
			}
		})
	}
	with := func(f *countingFetcher, timeout time.Duration) func(o *Options) {
		return func(o *Options) {
			o.Fetcher = f
			o.Policy.Fetch.Timeout = Duration(timeout)
		}
	}

	// Eight lists, fetched at once: each fetch waits for the eighth to
	// start, which a verifier fetching one after another never reaches.
	f := &countingFetcher{docs: docs, barrier: 8, release: make(chan struct{})}
	rep := verifyWith(t, w, cred(8, nil), Request{}, with(f, 20*time.Second))
	if rep.Verdict != Verified {
		t.Fatalf("eight good lists fetched at once:\n%s", dump(rep))
	}
	// Status comes after trust in the report: trust is offline, status is
	// the network.
	var order []string
	for _, c := range rep.Checks {
		order = append(order, c.ID)
	}
	if strings.Index(strings.Join(order, " "), CheckTrust) > strings.Index(strings.Join(order, " "), CheckStatus) {
		t.Errorf("checks in the order %v: status before trust", order)
	}

	// One deadline for them all, not one per fetch.
	f = &countingFetcher{docs: map[string][]byte{}, barrier: 100, release: make(chan struct{})}
	start := time.Now()
	rep = verifyWith(t, w, cred(6, nil), Request{}, with(f, 300*time.Millisecond))
	assertReport(t, rep, Invalid, CheckStatus, ProblemStatusUnavailable)
	if len(f.deadlines) != 6 {
		t.Fatalf("%d fetches, want 6", len(f.deadlines))
	}
	for _, d := range f.deadlines {
		if d.IsZero() || !d.Equal(f.deadlines[0]) {
			t.Fatalf("fetch deadlines %v: want one deadline for all", f.deadlines)
		}
	}
	if el := time.Since(start); el > 5*time.Second {
		t.Errorf("six stalled fetches took %s under a deadline of 300ms", el)
	}

	// More entries than the bound: refused without a single fetch.
	f = &countingFetcher{docs: docs}
	rep = verifyWith(t, w, cred(maxStatusEntries+1, nil), Request{}, with(f, time.Second))
	assertReport(t, rep, Invalid, CheckStatus, ProblemStatusUnavailable)
	if f.n != 0 {
		t.Errorf("%d fetches for a credential over the bound", f.n)
	}

	// An already invalid credential (here its validUntil before its
	// validFrom) is not worth a fetch.
	f = &countingFetcher{docs: docs}
	rep = verifyWith(t, w, cred(2, func(m map[string]any) { m["validUntil"] = testNow.AddDate(-2, 0, 0).Format(time.RFC3339) }), Request{}, with(f, time.Second))
	if rep.Verdict != Invalid || f.n != 0 {
		t.Errorf("verdict %s after %d fetches; want invalid after none:\n%s", rep.Verdict, f.n, dump(rep))
	}
	if c := rep.Check(CheckStatus); c == nil || c.Result != Skipped {
		t.Errorf("status check %+v, want skipped", c)
	}
}
