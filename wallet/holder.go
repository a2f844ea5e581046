package wallet

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"encoding/pem"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/diplomat-edu/diplomat/credentials/did"
	"github.com/diplomat-edu/diplomat/keys"
)

// DID methods a holder key is named by.
const (
	DIDJWK = "jwk"
	DIDKey = "key"
)

// sharedKeyPrefix names the holder key a wallet reuses for credentials
// received without unlinkability: "holder-p256", "holder-ed25519".
const sharedKeyPrefix = "holder-"

// holder is a key a credential is (to be) bound to.
type holder struct {
	name   string        // the key's name in the store
	signer crypto.Signer // its private key
	kid    string        // its DID URL
	// pemKey is the PKCS #8 private key of a key made for this receipt and
	// not yet in the store; Keep imports it with the credential, so that
	// a receipt that stores nothing leaves no key behind.
	pemKey []byte
}

// ownKey reports whether key name was made for credential id alone.
func ownKey(id, name string) bool { return strings.HasPrefix(name, "c-"+id+"-") }

// kidFor returns the DID URL of a holder key under method.
func kidFor(pub crypto.PublicKey, method string) (string, error) {
	switch method {
	case DIDKey:
		d, err := did.KeyDID(pub)
		if err != nil {
			return "", err
		}
		return d + "#" + strings.TrimPrefix(d, "did:key:"), nil
	case DIDJWK, "":
		d, err := did.JWKDID(pub)
		if err != nil {
			return "", err
		}
		return d + "#0", nil
	}
	return "", fmt.Errorf("DID method %q: use jwk or key", method)
}

// generate makes a new key of typ in memory.
func generate(typ keys.KeyType) (crypto.Signer, error) {
	switch typ {
	case keys.P256:
		return ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	case keys.Ed25519:
		_, k, err := ed25519.GenerateKey(rand.Reader)
		return k, err
	}
	return nil, fmt.Errorf("holder key type %q: use p256 or ed25519", typ)
}

// newHolder makes a holder key in memory, to be stored under name by Keep.
func newHolder(name string, typ keys.KeyType, method string) (*holder, error) {
	k, err := generate(typ)
	if err != nil {
		return nil, err
	}
	der, err := x509.MarshalPKCS8PrivateKey(k)
	if err != nil {
		return nil, err
	}
	kid, err := kidFor(k.Public(), method)
	if err != nil {
		return nil, err
	}
	return &holder{name: name, signer: k, kid: kid, pemKey: pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: der})}, nil
}

// sharedHolder returns the wallet's reusable holder key of typ, from the
// store or, the first time, made in memory.
func (w *Wallet) sharedHolder(typ keys.KeyType, method string) (*holder, error) {
	defer w.timing.storeSince(time.Now())
	name := sharedKeyPrefix + string(typ)
	s, err := w.store.Signer(name)
	switch {
	case errors.Is(err, keys.ErrNotFound):
		return newHolder(name, typ, method)
	case err != nil:
		return nil, err
	}
	kid, err := kidFor(s.Public(), method)
	if err != nil {
		return nil, err
	}
	return &holder{name: name, signer: s, kid: kid}, nil
}

// signer returns the signer of a stored copy's holder key.
func (w *Wallet) signer(cp Copy) (crypto.Signer, error) {
	defer w.timing.storeSince(time.Now())
	if cp.HolderKey == "" {
		return nil, nil
	}
	s, err := w.store.Signer(cp.HolderKey)
	if err != nil {
		return nil, fmt.Errorf("the holder key %s: %w", cp.HolderKey, err)
	}
	return s, nil
}

// storeKey imports a key made in memory into the store (a no-op for a key
// already there). A shared key another receipt stored meanwhile is taken
// as it is when it is the same key.
func (w *Wallet) storeKey(h *holder) error {
	defer w.timing.storeSince(time.Now())
	if h.pemKey == nil {
		return nil
	}
	_, err := w.store.ImportKey(h.name, keys.Authentication, h.pemKey)
	if err != nil {
		return fmt.Errorf("storing the holder key %s: %w", h.name, err)
	}
	clear(h.pemKey)
	h.pemKey = nil
	return nil
}

// holderOf finds the stored key a credential is bound to: the key whose
// did:jwk or did:key is one of dids, or whose public key is cnf.
func (w *Wallet) holderOf(dids []string, cnf crypto.PublicKey) (name, kid string, err error) {
	ks, err := w.store.Keys()
	if err != nil {
		return "", "", err
	}
	for _, k := range ks {
		if k.State != keys.Active || len(k.Chain) > 0 {
			continue
		}
		if cnf != nil {
			if eq, ok := k.Public.(interface{ Equal(crypto.PublicKey) bool }); ok && eq.Equal(cnf) {
				kid, err := kidFor(k.Public, DIDJWK)
				return k.Name, kid, err
			}
		}
		for _, m := range []string{DIDJWK, DIDKey} {
			kid, err := kidFor(k.Public, m)
			if err != nil {
				continue
			}
			d, _, _ := strings.Cut(kid, "#")
			for _, want := range dids {
				if want == d {
					return k.Name, kid, nil
				}
			}
		}
	}
	return "", "", nil
}
