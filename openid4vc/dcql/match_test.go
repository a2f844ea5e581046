package dcql_test

import (
	"errors"
	"os"
	"strings"
	"testing"

	"github.com/diplomat-edu/diplomat/openid4vc/dcql"
)

func parse(t *testing.T, s string) *dcql.Query {
	t.Helper()
	q, err := dcql.Parse([]byte(s))
	if err != nil {
		t.Fatal(err)
	}
	return q
}

func specQuery(t *testing.T, name string) *dcql.Query {
	b, err := os.ReadFile("testdata/spec/" + name)
	if err != nil {
		t.Fatal(err)
	}
	return parse(t, string(b))
}

func sdjwt(t *testing.T, vct, claims string) dcql.Credential {
	return dcql.Credential{Format: dcql.FormatSDJWT, VCT: vct, Claims: claims_(t, claims), HolderBinding: true, SelectiveDisclosure: true}
}

func claims_(t *testing.T, s string) any { return claims(t, s) }

const (
	pidVCT      = "https://credentials.example.com/identity_credential"
	fullPID     = `{"last_name":"Doe","postal_code":"90210","locality":"Springfield","region":"CA","date_of_birth":"1990-01-01","given_name":"John","family_name":"Doe","address":{"street_address":"1 Main St"}}`
	withoutArea = `{"last_name":"Doe","postal_code":"90210","date_of_birth":"1990-01-01"}`
)

