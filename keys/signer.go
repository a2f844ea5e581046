package keys

import (
	"bytes"
	"crypto"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"encoding/pem"
	"fmt"
	"io"
	"sync/atomic"

	"github.com/diplomat-edu/diplomat/credentials/did"
	"github.com/diplomat-edu/diplomat/internal/jsonx"
)

// signer is the crypto.Signer the store hands out: the decrypted private key
// behind two flags that Destroy and Lock set.
type signer struct {
	name      string
	pub       crypto.PublicKey
	priv      crypto.Signer
	destroyed atomic.Bool
	locked    atomic.Bool
}

func (g *signer) Public() crypto.PublicKey { return g.pub }

// Sign signs with the private key, exactly as the key type's own Sign does
// (Ed25519 signs the message itself, with opts crypto.Hash(0); ECDSA and RSA
// sign a digest). It fails with ErrDestroyed once the key is destroyed and
// ErrLocked once the store is locked or closed.
func (g *signer) Sign(r io.Reader, digest []byte, opts crypto.SignerOpts) ([]byte, error) {
	if g.destroyed.Load() {
		return nil, fmt.Errorf("keys: cannot sign with %q: %w", g.name, ErrDestroyed)
	}
	if g.locked.Load() {
		return nil, fmt.Errorf("keys: cannot sign with %q: %w", g.name, ErrLocked)
	}
	return g.priv.Sign(r, digest, opts)
}

