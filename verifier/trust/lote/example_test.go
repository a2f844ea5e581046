package lote_test

import (
	"context"
	"crypto/x509"
	"encoding/pem"
	"fmt"
	"os"
	"time"

	"github.com/diplomat-edu/diplomat/verifier"
	"github.com/diplomat-edu/diplomat/verifier/trust/lote"
)

func readCert(path string) *x509.Certificate {
	data, _ := os.ReadFile(path)
	block, _ := pem.Decode(data)
	c, _ := x509.ParseCertificate(block.Bytes)
	return c
}

// Import a signed list of trusted entities (a JWS whose x5c signer is
// pinned) and look up a seal certificate issued by a listed CA.
func Example() {
	now := func() time.Time { return time.Date(2025, 6, 2, 0, 0, 0, 0, time.UTC) }
	data, _ := os.ReadFile("testdata/example/lote.jws")
	list, signer, err := lote.Import(data, lote.ImportOptions{Pinned: []*x509.Certificate{readCert("testdata/example/lote-signer.pem")}, Now: now})
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println("list:", list.Name, list.Sequence, "signed by", signer.Subject.CommonName)

	src := lote.NewSource([]*lote.List{list}, lote.Options{Now: now})
	seal := readCert("testdata/example/seal.pem")
	a, err := src.Trust(context.Background(), verifier.TrustQuery{Chain: []*x509.Certificate{seal}, IssuedAt: time.Date(2025, 6, 1, 10, 0, 0, 0, time.UTC)})
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(a.Trusted, a.Level, a.Entity, a.Country)
	fmt.Println(a.Reason)
	// Output:
	// list: EU PID Providers (test) 2 signed by LoTE signer (test)
	// true ca Example PID Provider SE
	// trusted: Example PID Provider (SE) is on the list "EU PID Providers (test)"
}
