package verifier_test

import (
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"fmt"
	"strings"

	"github.com/diplomat-edu/diplomat/credentials"
	"github.com/diplomat-edu/diplomat/credentials/did"
	"github.com/diplomat-edu/diplomat/credentials/jose"
	"github.com/diplomat-edu/diplomat/verifier"
)

// Verify a vc+jwt credential offline: the did:key issuer's key is in its
// DID, and with no trust source configured the issuer is untrusted.
func ExampleVerify() {
	_, priv, _ := ed25519.GenerateKey(rand.Reader)
	issuer, _ := did.KeyDID(priv.Public())
	doc := `{"@context":["https://www.w3.org/ns/credentials/v2"],"type":["VerifiableCredential"],` +
		`"issuer":"` + issuer + `","validFrom":"2024-01-01T00:00:00Z","credentialSubject":{"name":"Ana Andromeda"}}`
	kid := issuer + "#" + strings.TrimPrefix(issuer, "did:key:")
	jwt, _ := jose.VCJWT{}.Sign(context.Background(), []byte(doc), credentials.SigningKey{Signer: priv, ID: kid}, credentials.SignOptions{})

	rep, err := verifier.Verify(context.Background(), jwt, verifier.Options{})
	if err != nil {
		panic(err) // a failure of the verifier itself
	}
	fmt.Println(rep.Verdict)
	for _, c := range rep.Checks {
		fmt.Println(strings.TrimSpace(fmt.Sprint(c.ID, " ", c.Result, " ", c.Problem())))
	}
	fmt.Println(rep.Summary.Claims["name"])
	// Output:
	// untrusted
	// format passed
	// proof passed
	// key passed
	// envelope passed
	// validity passed
	// trust failed untrusted-issuer
	// status skipped
	// Ana Andromeda
}
