package sdjwt_test

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"encoding/json"
	"fmt"
	"time"

	"github.com/diplomat-edu/diplomat/credentials"
	"github.com/diplomat-edu/diplomat/credentials/sdjwt"
)

type oneKey struct {
	vm credentials.VerificationMethod
}

func (r oneKey) ResolveKey(_ context.Context, id string) (*credentials.VerificationMethod, error) {
	if id != r.vm.ID {
		return nil, credentials.ErrUnknownKey
	}
	return &r.vm, nil
}

// Issue a credential with a selectively disclosable grade, present it
// without the grade, and verify the presentation.
func Example() {
	issuerKey, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	holderKey, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	kid := "did:example:uni#key-1"
	now := func() time.Time { return time.Unix(1767225600, 0) }

	issued, err := sdjwt.Issue(
		[]byte(`{"vct":"urn:example:degree","title":"BSc Physics","grade":"A"}`),
		credentials.SigningKey{Signer: issuerKey, ID: kid},
		sdjwt.IssueOptions{
			Frame:  sdjwt.Frame{Disclosable: []sdjwt.Path{{"grade"}}, Decoys: 2},
			Holder: holderKey.Public(),
			Now:    now,
		})
	if err != nil {
		fmt.Println(err)
		return
	}

	presented, err := sdjwt.Present(issued, sdjwt.PresentOptions{
		Disclose: nil, // show only what is always disclosed
		Holder:   holderKey, Nonce: "8a1c", Audience: "https://admissions.example.edu", Now: now,
	})
	if err != nil {
		fmt.Println(err)
		return
	}

	r := oneKey{credentials.VerificationMethod{ID: kid, Controller: "did:example:uni", Key: issuerKey.Public()}}
	v, err := sdjwt.Mechanism{}.Verify(context.Background(), []byte(presented), r, credentials.VerifyOptions{
		Challenge: "8a1c", Domain: "https://admissions.example.edu", Now: now,
	})
	if err != nil {
		fmt.Println(err)
		return
	}
	var doc map[string]any
	_ = json.Unmarshal(v.Document, &doc)
	fmt.Println(v.Issuer, v.Details["key_binding"])
	fmt.Println(doc["title"], doc["grade"])
	// Output:
	// did:example:uni verified
	// BSc Physics <nil>
}
