package issuer

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"strings"
	"testing"
)

func TestIssueCredentialAddsIdStatusAndSignsAsTheIssuerOrItsDidKey(t *testing.T) {
	s := newTestStore(t, t.TempDir())
	if err := s.SetWebDID("did:web:registrar.univ-exemple.fr"); err != nil {
		t.Fatal(err)
	}
	iss, err := New(s, nil)
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	unsigned := func(edit func(m map[string]any)) []byte {
		m := map[string]any{
			"@context":          []any{contextVC2},
			"type":              []any{"VerifiableCredential", "ExampleCredential"},
			"credentialSubject": map[string]any{"id": "did:example:alice", "name": "Alice"},
		}
		if edit != nil {
			edit(m)
		}
		b, _ := json.Marshal(m)
		return b
	}
	payload := func(jwt []byte) map[string]any {
		parts := strings.Split(string(jwt), ".")
		b, err := base64.RawURLEncoding.DecodeString(parts[1])
		if err != nil {
			t.Fatal(err)
		}
		var m map[string]any
		_ = json.Unmarshal(b, &m)
		return m
	}
	out, err := iss.IssueCredential(ctx, unsigned(nil), Profile{Name: W3C})
	if err != nil {
		t.Fatal(err)
	}
	p := payload(out.Credential)
	st, _ := p["credentialStatus"].([]any)
	if !strings.HasPrefix(p["id"].(string), "urn:uuid:") || p["validFrom"] == nil || len(st) != 2 ||
		st[0].(map[string]any)["type"] != typeBitstring || out.Entry.Template != "" || out.Entry.SubjectHash == "" ||
		p["issuer"] != "did:web:registrar.univ-exemple.fr" {
		t.Fatalf("credential %v, entry %+v", p, out.Entry)
	}
	if e, err := Lookup(s, out.Entry.ID); err != nil || e.StatusIndex != out.Entry.StatusIndex {
		t.Fatalf("register: %+v %v", e, err)
	}

	// As the did:key of the signing key: its own status list, signed as it.
	k, _ := s.Key("registrar")
	keyDID, _ := k.KeyDID()
	out, err = iss.IssueCredential(ctx, unsigned(func(m map[string]any) { m["issuer"] = keyDID; m["id"] = "urn:example:1" }), Profile{Name: W3C})
	if err != nil {
		t.Fatal(err)
	}
	if p := payload(out.Credential); p["issuer"] != keyDID || p["id"] != "urn:example:1" {
		t.Fatalf("issuer %v id %v", p["issuer"], p["id"])
	}
	list := ListURL(iss.Config().StatusBaseURL, out.Entry.StatusList, PurposeRevocation)
	pubs, err := iss.PublishStatusWith(ctx, PublishOptions{URLs: []string{list}})
	if err != nil || len(pubs) != 1 {
		t.Fatalf("publish %s: %d %v", list, len(pubs), err)
	}
	if lp := payload(pubs[0].Credential); lp["issuer"] != keyDID {
		t.Fatalf("the did:key issuer's list is issued by %v", lp["issuer"])
	}

	for name, c := range map[string]struct {
		doc  []byte
		p    Profile
		want error
	}{
		"the same id again":      {unsigned(func(m map[string]any) { m["id"] = "urn:example:1" }), Profile{Name: W3C}, ErrExists},
		"a proof already":        {unsigned(func(m map[string]any) { m["proof"] = map[string]any{} }), Profile{Name: W3C}, ErrInvalidInput},
		"a credentialStatus":     {unsigned(func(m map[string]any) { m["credentialStatus"] = map[string]any{} }), Profile{Name: W3C}, ErrInvalidInput},
		"another issuer":         {unsigned(func(m map[string]any) { m["issuer"] = "did:web:elsewhere.example" }), Profile{Name: W3C}, ErrInvalidInput},
		"VC 1.1 as vc+jwt":       {unsigned(func(m map[string]any) { m["@context"] = []any{contextVC1} }), Profile{Name: W3C}, ErrInvalidInput},
		"VC 2.0 as jwt_vc_json":  {unsigned(nil), Profile{Name: EBSI}, ErrInvalidInput},
		"eudi from a credential": {unsigned(nil), Profile{Name: EUDI}, ErrInvalidInput},
		"no subject":             {unsigned(func(m map[string]any) { delete(m, "credentialSubject") }), Profile{Name: W3C}, ErrInvalidInput},
		"not JSON":               {[]byte("{"), Profile{Name: W3C}, ErrInvalidInput},
	} {
		if _, err := iss.IssueCredential(ctx, c.doc, c.p); !errors.Is(err, c.want) {
			t.Errorf("%s: %v, want %v", name, err, c.want)
		}
	}
}
