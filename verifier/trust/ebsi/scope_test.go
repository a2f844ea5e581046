package ebsi

import (
	"context"
	"strings"
	"testing"
)

// TestAccreditorMustBeAccreditedForTheSchema: a TAO can accredit only
// within its own accreditation, so every link of the chain, not only the
// issuer's, must have an accreditedFor naming the credential's schema.
func TestAccreditorMustBeAccreditedForTheSchema(t *testing.T) {
	const otherSchema = "https://api-pilot.ebsi.eu/trusted-schemas-registry/v3/schemas/zSomeOtherSchema"
	setSchema := func(who string, schema string) func(string, map[string]any) {
		return func(name string, c map[string]any) {
			if name != who {
				return
			}
			cs := c["vc"].(map[string]any)["credentialSubject"].(map[string]any)
			if schema == "" {
				delete(cs, "accreditedFor")
				return
			}
			for _, af := range cs["accreditedFor"].([]any) {
				af.(map[string]any)["schemaId"] = schema
			}
		}
	}
	root := []string{"did:ebsi:zZeKyEJfUTGwajhNyNX928z"}
	cases := []struct {
		name    string
		edit    func(string, map[string]any)
		trusted bool
		reason  string
	}{
		{"every link covers the schema", nil, true, "trusted: the chain ends at RootTAO"},
		{"TAO accredited for another schema", setSchema("TAO", otherSchema), false, "no accreditedFor of did:ebsi:zthvUe28tbxARthBGWXwFmk (TAO) covers the credential's schema"},
		{"TAO with no accreditedFor", setSchema("TAO", ""), false, "(TAO) covers the credential's schema"},
		{"RootTAO accredited for another schema", setSchema("RootTAO", otherSchema), false, "(RootTAO) covers the credential's schema"},
		// The schema is compared without the registry's API version: the
		// mock's TI and TAO name v2, the RootTAO v3.
		{"v2 and v3 name the same schema", setSchema("TAO", "https://api-pilot.ebsi.eu/trusted-schemas-registry/v2/schemas/z3MgUFUkb722uq4x3dv5yAJmnNmzDFeK5UC8x83QoeLJM"), true, "trusted"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			m := newMock(t, c.edit)
			snap, err := Import(m.bytes(t))
			if err != nil {
				t.Fatal(err)
			}
			a, err := NewSource(snap, Options{Roots: root}).Trust(context.Background(), m.query())
			if err != nil {
				t.Fatal(err)
			}
			if a.Trusted != c.trusted || !strings.Contains(a.Reason, c.reason) {
				t.Fatalf("answer %+v\n%s", a, strings.Join(a.Steps, "\n"))
			}
			if c.trusted && !strings.Contains(strings.Join(a.Steps, "\n"), "(TAO) is accredited for the schema") {
				t.Errorf("no step for the TAO's scope:\n%s", strings.Join(a.Steps, "\n"))
			}
		})
	}
}
