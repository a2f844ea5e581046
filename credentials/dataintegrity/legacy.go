package dataintegrity

// Every use of aries-framework-go in this package's production code is in
// this file: the legacy Ed25519Signature2020 suite, which VC 1.1 wallets and
// issuers still produce. Diplomat verifies it and never signs with it.

import (
	"context"
	"crypto/ed25519"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/hyperledger/aries-framework-go/pkg/doc/signature/jsonld"
	"github.com/hyperledger/aries-framework-go/pkg/doc/signature/suite"
	"github.com/hyperledger/aries-framework-go/pkg/doc/signature/suite/ed25519signature2020"
	ariesverifier "github.com/hyperledger/aries-framework-go/pkg/doc/signature/verifier"

	"github.com/diplomat-edu/diplomat/credentials"
	djsonld "github.com/diplomat-edu/diplomat/credentials/jsonld"
	"github.com/diplomat-edu/diplomat/internal/jsonx"
)

// Ed25519Signature2020 is the name of the legacy suite, as proof.type and
// Mechanism.Name give it.
const Ed25519Signature2020 = "Ed25519Signature2020"

// Legacy verifies proofs of the legacy Ed25519Signature2020 suite with
// aries-framework-go, contexts loaded through Diplomat's pinned loader. It
// implements credentials.Mechanism; Sign always fails: Diplomat issues with
// the Data Integrity cryptosuites instead.
type Legacy struct {
	// Contexts loads JSON-LD contexts. Nil: the built-in contexts only.
	Contexts *djsonld.Loader
	// Limits bound the size and nesting of documents read. The zero value
	// means the jsonx defaults.
	Limits jsonx.Limits
}

var _ credentials.Mechanism = Legacy{}

// Name returns "Ed25519Signature2020".
func (Legacy) Name() string { return Ed25519Signature2020 }

// ErrLegacySigning is returned by Legacy.Sign.
var ErrLegacySigning = errors.New("Diplomat does not sign with the legacy Ed25519Signature2020 suite; use eddsa-rdfc-2022")

// Sign returns an error wrapping credentials.ErrUnsupportedKey and
// ErrLegacySigning.
func (Legacy) Sign(context.Context, []byte, credentials.SigningKey, credentials.SignOptions) ([]byte, error) {
	return nil, fmt.Errorf("%w: %w", credentials.ErrUnsupportedKey, ErrLegacySigning)
}

// Verify checks every Ed25519Signature2020 proof of secured: the
// verification method is resolved with r and must be controlled by the
// issuer (or holder), the proof purpose must be the expected one, and
// aries checks the signature over the URDNA2015 canonical form. Challenge
// and domain, when expected, must equal the proof's.
func (l Legacy) Verify(ctx context.Context, secured []byte, r credentials.KeyResolver, opts credentials.VerifyOptions) (*credentials.Verified, error) {
	var doc map[string]any
	if err := jsonx.Decode(secured, &doc, l.Limits); err != nil {
		return nil, fmt.Errorf("%w: %w", credentials.ErrMalformed, err)
	}
	signer, err := signerOf(doc)
	if err != nil {
		return nil, err
	}
	proofs, _, err := parseProofsOf(doc["proof"], Ed25519Signature2020)
	if err != nil {
		return nil, err
	}
	purpose := opts.Purpose
	if purpose == "" {
		purpose = "assertionMethod"
	}
	var (
		keys    = map[string]ed25519.PublicKey{}
		first   *credentials.VerificationMethod
		created time.Time
	)
	for i, p := range proofs {
		path := fmt.Sprintf("proof[%d]", i)
		if p.proofPurpose != purpose {
			return nil, fmt.Errorf("%w: %s.proofPurpose is %q, expected %q", credentials.ErrInvalidProof, path, p.proofPurpose, purpose)
		}
		if opts.Challenge != "" && (p.challenge == nil || *p.challenge != opts.Challenge) {
			return nil, fmt.Errorf("%w: %s.challenge does not match the expected one", credentials.ErrInvalidProof, path)
		}
		if opts.Domain != "" && !slices.Contains(p.domain, opts.Domain) {
			return nil, fmt.Errorf("%w: %s.domain does not match the expected one", credentials.ErrInvalidProof, path)
		}
		vm, err := r.ResolveKey(ctx, p.verificationMethod)
		if err != nil {
			return nil, fmt.Errorf("%s.verificationMethod %s: %w", path, p.verificationMethod, err)
		}
		if err := signer.check(vm, p.verificationMethod, path); err != nil {
			return nil, err
		}
		pub, ok := vm.Key.(ed25519.PublicKey)
		if !ok {
			return nil, fmt.Errorf("%w: %s.verificationMethod is a %T key, Ed25519Signature2020 needs Ed25519", credentials.ErrInvalidProof, path, vm.Key)
		}
		keys[p.verificationMethod] = pub
		if first == nil {
			first = vm
			if p.created != "" {
				if created, err = parseTime(p.created, path+".created"); err != nil {
					return nil, err
				}
			}
		}
	}
	loader := l.Contexts
	if loader == nil {
		loader = djsonld.New(djsonld.Options{})
	}
	v, err := ariesverifier.New(legacyKeys(keys), ed25519signature2020.New(suite.WithVerifier(ed25519signature2020.NewPublicKeyVerifier())))
	if err != nil {
		return nil, fmt.Errorf("dataintegrity: aries verifier: %w", err)
	}
	if err := v.Verify(secured, jsonld.WithDocumentLoader(loader.Bind(ctx))); err != nil {
		var ce *djsonld.ContextError
		if errors.As(err, &ce) {
			return nil, err
		}
		return nil, fmt.Errorf("%w: Ed25519Signature2020: %v", credentials.ErrInvalidProof, err)
	}
	unsecured := make(map[string]any, len(doc))
	for k, val := range doc {
		if k != "proof" {
			unsecured[k] = val
		}
	}
	plain, err := json.Marshal(unsecured)
	if err != nil {
		return nil, err
	}
	return &credentials.Verified{
		Mechanism: Ed25519Signature2020,
		Document:  plain,
		Issuer:    signer.id,
		KeyID:     first.ID,
		Key:       first.Key,
		Signed:    created,
		Details:   map[string]string{"proofs": fmt.Sprint(len(proofs)), "suite": "Ed25519Signature2020 (legacy, verified with aries-framework-go)"},
	}, nil
}

// legacyKeys hands aries the keys already resolved and checked above.
type legacyKeys map[string]ed25519.PublicKey

func (k legacyKeys) Resolve(id string) (*ariesverifier.PublicKey, error) {
	pub, ok := k[id]
	if !ok {
		return nil, fmt.Errorf("verification method %s was not resolved", id)
	}
	return &ariesverifier.PublicKey{Type: "Ed25519VerificationKey2020", Value: pub}, nil
}
