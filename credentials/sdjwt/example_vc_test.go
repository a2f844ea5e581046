package sdjwt_test

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"fmt"

	"github.com/diplomat-edu/diplomat/credentials"
	"github.com/diplomat-edu/diplomat/credentials/sdjwt"
)

// Secure a VC 2.0 credential as vc+sd-jwt with the street of the subject's
// address selectively disclosable, then verify it. The kid is bare: it
// names a key of the issuer.
func ExampleVC() {
	key, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	credential := []byte(`{
	  "@context": ["https://www.w3.org/ns/credentials/v2"],
	  "type": ["VerifiableCredential"],
	  "issuer": "https://uni.example",
	  "credentialSubject": {"name": "Ana", "address": {"street": "Instant Street 16", "city": "Dublin"}}
	}`)
	path, _ := sdjwt.ParsePath("credentialSubject.address.street")
	m := sdjwt.VC{Frame: sdjwt.Frame{Disclosable: []sdjwt.Path{path}}}

	tok, err := m.Sign(context.Background(), credential, credentials.SigningKey{Signer: key, ID: "key-1"}, credentials.SignOptions{})
	if err != nil {
		fmt.Println(err)
		return
	}
	r := oneKey{credentials.VerificationMethod{ID: "https://uni.example#key-1", Controller: "https://uni.example", Key: key.Public()}}
	v, err := m.Verify(context.Background(), tok, r, credentials.VerifyOptions{})
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(v.Mechanism, v.Issuer, v.KeyID)
	fmt.Println(v.Details["disclosed"])
	// Output:
	// vc+sd-jwt https://uni.example https://uni.example#key-1
	// $.credentialSubject.address.street
}
