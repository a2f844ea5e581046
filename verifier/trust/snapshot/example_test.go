package snapshot_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"github.com/diplomat-edu/diplomat/keys"
	"github.com/diplomat-edu/diplomat/verifier"
	"github.com/diplomat-edu/diplomat/verifier/trust/ebsi"
	"github.com/diplomat-edu/diplomat/verifier/trust/snapshot"
)

// Keep an EBSI TIR snapshot in the store, refuse nothing twice, and ask the
// sources built from what is held. (The snapshot and credential are the
// ebsi package's example files.)
func Example() {
	dir, _ := os.MkdirTemp("", "diplomat-example")
	defer os.RemoveAll(dir)
	ks, err := keys.Open(filepath.Join(dir, "diplomat.db"), &keys.Options{KDF: keys.KDFParams{Time: 1, MemoryKiB: 64, Threads: 1}})
	if err != nil {
		fmt.Println(err)
		return
	}
	defer ks.Close()
	st := snapshot.New(ks, func() time.Time { return time.Date(2025, 6, 2, 0, 0, 0, 0, time.UTC) })

	tir, _ := os.ReadFile("../ebsi/testdata/example/tir.json")
	opts := snapshot.ImportOptions{Roots: []string{"did:ebsi:zZeKyEJfUTGwajhNyNX928z"}}
	m, replaced, err := st.ImportEBSI(tir, opts)
	fmt.Println(m.Kind, m.Name, m.Sequence, m.Entities, replaced, err)
	_, replaced, err = st.ImportEBSI(tir, opts) // the same bytes: already held
	fmt.Println("again:", replaced, err)

	srcs, err := st.Load(snapshot.LoadOptions{})
	if err != nil {
		fmt.Println(err)
		return
	}
	cred, _ := os.ReadFile("../ebsi/testdata/example/credential.json")
	held, _ := ebsi.Parse(tir)
	issuer := held.Issuers[0].DID // the credential's issuer, a Trusted Issuer of the snapshot
	a, err := srcs.Trust(context.Background(), verifier.TrustQuery{Issuer: issuer, Credential: cred, IssuedAt: time.Date(2025, 6, 1, 0, 0, 0, 0, time.UTC)})
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(a.Source, a.Trusted, a.Level)
	// Output:
	// ebsi-tir test-tir 2 3 true <nil>
	// again: false <nil>
	// ebsi-tir:test-tir true accredited
}
