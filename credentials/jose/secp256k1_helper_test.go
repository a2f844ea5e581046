package jose

import (
	"testing"

	"github.com/decred/dcrd/dcrec/secp256k1/v4"
)

func newSecp256k1(t testing.TB) *Secp256k1Signer {
	t.Helper()
	k, err := secp256k1.GeneratePrivateKey()
	if err != nil {
		t.Fatal(err)
	}
	return NewSecp256k1Signer(k)
}

func secp256kFromBytes(d []byte) *secp256k1.PrivateKey { return secp256k1.PrivKeyFromBytes(d) }
