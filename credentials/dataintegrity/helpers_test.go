package dataintegrity

import (
	"context"
	"crypto"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	cryptoRand "crypto/rand"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/mr-tron/base58"

	"github.com/diplomat-edu/diplomat/credentials"
	"github.com/diplomat-edu/diplomat/credentials/jsonld"
	"github.com/diplomat-edu/diplomat/credentials/rdfc"
	"github.com/diplomat-edu/diplomat/internal/reftest"
)

// refCache is a jsonld.Cache holding the reference contexts, as
// `diplomat contexts import ../shared/reference/contexts` would.
type refCache map[string][]byte

func (c refCache) LookupContext(url string) ([]byte, error) {
	if b, ok := c[url]; ok {
		return b, nil
	}
	return nil, fmt.Errorf("context %s: %w", url, fs.ErrNotExist)
}

func (c refCache) PutContext(url string, data []byte) error { c[url] = data; return nil }

// referenceCache imports the reference contexts into a fresh cache.
func referenceCache(t testing.TB) refCache {
	t.Helper()
	c := refCache{}
	if _, err := jsonld.Import(reftest.Path(t, "contexts"), c); err != nil {
		t.Fatal(err)
	}
	return c
}

func referenceSuite(t testing.TB, name string) *Suite {
	t.Helper()
	s, err := New(name, Options{Contexts: jsonld.New(jsonld.Options{Cache: referenceCache(t)})})
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// keyResolver resolves did:key verification methods by decoding their
// multibase key (Ed25519, P-256, P-384). controllers maps a DID to the
// controller to report instead of the DID itself: the W3C vectors name an
// https issuer whose controller document would list the did:key keys, and
// the map plays that document.
type keyResolver struct{ controllers map[string]string }

func (r keyResolver) ResolveKey(_ context.Context, id string) (*credentials.VerificationMethod, error) {
	did, frag, _ := strings.Cut(id, "#")
	mb, ok := strings.CutPrefix(did, "did:key:")
	if !ok || !strings.HasPrefix(mb, "z") || (frag != "" && frag != mb) {
		return nil, fmt.Errorf("%w: %s", credentials.ErrUnknownKey, id)
	}
	raw, err := base58.Decode(mb[1:])
	if err != nil || len(raw) < 3 {
		return nil, fmt.Errorf("%w: %s", credentials.ErrUnknownKey, id)
	}
	var pub crypto.PublicKey
	switch {
	case raw[0] == 0xed && raw[1] == 0x01 && len(raw) == 34:
		pub = ed25519.PublicKey(raw[2:])
	case raw[0] == 0x80 && raw[1] == 0x24:
		x, y := elliptic.UnmarshalCompressed(elliptic.P256(), raw[2:])
		if x == nil {
			return nil, fmt.Errorf("%w: bad P-256 point", credentials.ErrUnknownKey)
		}
		pub = &ecdsa.PublicKey{Curve: elliptic.P256(), X: x, Y: y}
	case raw[0] == 0x81 && raw[1] == 0x24:
		x, y := elliptic.UnmarshalCompressed(elliptic.P384(), raw[2:])
		if x == nil {
			return nil, fmt.Errorf("%w: bad P-384 point", credentials.ErrUnknownKey)
		}
		pub = &ecdsa.PublicKey{Curve: elliptic.P384(), X: x, Y: y}
	default:
		return nil, fmt.Errorf("%w: unsupported multicodec in %s", credentials.ErrUnknownKey, id)
	}
	c := did
	if o, ok := r.controllers[did]; ok {
		c = o
	}
	return &credentials.VerificationMethod{ID: id, Controller: c, Key: pub}, nil
}

// issuerControls returns a resolver reporting every did:key as controlled
// by issuer.
type issuerControls string

func (i issuerControls) ResolveKey(ctx context.Context, id string) (*credentials.VerificationMethod, error) {
	vm, err := keyResolver{}.ResolveKey(ctx, id)
	if err != nil {
		return nil, err
	}
	vm.Controller = string(i)
	return vm, nil
}

// ed25519VectorKey is the vc-di-eddsa test key.
func ed25519VectorKey(t testing.TB) (ed25519.PrivateKey, string) {
	t.Helper()
	var k struct {
		SeedHex string `json:"seedHex"`
		DID     string `json:"did"`
	}
	if err := json.Unmarshal(reftest.Read(t, "vectors", "di-eddsa", "keys-jwk.json"), &k); err != nil {
		t.Fatal(err)
	}
	seed := mustHex(t, k.SeedHex)
	mb := strings.TrimPrefix(k.DID, "did:key:")
	return ed25519.NewKeyFromSeed(seed), k.DID + "#" + mb
}

// readJSON decodes a reference file into a map.
func readJSON(t testing.TB, path string) map[string]any {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var m map[string]any
	if err := json.Unmarshal(b, &m); err != nil {
		t.Fatalf("%s: %v", filepath.Base(path), err)
	}
	return m
}

func readText(t testing.TB, path string) string {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func itoa(i int) string { return fmt.Sprint(i) }

func errorsIs(err, target error) bool { return err != nil && errors.Is(err, target) }

func b64url(s string) ([]byte, error) { return base64.RawURLEncoding.DecodeString(s) }

func b58(b []byte) string { return base58.Encode(b) }

func p256Curve() elliptic.Curve { return elliptic.P256() }

func referenceLoader(t testing.TB) *jsonld.Loader {
	return jsonld.New(jsonld.Options{Cache: referenceCache(t)})
}

var (
	rdfcDefaults = rdfc.Options{}
	sha256Hash   = crypto.SHA256
)

type randReader struct{}

func (randReader) Read(p []byte) (int, error) { return cryptoRand.Read(p) }
