package credentials

import (
	"context"
	"crypto"
	"crypto/x509"
	"errors"
	"time"
)

// Mechanism is one way of securing a credential or presentation: a proof
// embedded in a JSON-LD document (Data Integrity), or a signature over bytes
// (vc+jwt, jwt_vc_json, SD-JWT VC, JAdES).
//
// Implementations are safe for concurrent use.
type Mechanism interface {
	// Name returns the mechanism's identifier as Diplomat names it on the
	// command line and in reports, e.g. "eddsa-rdfc-2022", "vc+jwt", "jades".
	Name() string

	// Sign secures the unsecured JSON document doc (a credential or a
	// presentation) with key and returns the secured form as it travels on
	// the wire. It returns an error wrapping ErrUnsupportedKey if the key's
	// type or algorithm cannot be used by the mechanism; it never falls back
	// to another algorithm.
	Sign(ctx context.Context, doc []byte, key SigningKey, opts SignOptions) ([]byte, error)

	// Verify checks the proof or signature on secured. Keys named by the
	// secured form (a DID URL, a kid) are looked up with r; keys carried in
	// it (x5c) are used directly and returned in Verified.Chain for the
	// caller to judge trust. It returns an error wrapping ErrInvalidProof
	// when the proof does not verify, ErrUnknownKey when the key cannot be
	// resolved, and ErrMalformed when secured is not of the mechanism's form.
	Verify(ctx context.Context, secured []byte, r KeyResolver, opts VerifyOptions) (*Verified, error)
}

// SigningKey is a private key as a mechanism uses it.
type SigningKey struct {
	// Signer signs. Ed25519, ECDSA (P-256, P-384, secp256k1 where the
	// mechanism allows it) and RSA keys are recognised by Signer.Public().
	Signer crypto.Signer
	// ID is the verification method: a DID URL (did:key:z…#z…) put in the
	// kid header or proof.verificationMethod. It may be empty for
	// mechanisms that identify the key by certificate (JAdES).
	ID string
	// Chain is the X.509 certificate chain of the key, leaf first, for
	// mechanisms that carry it (x5c). Nil when the key has no certificate.
	Chain []*x509.Certificate
}

// SignOptions are the proof parameters a signer chooses. The zero value signs
// an assertion (a credential) now.
type SignOptions struct {
	// Purpose is the proof purpose: "assertionMethod" (zero value) for
	// credentials, "authentication" for presentations.
	Purpose string
	// Challenge and Domain (Data Integrity) or Nonce and Audience (JOSE
	// family) bind a presentation to one verifier request. Empty: not set.
	Challenge string
	Domain    string
	// Now is the clock for created/iat/sigT. Nil means time.Now.
	Now func() time.Time
}

// VerifyOptions are what the verifier expects of a proof. The zero value
// verifies an assertion now, with no clock skew allowed and no
// challenge/domain expected.
type VerifyOptions struct {
	// Purpose is the expected proof purpose; empty means "assertionMethod".
	Purpose string
	// Challenge and Domain, when set, must equal the proof's (or the
	// KB-JWT's nonce and aud, or the VP JWT's nonce and aud).
	Challenge string
	Domain    string
	// Now is the clock for time checks. Nil means time.Now.
	Now func() time.Time
	// Skew is the tolerance applied to time checks (nbf, exp, iat, created).
	Skew time.Duration
}

// Verified is what a mechanism established about a secured document.
type Verified struct {
	// Mechanism is the Name of the mechanism that verified it.
	Mechanism string
	// Document is the credential or presentation as JSON, as it was signed
	// (for SD-JWT VC: the claims after processing the disclosures).
	Document []byte
	// Issuer is the issuer (or holder, for presentations) the signed
	// content names: iss, issuer or issuer.id, holder.
	Issuer string
	// KeyID is the verification method or kid used.
	KeyID string
	// Key is the public key the signature verified with.
	Key crypto.PublicKey
	// Chain is the certificate chain carried by the signature (x5c), leaf
	// first; nil when there is none.
	Chain []*x509.Certificate
	// Signed is the signing time the proof claims (created, iat, sigT);
	// zero when it claims none. The signer chose it: it proves nothing.
	Signed time.Time
	// Timestamped is the time a verified signature time-stamp (RFC 3161,
	// from a time-stamping authority other than the signer) proves the
	// signature existed at; zero when there is none. Unlike Signed, it may
	// be used to judge a certificate or a trust list as of the signing.
	Timestamped time.Time
	// TimestampChain is the certificate of the time-stamping authority
	// whose token set Timestamped, first, then the other certificates the
	// token and the signature's validation data carry; nil when
	// Timestamped is zero. As for Chain, trust in it (a TSA listed in a
	// trusted list) is the caller's to decide before relying on
	// Timestamped.
	TimestampChain []*x509.Certificate
	// Details holds mechanism-specific facts for the report (for JAdES the
	// signature level and timestamps, for SD-JWT the disclosed claims), as
	// short human-readable strings.
	Details map[string]string
}

// KeyResolver finds public keys by verification method identifier.
type KeyResolver interface {
	// ResolveKey returns the verification method id (a DID URL such as
	// did:key:z…#z…, or a DID, meaning its only or first assertion key). It
	// returns an error wrapping ErrUnknownKey if the method does not exist
	// or its DID method is not supported.
	ResolveKey(ctx context.Context, id string) (*VerificationMethod, error)
}

// VerificationMethod is a public key and the DID that controls it.
type VerificationMethod struct {
	ID         string
	Controller string
	Key        crypto.PublicKey
	// Relationships are the verification relationships the controller's
	// document lists the method under ("assertionMethod",
	// "authentication", …). Nil means the resolver does not say (the key
	// is not from a DID document); an empty non-nil slice means it is
	// listed under none.
	Relationships []string
}

// Errors mechanisms wrap; callers branch on them with errors.Is.
var (
	ErrMalformed      = errors.New("malformed")
	ErrInvalidProof   = errors.New("invalid proof")
	ErrUnknownKey     = errors.New("unknown key")
	ErrUnsupportedKey = errors.New("unsupported key")
	ErrExpired        = errors.New("expired")
	ErrNotYetValid    = errors.New("not yet valid")
)
