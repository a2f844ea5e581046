package dataintegrity_test

import (
	"context"
	"crypto/ed25519"
	"errors"
	"fmt"
	"io/fs"

	"github.com/diplomat-edu/diplomat/credentials"
	"github.com/diplomat-edu/diplomat/credentials/dataintegrity"
	"github.com/diplomat-edu/diplomat/credentials/jsonld"
)

// contextStore stands for Diplomat's store, filled by
// `diplomat contexts import DIR`.
type contextStore map[string][]byte

func (s contextStore) LookupContext(url string) ([]byte, error) {
	if b, ok := s[url]; ok {
		return b, nil
	}
	return nil, fs.ErrNotExist
}

// Signing needs every context the document names. Here the store is empty,
// and the VC 1.1 credential needs the Data Integrity context, which Sign
// adds: the error says which URL is missing and how to install it.
func Example() {
	loader := jsonld.New(jsonld.Options{Cache: contextStore{}})
	suite, err := dataintegrity.New(dataintegrity.EdDSARDFC2022, dataintegrity.Options{Contexts: loader})
	if err != nil {
		panic(err)
	}
	priv := ed25519.NewKeyFromSeed(make([]byte, 32))
	key := credentials.SigningKey{Signer: priv, ID: "did:key:z6Mk…#z6Mk…"}
	doc := []byte(`{"@context":["https://www.w3.org/2018/credentials/v1"],"type":["VerifiableCredential"],
	  "issuer":"did:key:z6Mk…","issuanceDate":"2025-01-01T00:00:00Z","credentialSubject":{"id":"did:example:student"}}`)

	_, err = suite.Sign(context.Background(), doc, key, credentials.SignOptions{})
	var missing *jsonld.ContextError
	if errors.As(err, &missing) {
		fmt.Println(missing.URL)
		fmt.Println(errors.Is(err, jsonld.ErrUnknownContext))
	}
	// Output:
	// https://w3id.org/security/data-integrity/v2
	// true
}
