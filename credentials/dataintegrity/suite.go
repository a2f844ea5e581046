package dataintegrity

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/diplomat-edu/diplomat/credentials"
	"github.com/diplomat-edu/diplomat/credentials/jsonld"
	"github.com/diplomat-edu/diplomat/credentials/jsonld/ldproc"
	"github.com/diplomat-edu/diplomat/credentials/rdfc"
	"github.com/diplomat-edu/diplomat/internal/jsonx"
)

// The cryptosuites this package implements.
const (
	EdDSARDFC2022 = "eddsa-rdfc-2022"
	ECDSARDFC2019 = "ecdsa-rdfc-2019"
	// The JCS cryptosuites sign the JSON itself (RFC 8785): no JSON-LD
	// processing, no contexts to load.
	EdDSAJCS2022 = "eddsa-jcs-2022"
	ECDSAJCS2019 = "ecdsa-jcs-2019"
	// ECDSASD2023 is selective disclosure with ECDSA (sd.go).
	ECDSASD2023 = "ecdsa-sd-2023"
)

// Cryptosuites lists the cryptosuites Sign makes and Verify checks, in the
// order docs/data-integrity.md gives them.
func Cryptosuites() []string {
	return []string{EdDSARDFC2022, ECDSARDFC2019, EdDSAJCS2022, ECDSAJCS2019, ECDSASD2023}
}

func supported(cryptosuite string) bool { return slices.Contains(Cryptosuites(), cryptosuite) }

// isJCS reports whether cryptosuite canonicalises with JCS.
func isJCS(cryptosuite string) bool {
	return cryptosuite == EdDSAJCS2022 || cryptosuite == ECDSAJCS2019
}

// ProofType is the proof type of every proof this package makes and checks.
const ProofType = "DataIntegrityProof"

// ContextV2 is the Data Integrity context Sign adds to a document whose
// @context defines neither it nor VC 2.0 (a VC 1.1 credential, for instance).
const ContextV2 = "https://w3id.org/security/data-integrity/v2"

const credentialsV2 = "https://www.w3.org/ns/credentials/v2"

// ErrUnsupported is wrapped (together with credentials.ErrMalformed) by
// errors for a proof type or cryptosuite this package does not implement.
var ErrUnsupported = errors.New("unsupported proof")

// Options configure a Suite. The zero value canonicalises with ldproc,
// loads only the contexts built into the binary and refuses inline
// contexts.
type Options struct {
	// Contexts loads JSON-LD contexts. Nil: jsonld.New(jsonld.Options{}),
	// the built-in contexts only (enough for VC 1.1, not for VC 2.0 or
	// edc-ap, which come from the store's context cache).
	Contexts *jsonld.Loader
	// Engine is the JSON-LD processor: EngineLDProc (the zero value) or
	// EngineJSONGold, the reference. Ignored when Canonicalizer is set.
	Engine string
	// Canonicalizer produces RDFC-1.0 N-Quads. Nil: the Engine's, over
	// Contexts and Work.
	Canonicalizer Canonicalizer
	// Work bounds the canonicalisation of hard graphs (rdfc.Options: work
	// per quad, minimum work, timeout). The zero value means rdfc's
	// defaults, ample for any credential.
	Work rdfc.Options
	// AllowInlineContexts accepts @context values that are objects
	// (contexts written into the document rather than named by a pinned
	// URL). False, the zero value: refused with an error wrapping
	// ErrInlineContext, since an inline context can make the JSON a
	// person reads say something else than the RDF that was signed.
	AllowInlineContexts bool
	// MandatoryPointers are the JSON pointers (RFC 6901) of what every
	// proof derived from an ecdsa-sd-2023 base proof discloses. Empty:
	// DefaultMandatoryPointers. Other cryptosuites ignore it.
	MandatoryPointers []string
	// Limits bound the size and nesting of documents read. The zero value
	// means the jsonx defaults (8 MiB, 64 levels).
	Limits jsonx.Limits
}

// Suite is one RDFC cryptosuite as a credentials.Mechanism. Sign makes
// proofs of its cryptosuite; Verify checks proofs of every cryptosuite this
// package implements, since a proof set may mix them. It is safe for
// concurrent use.
type Suite struct {
	name      string
	canon     Canonicalizer
	limits    jsonx.Limits
	inline    bool
	work      rdfc.Options
	mandatory []string
	sdProc    *ldproc.Processor // for ecdsa-sd-2023 when canon is not LDProc
}

