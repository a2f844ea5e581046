package keys

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/diplomat-edu/diplomat/credentials/did"
)

const trustFile = `{"entries": [
  {"did": "did:web:registrar.uni-exemple.fr", "name": "Université Exemple", "country": "FR",
   "scope": {"credentialTypes": ["VerifiableDiploma"], "profiles": ["w3c", "edc"], "maxEqfLevel": 8, "iscedFields": ["0421", "05"]},
   "notBefore": "2024-01-01T00:00:00Z", "notAfter": "2030-01-01T00:00:00Z"},
  {"jwkThumbprint": "NzbLsXh8uDCcd-6MNwXF4W_7noWXFZAfHkxZsRGC9Xs", "name": "Hochschule Beispiel", "country": "DE",
   "scope": {"maxEqfLevel": 7}}
]}`

func TestImportTrustWithOneInvalidEntryImportsNothing(t *testing.T) {
	for _, tc := range []struct {
		name, replace, with string
		index               int
		field               string
	}{
		{"bad country", `"country": "DE"`, `"country": "XX"`, 1, "country"},
		{"lower-case country", `"country": "DE"`, `"country": "de"`, 1, "country"},
		{"EQF out of range", `"maxEqfLevel": 7`, `"maxEqfLevel": 9`, 1, "scope.maxEqfLevel"},
		{"bad ISCED-F code", `"05"]`, `"5"]`, 0, "scope.iscedFields[1]"},
		{"unknown profile", `"edc"]`, `"x"]`, 0, "scope.profiles[1]"},
		{"missing name", `"name": "Hochschule Beispiel", `, ``, 1, "name"},
		{"bad thumbprint", `NzbLsXh8uDCcd-6MNwXF4W_7noWXFZAfHkxZsRGC9Xs`, `abc`, 1, "jwkThumbprint"},
		{"DID with fragment", `registrar.uni-exemple.fr"`, `registrar.uni-exemple.fr#k1"`, 0, "did"},
		{"two identifiers", `"jwkThumbprint"`, `"did": "did:web:x.example", "jwkThumbprint"`, 1, "did"},
		{"window reversed", `"2030-01-01T00:00:00Z"`, `"2020-01-01T00:00:00Z"`, 0, "notAfter"},
		{"unknown member", `"country": "DE"`, `"country": "DE", "trusted": true`, 1, "trusted"},
		{"wrong type", `"maxEqfLevel": 7`, `"maxEqfLevel": "7"`, 1, "scope.maxEqfLevel"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s, _ := unlockedStore(t)
			in := strings.Replace(trustFile, tc.replace, tc.with, 1)
			if in == trustFile {
				t.Fatal("the test case does not change the file")
			}
			n, err := s.ImportTrust([]byte(in), "accredited.json")
			var te *TrustEntryError
			if !errors.As(err, &te) || !errors.Is(err, ErrInvalid) {
				t.Fatalf("ImportTrust = %d, %v; want a TrustEntryError", n, err)
			}
			if te.Index != tc.index || te.Field != tc.field {
				t.Fatalf("error names entry %d field %q, want entry %d field %q (%v)", te.Index, te.Field, tc.index, tc.field, err)
			}
			if !strings.Contains(err.Error(), "entry "+string(rune('0'+tc.index))) || !strings.Contains(err.Error(), tc.field) {
				t.Fatalf("message %q does not name the entry and field", err)
			}
			if es, _ := s.TrustEntries(); len(es) != 0 || n != 0 {
				t.Fatalf("%d entries stored after a failed import", len(es))
			}
		})
	}
}