func TestSelectClaimSets(t *testing.T) {
	q := specQuery(t, "claims-alternatives.json")
	// The first option (a, c, d, e) when the wallet has everything.
	sel, err := q.Select([]dcql.Credential{sdjwt(t, pidVCT, fullPID)}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if got := paths(sel.Credentials["pid"][0].Claims); got != `["last_name"] ["locality"] ["region"] ["date_of_birth"]` {
		t.Fatalf("first option: %s", got)
	}
	// The second (a, b, e) when locality and region are missing.
	sel, err = q.Select([]dcql.Credential{sdjwt(t, pidVCT, withoutArea)}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if got := paths(sel.Credentials["pid"][0].Claims); got != `["last_name"] ["postal_code"] ["date_of_birth"]` {
		t.Fatalf("second option: %s", got)
	}
	// None.
	if _, err := q.Select([]dcql.Credential{sdjwt(t, pidVCT, `{"last_name":"Doe"}`)}, nil); !errors.Is(err, dcql.ErrNoMatch) {
		t.Fatalf("no option: %v", err)
	}
}

func paths(ps []dcql.Path) string {
	var s []string
	for _, p := range ps {
		s = append(s, p.String())
	}
	return strings.Join(s, " ")
}

func TestSelectCredentialSets(t *testing.T) {
	q := specQuery(t, "credentials-alternatives.json")
	other := sdjwt(t, "https://othercredentials.example/pid", `{"given_name":"J","family_name":"D","address":{"street_address":"x"}}`)
	reduced1 := sdjwt(t, "https://credentials.example.com/reduced_identity_credential", `{"given_name":"J","family_name":"D"}`)
	reduced2 := sdjwt(t, "https://cred.example/residence_credential", `{"postal_code":"1","locality":"L","region":"R"}`)
	rewards := sdjwt(t, "https://company.example/company_rewards", `{"rewards_number":"42"}`)
	cases := []struct {
		held []dcql.Credential
		want string // answered ids
	}{
		{[]dcql.Credential{other}, "other_pid"},
		{[]dcql.Credential{reduced2, reduced1}, "pid_reduced_cred_1 pid_reduced_cred_2"},
		{[]dcql.Credential{other, rewards}, "other_pid nice_to_have"},
		{[]dcql.Credential{reduced1, rewards}, ""}, // the required set cannot be satisfied
	}
	for _, c := range cases {
		sel, err := q.Select(c.held, nil)
		if c.want == "" {
			if !errors.Is(err, dcql.ErrNoMatch) {
				t.Fatalf("want ErrNoMatch, got %v", err)
			}
			continue
		}
		if err != nil {
			t.Fatal(err)
		}
		if got := strings.Join(sel.Order, " "); got != c.want {
			t.Fatalf("answered %q, want %q", got, c.want)
		}
	}
}

func TestSelectValuesWildcardsAndMeta(t *testing.T) {
	q := specQuery(t, "value-matching.json")
	match := `{"family_name":"Doe","given_name":"J","address":{"street_address":"x"},"postal_code":"90211"}`
	if _, err := q.Select([]dcql.Credential{sdjwt(t, pidVCT, match)}, nil); err != nil {
		t.Fatal(err)
	}
	for _, bad := range []string{
		`{"family_name":"Smith","given_name":"J","address":{"street_address":"x"},"postal_code":"90211"}`,
		`{"family_name":"Doe","given_name":"J","address":{"street_address":"x"},"postal_code":90211}`, // a number is not the string
	} {
		if _, err := q.Select([]dcql.Credential{sdjwt(t, pidVCT, bad)}, nil); !errors.Is(err, dcql.ErrNoMatch) {
			t.Fatalf("%s matched", bad)
		}
	}
	// An integer value and a null wildcard: any degree of EQF level 6 or more.
	eqf := parse(t, `{"credentials":[{"id":"d","format":"jwt_vc_json","meta":{"type_values":[["EuropeanDigitalCredential"]]},
	  "claims":[{"path":["credentialSubject","hasClaim",null,"eqf"],"values":[6,7,8]}]}]}`)
	w3c := func(types []string, cl string) dcql.Credential {
		return dcql.Credential{Format: dcql.FormatJWTVC, Types: types, Claims: claims(t, cl), HolderBinding: true}
	}
	two := `{"credentialSubject":{"hasClaim":[{"eqf":5},{"eqf":7}]}}`
	sel, err := eqf.Select([]dcql.Credential{w3c([]string{"VerifiableCredential", "EuropeanDigitalCredential"}, two)}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if got := paths(sel.Credentials["d"][0].Claims); got != `["credentialSubject","hasClaim",1,"eqf"]` {
		t.Fatalf("only the matching element is selected: %s", got)
	}
	if _, err := eqf.Select([]dcql.Credential{w3c([]string{"VerifiableCredential"}, two)}, nil); !errors.Is(err, dcql.ErrNoMatch) {
		t.Fatal("type_values ignored")
	}
	if _, err := eqf.Select([]dcql.Credential{w3c([]string{"EuropeanDigitalCredential"}, `{"credentialSubject":{"hasClaim":[{"eqf":5}]}}`)}, nil); !errors.Is(err, dcql.ErrNoMatch) {
		t.Fatal("values ignored")
	}
	// Holder binding is required by default.
	nb := w3c([]string{"EuropeanDigitalCredential"}, two)
	nb.HolderBinding = false
	if _, err := eqf.Select([]dcql.Credential{nb}, nil); !errors.Is(err, dcql.ErrNoMatch) {
		t.Fatal("a credential without holder binding matched")
	}
}

func TestTrustedAuthoritiesAKI(t *testing.T) {
	q := parse(t, `{"credentials":[{"id":"d","format":"dc+sd-jwt","meta":{"vct_values":["v"]},
	  "trusted_authorities":[{"type":"aki","values":["s9tIpPmhxdiuNkHMEWNpYim8S8Y"]}]}]}`)
	c := sdjwt(t, "v", `{}`)
	if _, err := q.Select([]dcql.Credential{c}, nil); !errors.Is(err, dcql.ErrNoMatch) {
		t.Fatal("matched without the authority")
	}
	c.AuthorityKeyIDs = []string{"other", "s9tIpPmhxdiuNkHMEWNpYim8S8Y"}
	if _, err := q.Select([]dcql.Credential{c}, nil); err != nil {
		t.Fatal(err)
	}
	// Another type the wallet cannot evaluate does not filter; the
	// verifier's check fails closed.
	etsi := parse(t, `{"credentials":[{"id":"d","format":"dc+sd-jwt","meta":{"vct_values":["v"]},
	  "trusted_authorities":[{"type":"etsi_tl","values":["https://lotl.example.com"]}]}]}`)
	plain := sdjwt(t, "v", `{}`)
	if _, err := etsi.Select([]dcql.Credential{plain}, nil); err != nil {
		t.Fatalf("wallet: %v", err)
	}
	plain.Presented = true
	if err := etsi.CheckResponse(map[string][]dcql.Credential{"d": {plain}}, nil); err == nil {
		t.Fatal("verifier accepted an authority it cannot evaluate")
	}
}

func TestCheckResponse(t *testing.T) {
	q := parse(t, `{"credentials":[{"id":"pid","format":"dc+sd-jwt","meta":{"vct_values":["v"]},
	  "claims":[{"path":["family_name"]},{"path":["address","locality"]}]}]}`)
	pres := func(cl string, disclosed ...string) dcql.Credential {
		c := sdjwt(t, "v", cl)
		c.Presented = true
		for _, d := range disclosed {
			p, err := dcql.ParsePath([]byte(d))
			if err != nil {
				t.Fatal(err)
			}
			c.Disclosed = append(c.Disclosed, p)
		}
		return c
	}
	ok := pres(`{"family_name":"D","address":{"locality":"L"},"iss":"x"}`, `["family_name"]`, `["address"]`, `["address","locality"]`)
	cases := []struct {
		name string
		p    map[string][]dcql.Credential
		want string
	}{
		{"exactly what was asked", map[string][]dcql.Credential{"pid": {ok}}, ""},
		{"a claim missing", map[string][]dcql.Credential{"pid": {pres(`{"family_name":"D"}`, `["family_name"]`)}}, `["address","locality"]`},
		{"an object whose members were all withheld", map[string][]dcql.Credential{"pid": {pres(`{"family_name":"D","address":{}}`, `["family_name"]`)}}, `["address","locality"]`},
		{"more disclosed than asked", map[string][]dcql.Credential{"pid": {pres(`{"family_name":"D","given_name":"J","address":{"locality":"L"}}`, `["family_name"]`, `["given_name"]`, `["address","locality"]`)}}, `discloses ["given_name"]`},
		{"an id not asked", map[string][]dcql.Credential{"pid": {ok}, "other": {ok}}, `"other"`},
		{"two presentations without multiple", map[string][]dcql.Credential{"pid": {ok, ok}}, "multiple"},
		{"nothing", map[string][]dcql.Credential{}, "asks for it"},
		{"no holder binding", map[string][]dcql.Credential{"pid": {func() dcql.Credential { c := ok; c.HolderBinding = false; return c }()}}, "holder-binding"},
		{"another type", map[string][]dcql.Credential{"pid": {func() dcql.Credential { c := ok; c.VCT = "w"; return c }()}}, "vct"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			err := q.CheckResponse(c.p, nil)
			if c.want == "" {
				if err != nil {
					t.Fatal(err)
				}
				return
			}
			var de *dcql.Error
			if !errors.As(err, &de) || !strings.Contains(err.Error(), c.want) {
				t.Fatalf("got %v, want %q", err, c.want)
			}
		})
	}
	t.Run("credential sets", func(t *testing.T) {
		q := specQuery(t, "credentials-alternatives.json")
		r := func(vct, cl string) dcql.Credential { c := sdjwt(t, vct, cl); c.Presented = true; return c }
		red1 := r("https://credentials.example.com/reduced_identity_credential", `{"given_name":"J","family_name":"D"}`)
		if err := q.CheckResponse(map[string][]dcql.Credential{"pid_reduced_cred_1": {red1}}, nil); err == nil || !strings.Contains(err.Error(), "credential_sets[0]") {
			t.Fatalf("half an option: %v", err)
		}
	})
}
