package ebsi_test

import (
	"context"
	"fmt"
	"os"
	"time"

	"github.com/diplomat-edu/diplomat/verifier"
	"github.com/diplomat-edu/diplomat/verifier/trust/ebsi"
)

// Import a TIR snapshot (every attribute's hash checked) and walk the
// accreditation chain of a credential from its termsOfUse up to a root.
func Example() {
	data, _ := os.ReadFile("testdata/example/tir.json")
	snap, err := ebsi.Import(data)
	if err != nil {
		fmt.Println(err)
		return
	}
	src := ebsi.NewSource(snap, ebsi.Options{Roots: []string{"did:ebsi:zZeKyEJfUTGwajhNyNX928z"}})
	fmt.Println("snapshot:", snap.Name, snap.Sequence, src.Entities(), "issuers")

	cred, _ := os.ReadFile("testdata/example/credential.json")
	q := verifier.TrustQuery{
		Issuer:     snap.Issuers[0].DID, // the credential's issuer, as its proof verified
		Credential: cred,
		IssuedAt:   time.Date(2025, 6, 1, 0, 0, 0, 0, time.UTC),
	}
	a, err := src.Trust(context.Background(), q)
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(a.Source, a.Trusted, a.Level, a.Status)
	fmt.Println(len(a.Steps), "steps; the last:", a.Steps[len(a.Steps)-1])
	// Output:
	// snapshot: test-tir 2 3 issuers
	// ebsi-tir:test-tir true accredited TI
	// 9 steps; the last: trusted: the chain ends at RootTAO did:ebsi:zZeKyEJfUTGwajhNyNX928z, authorised by the configured root did:ebsi:zZeKyEJfUTGwajhNyNX928z
}

// Ask a live Trusted Issuers Registry (API v5) about issuers no snapshot
// holds: nothing is fetched unless a client is configured.
func ExampleNewLiveSource() {
	c, err := ebsi.NewClient(ebsi.ClientOptions{
		BaseURL:  "https://api-pilot.ebsi.eu/trusted-issuers-registry/v5",
		Timeout:  5 * time.Second,
		CacheTTL: 10 * time.Minute,
	})
	if err != nil {
		fmt.Println(err)
		return
	}
	src := ebsi.NewLiveSource(c, ebsi.Options{Roots: []string{"did:ebsi:zZeKyEJfUTGwajhNyNX928z"}})
	_ = src // src.Trust(ctx, q) fetches the chain of q.Issuer and walks it
	fmt.Println(c.BaseURL())
	// Output:
	// https://api-pilot.ebsi.eu/trusted-issuers-registry/v5
}
