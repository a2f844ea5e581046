package did_test

import (
	"crypto/ecdsa"
	"crypto/rand"
	"crypto/sha256"
	"strings"
	"testing"

	"github.com/decred/dcrd/dcrec/secp256k1/v4"

	"github.com/diplomat-edu/diplomat/credentials/did"
)

func TestSecp256k1KeysRoundTripAndVerify(t *testing.T) {
	priv, err := secp256k1.GeneratePrivateKey()
	if err != nil {
		t.Fatal(err)
	}
	pub := priv.PubKey().ToECDSA()
	id, err := did.KeyDID(pub)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(id, "did:key:zQ3s") {
		t.Fatalf("secp256k1 did:key %s lacks the zQ3s prefix", id)
	}
	back, err := did.ParseKey(id)
	if err != nil {
		t.Fatal(err)
	}
	got := back.(*ecdsa.PublicKey)
	if got.X.Cmp(pub.X) != 0 || got.Y.Cmp(pub.Y) != 0 {
		t.Fatal("did:key round trip changed the key")
	}
	jid, err := did.JWKDID(pub)
	if err != nil {
		t.Fatal(err)
	}
	jback, err := did.ParseJWK(jid)
	if err != nil || jback.(*ecdsa.PublicKey).X.Cmp(pub.X) != 0 {
		t.Fatalf("did:jwk round trip: %v", err)
	}
	// The decoded key verifies an ECDSA signature with crypto/ecdsa.
	h := sha256.Sum256([]byte("diploma"))
	sig, err := ecdsa.SignASN1(rand.Reader, priv.ToECDSA(), h[:])
	if err != nil {
		t.Fatal(err)
	}
	if !ecdsa.VerifyASN1(got, h[:], sig) {
		t.Fatal("decoded secp256k1 key does not verify")
	}
}

func TestSecp256k1DIDKeySpecExample(t *testing.T) {
	// From the did:key method specification's secp256k1 examples.
	const id = "did:key:zQ3shokFTS3brHcDQrn82RUDfCZESWL1ZdCEJwekUDPQiYBme"
	pub, err := did.ParseKey(id)
	if err != nil {
		t.Fatal(err)
	}
	again, err := did.KeyDID(pub)
	if err != nil || again != id {
		t.Fatalf("re-encoded %s, %v; want %s", again, err, id)
	}
}
