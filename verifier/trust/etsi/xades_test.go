package etsi

import (
	"crypto/x509"
	"errors"
	"strings"
	"testing"

	"github.com/diplomat-edu/diplomat/internal/reftest"
	"github.com/diplomat-edu/diplomat/verifier/trust"
)

// TestImportRequiresXAdESSignedProperties: a trusted list is a XAdES
// signature (ETSI TS 119 612 clause 5.7.1): a plain XML-DSig signature,
// without the SignedProperties and its signing-certificate digest, is
// refused unless the operator accepts plain XML-DSig lists explicitly.
func TestImportRequiresXAdESSignedProperties(t *testing.T) {
	signer := newTestCA(t, "TL signer", nil)
	ca := newTestCA(t, "QCA", nil)
	xml := buildTL(tlSpec{territory: "SE", seq: 3, issued: mustTime("2025-01-01T00:00:00Z"), next: mustTime("2035-01-01T00:00:00Z"), tsp: "TSP",
		services: []svcSpec{{name: "QCA", cert: ca.cert, status: "granted", since: mustTime("2020-01-01T00:00:00Z")}}})
	plain := signTL(t, xml, signer, false)
	opts := ImportOptions{Pinned: []*x509.Certificate{signer.cert}, Now: at("2025-05-01T00:00:00Z")}
	_, _, err := Import(plain, opts)
	if !errors.Is(err, trust.ErrSignature) || !strings.Contains(err.Error(), "no XAdES SignedProperties") {
		t.Fatalf("plain XML-DSig: err = %v, want ErrSignature naming the missing SignedProperties", err)
	}
	opts.AcceptPlainXMLDSig = true
	l, sig, err := Import(plain, opts)
	if err != nil || sig.SignedProperties || l.SequenceNumber != 3 {
		t.Fatalf("plain XML-DSig accepted explicitly: sig %+v, err %v", sig, err)
	}
	// A XAdES list imports either way, and says so.
	if _, sig, err := Import(signTL(t, xml, signer, true), opts); err != nil || !sig.SignedProperties {
		t.Fatalf("XAdES list: sig %+v, err %v", sig, err)
	}
}

// TestReferenceListWithoutXAdESNeedsTheOption: the reference
// test-trust-list-with-sig.xml carries a plain XML-DSig signature only.
func TestReferenceListWithoutXAdESNeedsTheOption(t *testing.T) {
	data := reftest.Read(t, "trust", "etsi", "test-trust-list-with-sig.xml")
	signer := signerOfFile(t, data)
	opts := ImportOptions{Pinned: []*x509.Certificate{signer}, Now: at("2025-08-01T00:00:00Z")}
	if _, _, err := Import(data, opts); !errors.Is(err, trust.ErrSignature) || !strings.Contains(err.Error(), "no XAdES SignedProperties") {
		t.Fatalf("err = %v, want ErrSignature with the hint", err)
	}
	opts.AcceptPlainXMLDSig = true
	if _, sig, err := Import(data, opts); err != nil || sig.SignedProperties {
		t.Fatalf("with AcceptPlainXMLDSig: sig %+v, err %v", sig, err)
	}
}
