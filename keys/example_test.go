package keys_test

import (
	"crypto"
	"crypto/ed25519"
	"fmt"
	"os"
	"path/filepath"

	"github.com/diplomat-edu/diplomat/keys"
)

func Example() {
	dir, _ := os.MkdirTemp("", "diplomat-example")
	defer os.RemoveAll(dir)

	// Nil options in production; cheap Argon2id parameters keep the example fast.
	s, err := keys.Open(filepath.Join(dir, "diplomat-data", keys.DefaultFile), &keys.Options{
		KDF: keys.KDFParams{Time: 1, MemoryKiB: 64, Threads: 1},
	})
	if err != nil {
		fmt.Println(err)
		return
	}
	defer s.Close()

	// The first Unlock of a new store sets its passphrase.
	if err := s.Unlock([]byte("a long passphrase from DIPLOMAT_PASSPHRASE")); err != nil {
		fmt.Println(err)
		return
	}
	k, _ := s.Create("registrar", keys.Ed25519, keys.Assertion)
	sg, _ := s.Signer("registrar")
	sig, _ := sg.Sign(nil, []byte("credential"), crypto.Hash(0))
	fmt.Println(k.Alg(), k.State, ed25519.Verify(k.Public.(ed25519.PublicKey), []byte("credential"), sig))

	doc, _ := s.WebDocument("did:web:registrar.example.edu")
	fmt.Println(len(doc.VerificationMethod), "verification methods")
	// Output:
	// EdDSA active true
	// 2 verification methods
}
