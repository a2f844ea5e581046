package jose_test

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"fmt"
	"time"

	"github.com/diplomat-edu/diplomat/credentials"
	"github.com/diplomat-edu/diplomat/credentials/jose"
)

// oneKey resolves a single verification method, standing in for
// credentials/did's resolver.
type oneKey struct {
	vm credentials.VerificationMethod
}

func (o oneKey) ResolveKey(_ context.Context, id string) (*credentials.VerificationMethod, error) {
	if id != o.vm.ID {
		return nil, fmt.Errorf("%w: %s", credentials.ErrUnknownKey, id)
	}
	return &o.vm, nil
}

// A university signs a VC 2.0 credential as vc+jwt and a verifier checks
// it, resolving the kid to the university's key.
func ExampleVCJWT() {
	priv, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	const did = "did:example:university"
	key := credentials.SigningKey{Signer: priv, ID: did + "#key-1"}
	resolver := oneKey{credentials.VerificationMethod{ID: key.ID, Controller: did, Key: priv.Public()}}

	doc := []byte(`{"@context":["https://www.w3.org/ns/credentials/v2"],"type":["VerifiableCredential"],
		"issuer":"did:example:university","credentialSubject":{"id":"did:example:ada","degree":"MSc"}}`)
	token, err := jose.VCJWT{}.Sign(context.Background(), doc, key, credentials.SignOptions{})
	if err != nil {
		fmt.Println(err)
		return
	}
	v, err := jose.VCJWT{}.Verify(context.Background(), token, resolver, credentials.VerifyOptions{})
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(v.Mechanism, v.Details["alg"], v.Issuer, v.KeyID)
	// Output: vc+jwt ES256 did:example:university did:example:university#key-1
}

// A VC 1.1 credential as EBSI issues it: the JWT's iss, sub, jti, nbf and
// exp stand for the credential's properties (VC Data Model 1.1 §6.3).
func ExampleJWTVCJSON() {
	priv, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	const did = "did:example:ebsi-issuer"
	key := credentials.SigningKey{Signer: priv, ID: did + "#key-1"}
	resolver := oneKey{credentials.VerificationMethod{ID: key.ID, Controller: did, Key: priv.Public()}}

	doc := []byte(`{"@context":["https://www.w3.org/2018/credentials/v1"],"id":"urn:uuid:7",
		"type":["VerifiableCredential","VerifiableAttestation"],"issuer":"did:example:ebsi-issuer",
		"issuanceDate":"2024-09-01T00:00:00Z","credentialSubject":{"id":"did:example:ada"}}`)
	now := func() time.Time { return time.Date(2024, 9, 1, 0, 0, 0, 0, time.UTC) }
	token, err := jose.JWTVCJSON{}.Sign(context.Background(), doc, key, credentials.SignOptions{Now: now})
	if err != nil {
		fmt.Println(err)
		return
	}
	h, _ := jose.ParseHeader(token, jose.Limits{})
	v, err := jose.JWTVCJSON{}.Verify(context.Background(), token, resolver, credentials.VerifyOptions{Now: now})
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(h.Typ, h.Alg, v.Issuer, v.Signed.Format(time.DateOnly))
	// Output: JWT ES256 did:example:ebsi-issuer 2024-09-01
}
