package ebsi

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/diplomat-edu/diplomat/verifier"
)

// benchIndex is a snapshot of n distinct Trusted Issuers, each with its own
// accreditation (signed by the mock's TAO with a P-256 key added to its DID
// document), above the mock's TAO → RootTAO chain; and one query per issuer.
func benchIndex(b *testing.B, n int) (*Snapshot, []verifier.TrustQuery) {
	b.Helper()
	m := newMock(b, nil)
	key := m.addTAOKey(b)
	issuers := m.snap.Issuers[1:] // the TAO and RootTAO
	var queries []verifier.TrustQuery
	for i := range n - 2 {
		ti := fmt.Sprintf("did:ebsi:zBenchIssuer%06d", i)
		a := m.accredit(b, key, ti)
		issuers = append(issuers, Issuer{DID: ti, Attributes: []Attribute{a}})
		mq := *m
		mq.ti, mq.tiAttr = ti, a.Hash
		q := mq.query()
		// As verifier.Verify asks: the types and schemas read, the
		// credential for its termsOfUse.
		q.Types = []string{"VerifiableCredential", "VerifiableAttestation", "eu.europa.ec.eudi.pid"}
		q.Schemas = []string{"https://api-pilot.ebsi.eu/trusted-schemas-registry/v3/schemas/z3MgUFUkb722uq4x3dv5yAJmnNmzDFeK5UC8x83QoeLJM"}
		queries = append(queries, q)
	}
	m.snap.Issuers = issuers
	snap, err := Import(m.bytesB(b))
	if err != nil {
		b.Fatal(err)
	}
	return snap, queries
}

// BenchmarkLookupDID walks TI → TAO → RootTAO chains in a snapshot of
// 10,000 issuers, each lookup for another issuer (9,998 distinct TIs), after
// one warm-up pass has checked every attribute's hash and signature (kept by
// the source, as they do not depend on the query). Queries carry the types
// and schemas as verifier.Verify reads them, and the credential for its
// termsOfUse; µs/lookup-credential-only is for queries with the credential
// alone. The floor is a linear scan of the issuers for the DID (the naive
// peer).
func BenchmarkLookupDID(b *testing.B) {
	const n = 10000
	snap, queries := benchIndex(b, n)
	if len(snap.Issuers) != n {
		b.Fatalf("%d issuers", len(snap.Issuers))
	}
	src := NewSource(snap, Options{Roots: []string{"did:ebsi:zZeKyEJfUTGwajhNyNX928z"}})
	ctx := context.Background()
	for _, q := range queries {
		if a, _ := src.Trust(ctx, q); !a.Trusted {
			b.Fatalf("not trusted: %s", a.Reason)
		}
	}
	b.ReportAllocs()
	cpu, release := threadCPU()
	defer release()
	i := 0
	start, cpu0 := time.Now(), cpu()
	for b.Loop() {
		if _, err := src.Trust(ctx, queries[i%len(queries)]); err != nil {
			b.Fatal(err)
		}
		i++
	}
	per := float64(time.Since(start)) / float64(i)
	perCPU := float64(cpu()-cpu0) / float64(i)
	const scans = 50
	t0 := time.Now()
	for k := range scans {
		want := queries[(k*397)%len(queries)].Issuer
		found := false
		for j := range snap.Issuers {
			if snap.Issuers[j].DID == want {
				found = true
				break
			}
		}
		if !found {
			b.Fatal("scan found nothing")
		}
	}
	scan := float64(time.Since(t0)) / scans
	// The same lookups with the credential alone (types and schemas read
	// from it too), as a library caller may ask.
	const bare = 2000
	t1 := time.Now()
	for k := range bare {
		q := queries[(k*7)%len(queries)]
		q.Types, q.Schemas = nil, nil
		if a, _ := src.Trust(ctx, q); !a.Trusted {
			b.Fatalf("not trusted: %s", a.Reason)
		}
	}
	b.ReportMetric(float64(time.Since(t1))/bare/1e3, "µs/lookup-credential-only")
	b.ReportMetric(per/1e3, "µs/lookup")
	if perCPU > 0 {
		// The CPU time of the benchmark's thread: on a shared machine the
		// wall-clock figure includes the time other processes ran.
		b.ReportMetric(perCPU/1e3, "µs-cpu/lookup")
	}
	b.ReportMetric(scan/per, "x-faster-than-scan")
}
