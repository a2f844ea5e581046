package etsi

import (
	"context"
	"crypto/x509"
	"fmt"
	"testing"
	"time"

	"github.com/diplomat-edu/diplomat/internal/reftest"
	"github.com/diplomat-edu/diplomat/verifier"
)

// BenchmarkImportSETL imports the real Swedish list, XML-DSig and XAdES
// checks included, against parsing it alone (the floor).
func BenchmarkImportSETL(b *testing.B) {
	data := reftest.Read(b, "trust", "etsi", "SE-TL.xml")
	root, _ := readXML(data, 0)
	pin := []*x509.Certificate{keyInfoCert(findSig(root))}
	opts := ImportOptions{Pinned: pin, Now: at("2025-05-01T00:00:00Z")}
	b.ReportAllocs()
	start := time.Now()
	for b.Loop() {
		if _, _, err := Import(data, opts); err != nil {
			b.Fatal(err)
		}
	}
	imp := float64(time.Since(start)) / float64(b.N)
	const n = 20
	t0 := time.Now()
	for range n {
		if _, err := Parse(data, 0); err != nil {
			b.Fatal(err)
		}
	}
	parse := float64(time.Since(t0)) / n
	b.ReportMetric(imp/1e6, "ms/import")
	b.ReportMetric(imp/parse, "x-parse-only")
}

// BenchmarkLookupCertificate classifies a seal against an index of 10,000
// trust service providers, against a linear scan of the same services for
// the issuing CA (the naive peer).
func BenchmarkLookupCertificate(b *testing.B) {
	const n = 10000
	l := &List{Territory: "SE", Type: "http://uri.etsi.org/TrstSvc/TrustedList/TSLType/EUgeneric"}
	var target *testCert
	for i := range n {
		ca := newTestCA(b, fmt.Sprintf("CA %d", i), nil)
		if i == n/2 {
			target = ca
		}
		l.Providers = append(l.Providers, Provider{Name: fmt.Sprintf("TSP %d", i), Services: []Service{{
			Type: ServiceCAQC, Name: "QC", Certificates: []*x509.Certificate{ca.cert},
			States: []State{{Type: ServiceCAQC, Status: statusGranted, Start: mustTime("2019-01-01T00:00:00Z"), AdditionalInfo: []string{ForeSeals}}},
		}}})
	}
	seal := newTestCert(b, "seal", target, false, &qcOpts{compliance: true, sscd: true, qcType: "eseal"})
	src := NewSource([]*List{l}, Options{Now: at("2025-05-01T00:00:00Z")})
	q := verifier.TrustQuery{Chain: []*x509.Certificate{seal.cert}, IssuedAt: mustTime("2024-06-01T00:00:00Z")}
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
		for i := range l.Providers {
			c := l.Providers[i].Services[0].Certificates[0]
			if string(c.RawSubject) == string(seal.cert.RawIssuer) {
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
