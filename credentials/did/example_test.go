package did_test

import (
	"context"
	"crypto/ed25519"
	"encoding/hex"
	"fmt"

	"github.com/diplomat-edu/diplomat/credentials/did"
)

func ExampleKeyDID() {
	seed, _ := hex.DecodeString("9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60") // RFC 8032 test 1
	pub := ed25519.NewKeyFromSeed(seed).Public()
	id, _ := did.KeyDID(pub)
	fmt.Println(id)
	back, _ := did.ParseKey(id)
	fmt.Println(back.(ed25519.PublicKey).Equal(pub))
	// Output:
	// did:key:z6MktwupdmLXVVqTzCw4i46r4uGyosGXRnR3XjN4Zq7oMMsw
	// true
}

func ExampleWebURL() {
	id := did.WebDID("registrar.example.edu")
	u, _ := did.WebURL(id)
	fmt.Println(id)
	fmt.Println(u)
	// Output:
	// did:web:registrar.example.edu
	// https://registrar.example.edu/.well-known/did.json
}

func ExampleResolver() {
	var r did.Resolver // did:key and did:jwk only; set Web to resolve did:web
	vm, err := r.ResolveKey(context.Background(), "did:key:z6MkrJVnaZkeFzdQyMZu1cgjg7k1pZZ6pvBQ7XJPt4swbTQ2")
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(vm.ID)
	_, err = r.ResolveKey(context.Background(), "did:web:registrar.example.edu")
	fmt.Println(err)
	// Output:
	// did:key:z6MkrJVnaZkeFzdQyMZu1cgjg7k1pZZ6pvBQ7XJPt4swbTQ2#z6MkrJVnaZkeFzdQyMZu1cgjg7k1pZZ6pvBQ7XJPt4swbTQ2
	// did: cannot resolve did:web:registrar.example.edu: did:web resolution is not configured
}