func TestImportTrustThenLookupAndExport(t *testing.T) {
	s, _ := unlockedStore(t)
	n, err := s.ImportTrust([]byte(trustFile), "accredited.json")
	if err != nil || n != 2 {
		t.Fatalf("ImportTrust = %d, %v", n, err)
	}
	e, err := s.LookupTrust("did:web:registrar.uni-exemple.fr#key-1")
	if err != nil || e.Name != "Université Exemple" || e.Source != "accredited.json" || e.Scope.MaxEQFLevel != 8 || e.Added.IsZero() {
		t.Fatalf("LookupTrust(DID URL) = %+v, %v", e, err)
	}
	if !e.ValidAt(time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)) || e.ValidAt(time.Date(2031, 1, 1, 0, 0, 0, 0, time.UTC)) {
		t.Fatal("ValidAt ignores the window")
	}
	e2, err := s.LookupTrust("NzbLsXh8uDCcd-6MNwXF4W_7noWXFZAfHkxZsRGC9Xs")
	if err != nil || e2.ID != ThumbprintURN+"NzbLsXh8uDCcd-6MNwXF4W_7noWXFZAfHkxZsRGC9Xs" {
		t.Fatalf("LookupTrust(thumbprint) = %+v, %v", e2, err)
	}
	if _, err := s.LookupTrust("did:web:unknown.example"); !errors.Is(err, ErrNotFound) {
		t.Fatalf("unknown DID = %v, want ErrNotFound", err)
	}
	out, err := s.ExportTrust()
	if err != nil {
		t.Fatal(err)
	}
	s2, _ := unlockedStore(t)
	if n, err := s2.ImportTrust(out, "export.json"); err != nil || n != 2 {
		t.Fatalf("re-importing the export = %d, %v", n, err)
	}
	if err := s.RemoveTrust(e.ID); err != nil {
		t.Fatal(err)
	}
	if _, err := s.TrustEntry(e.ID); !errors.Is(err, ErrNotFound) {
		t.Fatalf("entry still there after RemoveTrust: %v", err)
	}
}

func TestAddTrustAndLookupByKeyAndCertificate(t *testing.T) {
	s, _ := unlockedStore(t)
	k, _ := s.Create("issuer", Ed25519, Assertion)
	tp, _ := did.Thumbprint(k.Public)
	if _, err := s.AddTrust(TrustEntry{JWKThumbprint: tp, Name: "Self", Country: "BE"}); err != nil {
		t.Fatal(err)
	}
	if e, err := s.LookupTrustKey(k.Public); err != nil || e.Source != SourceManual {
		t.Fatalf("LookupTrustKey = %+v, %v", e, err)
	}
	if _, err := s.AddTrust(TrustEntry{JWKThumbprint: tp, Name: "Again", Country: "BE"}); !errors.Is(err, ErrExists) {
		t.Fatalf("adding the same identifier twice = %v, want ErrExists", err)
	}
	caKey := newP256(t)
	ca := issue(t, "QTSP CA", caKey.Public(), nil, caKey, true)
	leafKey := newP256(t)
	leaf := issue(t, "Seal", leafKey.Public(), ca, caKey, false)
	otherKey := newP256(t)
	other := issue(t, "Other", otherKey.Public(), nil, otherKey, false)
	if _, err := s.AddTrust(TrustEntry{Certificate: string(certPEM(ca)), Name: "QTSP", Country: "FR"}); err != nil {
		t.Fatal(err)
	}
	e, err := s.LookupTrustCertificate(leaf, ca)
	if err != nil || e.Name != "QTSP" {
		t.Fatalf("lookup by issuing CA = %+v, %v", e, err)
	}
	if e, err := s.LookupTrustCertificate(leaf); err != nil || e.Name != "QTSP" {
		t.Fatalf("lookup of the leaf alone by its issuer = %+v, %v", e, err)
	}
	if _, err := s.LookupTrustCertificate(other); !errors.Is(err, ErrNotFound) {
		t.Fatalf("unrelated certificate = %v, want ErrNotFound", err)
	}
	if _, err := s.AddTrust(TrustEntry{Certificate: string(certPEM(other)), Name: "Exact", Country: "FR"}); err != nil {
		t.Fatal(err)
	}
	if e, err := s.LookupTrustCertificate(other); err != nil || e.Name != "Exact" {
		t.Fatalf("exact certificate = %+v, %v", e, err)
	}
	if _, err := s.AddTrust(TrustEntry{Certificate: "-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n", Name: "x", Country: "FR"}); !errors.Is(err, ErrInvalid) {
		t.Fatalf("bad PEM = %v, want ErrInvalid", err)
	}
}

func TestIsCountryUsesTheOfficialList(t *testing.T) {
	for code, want := range map[string]bool{"FR": true, "DE": true, "GR": true, "AX": true, "ZW": true,
		"EU": false, "UK": false, "EL": false, "XK": false, "fr": false, "F": false, "FRA": false, "": false} {
		if got := IsCountry(code); got != want {
			t.Errorf("IsCountry(%q) = %v, want %v", code, got, want)
		}
	}
	if len(countries) != 249 {
		t.Fatalf("%d country codes, ISO 3166-1 assigns 249", len(countries))
	}
}
