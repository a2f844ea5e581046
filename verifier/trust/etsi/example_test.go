package etsi_test

import (
	"context"
	"crypto/x509"
	"encoding/pem"
	"fmt"
	"os"
	"time"

	"github.com/diplomat-edu/diplomat/credentials"
	"github.com/diplomat-edu/diplomat/credentials/jades"
	"github.com/diplomat-edu/diplomat/verifier"
	"github.com/diplomat-edu/diplomat/verifier/trust/etsi"
)

// Import a national trusted list checked against a pinned signer, then
// classify a JAdES seal whose CA is a listed CA/QC service.
func Example() {
	now := func() time.Time { return time.Date(2025, 6, 2, 0, 0, 0, 0, time.UTC) }
	pin, _ := os.ReadFile("testdata/example/tl-signer.pem")
	block, _ := pem.Decode(pin)
	signer, err := x509.ParseCertificate(block.Bytes)
	if err != nil {
		fmt.Println(err)
		return
	}
	xml, _ := os.ReadFile("testdata/example/tl-se-8.xml")
	list, sig, err := etsi.Import(xml, etsi.ImportOptions{Pinned: []*x509.Certificate{signer}, Now: now})
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println("list:", list.Territory, list.SequenceNumber, "signed by", sig.Signer.Subject.CommonName)

	// The seal's signature gives the chain and the signing time.
	sealed, _ := os.ReadFile("testdata/example/sealed-qualified.json")
	v, err := (&jades.Mechanism{}).Verify(context.Background(), sealed, nil, credentials.VerifyOptions{Now: now})
	if err != nil {
		fmt.Println(err)
		return
	}
	src := etsi.NewSource([]*etsi.List{list}, etsi.Options{Accept: etsi.LevelQualified, Now: now})
	a, err := src.Trust(context.Background(), verifier.TrustQuery{Chain: v.Chain, IssuedAt: v.Signed})
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(a.Source, a.Trusted, a.Level, a.Entity, a.Country, a.Status)
	// Output:
	// list: SE 8 signed by SE TL signer (test)
	// etsi-tl:SE true qualified Example TSP AB SE granted
}
