package elm

import (
	"errors"
	"reflect"
	"testing"

	"github.com/diplomat-edu/diplomat/credentials"
	"github.com/diplomat-edu/diplomat/internal/jsonx"
)

// sameAsBytes fails unless ParseTree and CheckDeclaredTree on the decoded
// tree of data give what Parse and CheckDeclared give on data: the tree is
// what ToTree writes again, so checking it is checking the credential.
func sameAsBytes(t *testing.T, data []byte) {
	t.Helper()
	v, err := jsonx.DecodeAny(data, jsonx.Limits{MaxDepth: 1000})
	tree, _ := v.(map[string]any)
	if err != nil || tree == nil {
		return
	}
	c, err := ParseTree(tree)
	if err != nil {
		t.Fatalf("ParseTree: %v", err)
	}
	if !reflect.DeepEqual(ToTree(c), tree) {
		t.Fatalf("ToTree(ParseTree(tree)) differs from tree for %s", data)
	}
	for _, opts := range []*Options{nil, {BeforeSealing: true}} {
		want, wantErr := CheckDeclared(c, opts)
		got, gotErr := CheckDeclaredTree(c, tree, opts)
		if !reflect.DeepEqual(got, want) || (gotErr == nil) != (wantErr == nil) {
			t.Fatalf("CheckDeclaredTree = %v, %v; CheckDeclared = %v, %v", got, gotErr, want, wantErr)
		}
	}
}

func TestParseTreeAndCheckDeclaredTreeAgreeWithBytesOnEverySample(t *testing.T) {
	for _, s := range roundTripSamples(t) {
		t.Run(s.name, func(t *testing.T) {
			data := readSample(t, s)
			sameAsBytes(t, data)
			tree, err := jsonx.DecodeAny(data, jsonx.Limits{})
			if err != nil {
				t.Fatal(err)
			}
			c, err := ParseTree(tree.(map[string]any))
			if err != nil {
				t.Fatal(err)
			}
			if got, want := Summarise(c), Summarise(mustParse(t, data)); !reflect.DeepEqual(got, want) {
				t.Fatalf("Summarise = %+v, want %+v", got, want)
			}
		})
	}
}

func TestParseTreeRefusesNil(t *testing.T) {
	if c, err := ParseTree(nil); c != nil || !errors.Is(err, credentials.ErrMalformed) {
		t.Fatalf("ParseTree(nil) = %v, %v, want ErrMalformed", c, err)
	}
}

// FuzzParseTree checks on arbitrary JSON that the tree ParseTree reads is
// what ToTree writes again, and that CheckDeclaredTree agrees with
// CheckDeclared.
func FuzzParseTree(f *testing.F) {
	f.Add([]byte(`{}`))
	f.Add([]byte(`{"type":"EuropeanDigitalCredential","credentialSubject":{"hasClaim":[{"type":"LearningAchievement","title":{"en":["a"]}}]}}`))
	f.Add([]byte(`{"issuer":"urn:x","credentialSubject":{"id":"","hasClaim":"urn:c"},"displayParameter":{"individualDisplay":{"displayDetail":{"page":1e400}}}}`))
	f.Add([]byte(`{"title":{"en":1},"validFrom":7,"type":[],"credentialProfiles":[{"id":"x"}],"credentialSchema":{"type":"ShaclValidator2017","id":""}}`))
	f.Add([]byte(`{"type":["EuropeanDigitalCredential"],"issuer":{"id":"urn:o","legalName":{"en":[]},"location":null,"x":[false,0,""]}}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		sameAsBytes(t, data)
	})
}
