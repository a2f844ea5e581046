package issuer_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"

	"github.com/diplomat-edu/diplomat/issuer"
	"github.com/diplomat-edu/diplomat/keys"
	"github.com/diplomat-edu/diplomat/templates"
)

// Example issues one diploma as a W3C VC 2.0 credential secured with vc+jwt,
// then revokes it.
func Example() {
	dir, _ := os.MkdirTemp("", "issuer-example-")
	defer os.RemoveAll(dir)
	store, _ := keys.Open(filepath.Join(dir, keys.DefaultFile), &keys.Options{KDF: keys.KDFParams{Time: 1, MemoryKiB: 64, Threads: 1}})
	defer store.Close()
	_ = store.Unlock([]byte("a long passphrase"))
	_, _ = store.Create("registrar", keys.Ed25519, keys.Assertion)

	// Once per store: who issues, and where the status lists live.
	err := issuer.SaveConfig(store, &issuer.Config{
		Institution:   issuer.Institution{LegalName: map[string]string{"en": "Université Exemple"}, Country: "FR"},
		StatusBaseURL: "https://registrar.example.edu/status",
	})
	if err != nil {
		fmt.Println(err)
		return
	}
	iss, _ := issuer.New(store, nil)
	tmpl, _ := templates.Builtin("diploma")
	rec, _ := tmpl.Example()

	out, err := iss.Issue(context.Background(), tmpl, rec, issuer.Profile{Name: issuer.W3C})
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(out.MediaType, out.Entry.Template, out.Entry.Profile, out.Entry.State)

	e, _ := iss.Revoke(out.Entry.ID, "awarded by mistake")
	fmt.Println(e.State, e.StatusList)
	// Output:
	// application/vc+jwt diploma w3c valid
	// revoked w3c/1
}