var _ credentials.Mechanism = (*Suite)(nil)

// New returns the Suite for cryptosuite (one of Cryptosuites). Any other
// name returns an error wrapping ErrUnsupported.
func New(cryptosuite string, opts Options) (*Suite, error) {
	if !supported(cryptosuite) {
		return nil, fmt.Errorf("%w: cryptosuite %q (supported: %s)", ErrUnsupported, cryptosuite, strings.Join(Cryptosuites(), ", "))
	}
	c, err := opts.canonicalizer()
	if err != nil {
		return nil, err
	}
	for _, p := range opts.MandatoryPointers {
		if _, err := parsePointer(p); err != nil {
			return nil, err
		}
	}
	s := &Suite{name: cryptosuite, canon: c, limits: opts.Limits, inline: opts.AllowInlineContexts, work: opts.Work, mandatory: slices.Clone(opts.MandatoryPointers)}
	if _, ok := c.(*LDProc); !ok {
		l := opts.Contexts
		if l == nil {
			l = jsonld.New(jsonld.Options{})
		}
		s.sdProc = ldproc.New(l)
	}
	return s, nil
}

func (opts Options) canonicalizer() (Canonicalizer, error) {
	if opts.Canonicalizer != nil {
		return opts.Canonicalizer, nil
	}
	l := opts.Contexts
	if l == nil {
		l = jsonld.New(jsonld.Options{})
	}
	switch opts.Engine {
	case "", EngineLDProc:
		return NewLDProc(l, opts.Work), nil
	case EngineJSONGold:
		return RDFC{Loader: l, Work: opts.Work}, nil
	}
	return nil, fmt.Errorf("%w: JSON-LD engine %q (supported: %s, %s)", ErrUnsupported, opts.Engine, EngineLDProc, EngineJSONGold)
}

// Name returns the cryptosuite, as New was given it.
func (s *Suite) Name() string { return s.name }

// algorithm is what a cryptosuite does with a given key.
type algorithm struct {
	hash    crypto.Hash // for both canonical forms
	sigSize int
}

// algorithmFor returns the algorithm cryptosuite uses with pub, or an error
// wrapping credentials.ErrUnsupportedKey.
func algorithmFor(cryptosuite string, pub crypto.PublicKey) (algorithm, error) {
	switch cryptosuite {
	case EdDSARDFC2022, EdDSAJCS2022:
		if k, ok := pub.(ed25519.PublicKey); ok && len(k) == ed25519.PublicKeySize {
			return algorithm{hash: crypto.SHA256, sigSize: ed25519.SignatureSize}, nil
		}
		return algorithm{}, fmt.Errorf("%w: %s needs an Ed25519 key, not %s", credentials.ErrUnsupportedKey, cryptosuite, keyKind(pub))
	case ECDSASD2023:
		if k, ok := pub.(*ecdsa.PublicKey); ok && k.Curve == elliptic.P256() {
			return algorithm{hash: crypto.SHA256, sigSize: 64}, nil
		}
		return algorithm{}, fmt.Errorf("%w: %s needs a P-256 key, not %s", credentials.ErrUnsupportedKey, cryptosuite, keyKind(pub))
	case ECDSARDFC2019, ECDSAJCS2019:
		if k, ok := pub.(*ecdsa.PublicKey); ok {
			switch k.Curve {
			case elliptic.P256():
				return algorithm{hash: crypto.SHA256, sigSize: 64}, nil
			case elliptic.P384():
				return algorithm{hash: crypto.SHA384, sigSize: 96}, nil
			}
		}
		return algorithm{}, fmt.Errorf("%w: %s needs a P-256 or P-384 key, not %s", credentials.ErrUnsupportedKey, cryptosuite, keyKind(pub))
	}
	return algorithm{}, fmt.Errorf("%w: %w: cryptosuite %q", ErrUnsupported, credentials.ErrMalformed, cryptosuite)
}

func keyKind(pub crypto.PublicKey) string {
	switch k := pub.(type) {
	case ed25519.PublicKey:
		return "an Ed25519 key"
	case *ecdsa.PublicKey:
		if k.Curve != nil {
			return "an ECDSA " + k.Curve.Params().Name + " key"
		}
		return "an ECDSA key"
	case nil:
		return "no key"
	}
	return fmt.Sprintf("a %T", pub)
}
