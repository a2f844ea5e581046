package issuer

import (
	"context"
	"errors"
	"path/filepath"
	"strings"
	"testing"

	"github.com/diplomat-edu/diplomat/keys"
)

// keyChoiceStore is a registrar's store as it often looks: a key made for
// ebsi whose name sorts first, the registrar's Ed25519 key, and a P-256 key
// whose eSeal certificate was requested (keys csr) but not yet attached.
func keyChoiceStore(t *testing.T) *keys.Store {
	t.Helper()
	s, err := keys.Open(filepath.Join(t.TempDir(), keys.DefaultFile), &keys.Options{KDF: cheapKDF})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	if err := s.Unlock([]byte(testPassphrase)); err != nil {
		t.Fatal(err)
	}
	for _, k := range []struct {
		name string
		typ  keys.KeyType
	}{{"a-ebsi", keys.P256}, {"registrar", keys.Ed25519}, {"0-seal", keys.P256}} {
		if _, err := s.Create(k.name, k.typ, keys.Assertion); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := s.CSR("0-seal", keys.SealSubject{CommonName: "Exemple diplomas", Organization: "Université Exemple",
		Country: "FR", OrganizationIdentifier: "VATFR-12345678901"}); err != nil {
		t.Fatal(err)
	}
	if err := SaveConfig(s, testConfig()); err != nil {
		t.Fatal(err)
	}
	return s
}

func TestChooseKeysPrefersTheRightTypeAndNeverAKeyAwaitingItsCertificate(t *testing.T) {
	s := keyChoiceStore(t)
	got, err := ChooseKeys(s)
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]string{EBSI: "a-ebsi", W3C: "registrar", EUDI: "registrar"}
	for prof, name := range want {
		if got[prof] != name {
			t.Errorf("profile %s: chose %q, want %q (all: %v)", prof, got[prof], name, got)
		}
	}
	if k, ok := got[EDC]; ok {
		t.Errorf("edc: chose %q, but no key has a certificate", k)
	}
}

func TestIssueSignsWithTheKeyRecordedForTheProfile(t *testing.T) {
	s := keyChoiceStore(t)
	tm := builtin(t, "diploma")
	ex, _ := tm.Example()
	ctx := context.Background()

	// Nothing recorded: w3c takes the Ed25519 key, not the first by name.
	out, err := newTestIssuer(t, s).Issue(ctx, tm, ex, Profile{Name: W3C})
	if err != nil {
		t.Fatal(err)
	}
	if out.Entry.KeyName != "registrar" || out.Entry.Issuer == "" || !strings.HasPrefix(out.Entry.VerificationMethod, out.Entry.Issuer+"#") {
		t.Errorf("w3c signed with %q as %q (%s), want registrar", out.Entry.KeyName, out.Entry.Issuer, out.Entry.VerificationMethod)
	}

	// Recorded: the recorded key signs, whatever the preference.
	cfg := testConfig()
	cfg.Keys = map[string]string{W3C: "a-ebsi", EBSI: "0-seal"}
	if err := SaveConfig(s, cfg); err != nil {
		t.Fatal(err)
	}
	iss := newTestIssuer(t, s)
	out, err = iss.Issue(ctx, tm, otherRow(ex, 1), Profile{Name: W3C})
	if err != nil {
		t.Fatal(err)
	}
	if out.Entry.KeyName != "a-ebsi" {
		t.Errorf("w3c signed with %q, want the recorded a-ebsi", out.Entry.KeyName)
	}
	// A recorded key that awaits its certificate is refused, saying why.
	_, err = iss.Issue(ctx, tm, otherRow(ex, 2), Profile{Name: EBSI})
	if !errors.Is(err, ErrNoKey) || !strings.Contains(err.Error(), "awaiting the certificate") || !strings.Contains(err.Error(), "recorded for profile ebsi") {
		t.Errorf("ebsi with the recorded key awaiting its certificate: %v", err)
	}
	// So is one named explicitly.
	_, err = iss.Issue(ctx, tm, otherRow(ex, 3), Profile{Name: EBSI, Key: "0-seal"})
	if !errors.Is(err, ErrNoKey) || !strings.Contains(err.Error(), "awaiting the certificate") {
		t.Errorf("ebsi with --key of a key awaiting its certificate: %v", err)
	}
	if err := CheckKey(s, EBSI, "0-seal"); err == nil {
		t.Error("CheckKey accepts a key awaiting its certificate")
	}
	if err := CheckKey(s, EBSI, "a-ebsi"); err != nil {
		t.Errorf("CheckKey(ebsi, a-ebsi) = %v", err)
	}

	// A configuration naming an unknown profile is refused.
	cfg.Keys = map[string]string{"pdf": "registrar"}
	if err := SaveConfig(s, cfg); !errors.Is(err, ErrInvalidConfig) {
		t.Errorf("SaveConfig with keys.pdf = %v, want ErrInvalidConfig", err)
	}
}