// Signer returns a crypto.Signer for the active version of the key named
// name. The private key is decrypted once and cached: later calls and every
// signature cost no decryption. It returns an error wrapping ErrNotFound for
// an unknown name, ErrDestroyed if the key was destroyed, ErrLocked before
// Unlock, and ErrCorrupt if the sealed key does not open under its own id
// (tampered with, or moved from another record). The signer's Sign fails
// with ErrDestroyed after Destroy and ErrLocked after Lock or Close.
func (s *Store) Signer(name string) (crypto.Signer, error) {
	var r *keyRecord
	if err := s.view(func(tx Tx) error {
		var err error
		r, err = current(tx, name)
		return err
	}); err != nil {
		return nil, err
	}
	switch r.State {
	case Destroyed:
		return nil, fmt.Errorf("keys: key %q was destroyed on %s: %w", name, r.Destroyed.Format("2006-01-02"), ErrDestroyed)
	case Retired:
		return nil, fmt.Errorf("keys: key %q has no active version: %w", name, ErrInvalid)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if sg := s.signers[r.ID]; sg != nil {
		return sg, nil
	}
	master, err := s.masterKey()
	if err != nil {
		return nil, err
	}
	priv, err := openRecord(master, r)
	if err != nil {
		return nil, err
	}
	sg := &signer{name: name, pub: priv.Public(), priv: priv}
	s.signers[r.ID] = sg
	return sg, nil
}

// openRecord decrypts a record's private key and checks it against the
// record's public key.
func openRecord(master []byte, r *keyRecord) (crypto.Signer, error) {
	der, err := open(master, r.Sealed, []byte(r.ID))
	if err != nil {
		return nil, fmt.Errorf("keys: the private key of %q (%s) does not open under its id: %w", r.Name, r.ID, ErrCorrupt)
	}
	defer wipe(der)
	k, err := x509.ParsePKCS8PrivateKey(der)
	if err != nil {
		return nil, fmt.Errorf("keys: the private key of %q: %w", r.Name, ErrCorrupt)
	}
	priv, ok := k.(crypto.Signer)
	if !ok {
		return nil, fmt.Errorf("keys: the private key of %q: %w", r.Name, ErrCorrupt)
	}
	pub, err := x509.MarshalPKIXPublicKey(priv.Public())
	if err != nil || !bytes.Equal(pub, r.Public) {
		return nil, fmt.Errorf("keys: the private key of %q does not match its public key: %w", r.Name, ErrCorrupt)
	}
	return priv, nil
}

// ImportKey stores an existing private key under a new name for purpose,
// sealed like a created key. data is a private JWK (kty OKP with crv
// Ed25519, or kty EC with crv P-256 or P-384, with "d") or a PEM block
// "PRIVATE KEY" (PKCS #8) or "EC PRIVATE KEY" (SEC 1). RSA keys are refused
// here (import them with their certificate as an eSeal). It needs the store
// unlocked. The caller keeps ownership of data and may wipe it afterwards.
func (s *Store) ImportKey(name string, purpose Purpose, data []byte) (*Key, error) {
	if err := checkName(name); err != nil {
		return nil, err
	}
	if err := checkPurpose(purpose); err != nil {
		return nil, err
	}
	var (
		priv crypto.Signer
		err  error
	)
	if t := bytes.TrimSpace(data); len(t) > 0 && t[0] == '{' {
		priv, err = parsePrivateJWK(t)
	} else {
		priv, err = parsePrivatePEM(data)
	}
	if err != nil {
		return nil, err
	}
	typ, err := typeOf(priv.Public())
	if err != nil {
		return nil, err
	}
	if typ == RSA {
		return nil, fmt.Errorf("keys: RSA keys are only stored as eSeals, with their certificate: %w", ErrInvalid)
	}
	r, err := s.sealNew(priv, name, purpose)
	if err != nil {
		return nil, err
	}
	r.Imported = true
	return s.insert(r, "keys.import", string(typ))
}

func parsePrivatePEM(data []byte) (crypto.Signer, error) {
	block, rest := pem.Decode(data)
	if block == nil {
		return nil, fmt.Errorf("keys: key file is neither a JWK nor PEM: %w", ErrInvalid)
	}
	if len(bytes.TrimSpace(rest)) > 0 {
		return nil, fmt.Errorf("keys: key file holds more than one PEM block: %w", ErrInvalid)
	}
	var (
		k   any
		err error
	)
	switch block.Type {
	case "PRIVATE KEY":
		k, err = x509.ParsePKCS8PrivateKey(block.Bytes)
	case "EC PRIVATE KEY":
		k, err = x509.ParseECPrivateKey(block.Bytes)
	case "ENCRYPTED PRIVATE KEY":
		return nil, fmt.Errorf("keys: encrypted PEM keys are not supported: decrypt it first (openssl pkcs8 -in KEY -out PLAIN.pem): %w", ErrInvalid)
	default:
		return nil, fmt.Errorf("keys: PEM block %q is not a private key (want PRIVATE KEY or EC PRIVATE KEY): %w", block.Type, ErrInvalid)
	}
	if err != nil {
		return nil, fmt.Errorf("keys: PEM %s does not parse: %w", block.Type, ErrInvalid)
	}
	priv, ok := k.(crypto.Signer)
	if !ok {
		return nil, fmt.Errorf("keys: PEM key of type %T cannot sign: %w", k, ErrInvalid)
	}
	return priv, nil
}

// privateJWK is a JWK with its private member.
// privateJWK is a private JWK: the public members as did.JWK reads them
// (by exact name), and "d". It is read in two passes because did.JWK has
// its own UnmarshalJSON, which an embedding struct would inherit.
type privateJWK struct {
	did.JWK
	D string
}

func parsePrivateJWK(data []byte) (crypto.Signer, error) {
	var j privateJWK
	lim := jsonx.Limits{MaxBytes: 64 << 10, MaxDepth: 4}
	if err := jsonx.Decode(data, &j.JWK, lim); err != nil {
		return nil, fmt.Errorf("keys: JWK: %w: %w", ErrInvalid, err)
	}
	var members map[string]json.RawMessage
	if err := jsonx.Decode(data, &members, lim); err != nil {
		return nil, fmt.Errorf("keys: JWK: %w: %w", ErrInvalid, err)
	}
	if raw, ok := members["d"]; ok {
		if err := json.Unmarshal(raw, &j.D); err != nil {
			return nil, fmt.Errorf("keys: JWK private member \"d\" is not a string: %w", ErrInvalid)
		}
	}
	pub, err := j.JWK.PublicKey()
	if err != nil {
		return nil, fmt.Errorf("keys: JWK: %w: %w", ErrInvalid, err)
	}
	d, err := base64.RawURLEncoding.Strict().DecodeString(j.D)
	if err != nil || len(d) == 0 {
		return nil, fmt.Errorf("keys: JWK has no private member \"d\" in base64url: %w", ErrInvalid)
	}
	defer wipe(d)
	var priv crypto.Signer
	switch p := pub.(type) {
	case ed25519.PublicKey:
		if len(d) != ed25519.SeedSize {
			return nil, fmt.Errorf("keys: JWK \"d\" is not a 32-byte Ed25519 seed: %w", ErrInvalid)
		}
		priv = ed25519.NewKeyFromSeed(d)
	case *ecdsa.PublicKey:
		if len(d) != (p.Curve.Params().BitSize+7)/8 {
			return nil, fmt.Errorf("keys: JWK \"d\" has the wrong length for %s: %w", j.Crv, ErrInvalid)
		}
		ek, err := ecdsa.ParseRawPrivateKey(p.Curve, d)
		if err != nil {
			return nil, fmt.Errorf("keys: JWK \"d\" is not a valid %s scalar: %w", j.Crv, ErrInvalid)
		}
		priv = ek
	default:
		return nil, fmt.Errorf("keys: JWK kty %q cannot be imported as a DID key: %w", j.Kty, ErrInvalid)
	}
	if !priv.Public().(interface{ Equal(crypto.PublicKey) bool }).Equal(pub) {
		return nil, fmt.Errorf("keys: JWK private member \"d\" does not match its public members: %w", ErrInvalid)
	}
	return priv, nil
}
