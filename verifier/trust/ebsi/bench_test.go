package ebsi

import (
	"context"
	"fmt"
	"testing"
	"time"
)

// BenchmarkLookupDID walks a TI → TAO → RootTAO chain in a snapshot of
// 10,000 issuers (signatures checked once, then remembered by attribute
// hash), against a linear scan of the issuers for the DID (the naive peer).
func BenchmarkLookupDID(b *testing.B) {
	const n = 10000
	m := newMock(b, nil)
	snap, err := Import(m.bytesB(b))
	if err != nil {
		b.Fatal(err)
	}
	tiAttr := snap.Issuers[0].Attributes[0]
	for i := range n - 3 {
		snap.Issuers = append(snap.Issuers, Issuer{DID: fmt.Sprintf("did:ebsi:zFiller%06d", i), Attributes: []Attribute{tiAttr}})
	}
	src := NewSource(snap, Options{Roots: []string{"did:ebsi:zZeKyEJfUTGwajhNyNX928z"}})
	q := m.query()
	if a, _ := src.Trust(context.Background(), q); !a.Trusted {
		b.Fatalf("not trusted: %s", a.Reason)
	}
	b.ReportAllocs()
	start := time.Now()
	for b.Loop() {
		if _, err := src.Trust(context.Background(), q); err != nil {
			b.Fatal(err)
		}
	}
	per := float64(time.Since(start)) / float64(b.N)
	t0 := time.Now()
	const scans = 20
	for range scans {
		found := false
		for i := range snap.Issuers {
			if snap.Issuers[i].DID == m.ti {
				found = true
			}
		}
		if !found {
			b.Fatal("scan found nothing")
		}
	}
	scan := float64(time.Since(t0)) / scans
	b.ReportMetric(per/1e3, "µs/lookup")
	b.ReportMetric(scan/per, "x-faster-than-scan")
}
