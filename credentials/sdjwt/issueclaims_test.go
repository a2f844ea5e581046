package sdjwt

import (
	"context"
	"encoding/json"
	"errors"
	"reflect"
	"testing"
	"time"

	"github.com/diplomat-edu/diplomat/credentials"
)

// IssueClaims issues from the mapped claims what Issue issues from their
// JSON: the same processed claims, the same disclosable paths, verified
// alike; and it refuses what Issue refuses.
func TestIssueClaimsIssuesWhatIssueIssues(t *testing.T) {
	src := sampleELM(t)
	iss := newParty(t, "uniz", newP256(t))
	m1, err := MapELMDC4EU(src)
	if err != nil {
		t.Fatal(err)
	}
	fromJSON, err := Issue(mustJSON(t, m1.Claims), iss.key(), IssueOptions{Frame: m1.Frame, Now: clock(t0)})
	if err != nil {
		t.Fatal(err)
	}
	m2, _ := MapELMDC4EU(src)
	fromMap, err := IssueClaims(m2.Claims, iss.key(), IssueOptions{Frame: m2.Frame, Now: clock(t0)})
	if err != nil {
		t.Fatal(err)
	}
	var got [2]*Processed
	for i, s := range []string{fromJSON, fromMap} {
		if _, err := (Mechanism{}).Verify(context.Background(), []byte(s), resolverFor(iss), credentials.VerifyOptions{Now: clock(t0)}); err != nil {
			t.Fatalf("issued %d: %v", i, err)
		}
		sd, err := Parse(s)
		if err == nil {
			got[i], err = sd.Process()
		}
		if err != nil {
			t.Fatal(err)
		}
	}
	if !reflect.DeepEqual(normal(t, got[0].Claims), normal(t, got[1].Claims)) {
		t.Fatal("the processed claims differ")
	}
	if !reflect.DeepEqual(got[0].DisclosedPaths(), got[1].DisclosedPaths()) || len(got[1].DisclosedPaths()) == 0 {
		t.Fatalf("disclosed paths differ: %v / %v", got[0].DisclosedPaths(), got[1].DisclosedPaths())
	}
	for _, bad := range []map[string]any{nil, {"vct": "x", "_sd_alg": "sha-256"}, {"iss": iss.did}} {
		if _, err := IssueClaims(bad, iss.key(), IssueOptions{}); !errors.Is(err, errMalformed) {
			t.Errorf("%v: %v", bad, err)
		}
	}
}

func normal(t *testing.T, v any) any {
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	var out any
	_ = json.Unmarshal(b, &out)
	return out
}

// BenchmarkIssueClaimsELM issues the ELM sample from its mapped claims
// (IssueClaims) and, in the same run, from their JSON (Issue, the peer):
// x-issue is the time of the first over the second. Both include mapping
// the ELM document, as an issuer must.
func BenchmarkIssueClaimsELM(b *testing.B) {
	src := sampleELM(b)
	iss := newParty(b, "uniz", newP256(b))
	frame := func(m *Mapped) IssueOptions { return IssueOptions{Frame: m.Frame, Now: clock(t0)} }
	b.ReportAllocs()
	b.ResetTimer()
	start := time.Now()
	for range b.N {
		m, _ := MapELMDC4EU(src)
		if _, err := IssueClaims(m.Claims, iss.key(), frame(m)); err != nil {
			b.Fatal(err)
		}
	}
	ours := time.Since(start)
	b.StopTimer()
	start = time.Now()
	for range b.N {
		m, _ := MapELMDC4EU(src)
		claims, _ := json.Marshal(m.Claims)
		if _, err := Issue(claims, iss.key(), frame(m)); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(ours)/float64(time.Since(start)), "x-issue")
}
