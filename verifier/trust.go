package verifier

import (
	"context"
	"crypto"
	"crypto/x509"
	"time"
)

// TrustQuery is what a trust source is asked about an issuer: who signed
// (identifier and key, or certificate chain), what they issued, and when.
type TrustQuery struct {
	// Issuer is the issuer the credential names (a DID or a URL), given
	// only when the proof binds it to the key: the verifying key was
	// resolved from that identifier (KeyID is it or one of its fragments),
	// either because no certificate chain is carried and the key came from
	// it, or because a sealed credential's issuer DID lists the seal's key
	// in its DID document (KeyID is then that method, and Chain is set
	// too). Empty otherwise, in particular for a seal that merely names an
	// issuer: a name its signer wrote must never make it trusted.
	Issuer string
	// KeyID is the verification method or kid that verified, if any.
	KeyID string
	// Key is the public key the proof verified with.
	Key crypto.PublicKey
	// Chain is the certificate path of the signature: the signing
	// certificate, then each carried certificate (x5c, JAdES xVals) that
	// signed the one before it, up to a self-signed one or the last
	// carried. Carried certificates off that path are left out. Nil for
	// DID-signed credentials.
	Chain []*x509.Certificate
	// Types are the credential's type values.
	Types []string
	// Profile is the Diplomat profile the credential's format belongs to:
	// "edc", "ebsi", "w3c" or "eudi".
	Profile string
	// Schemas are the ids of the credential's credentialSchema entries.
	Schemas []string
	// EQFLevel is the highest EQF level (1 to 8) any achievement of the
	// credential states, 0 if none does.
	EQFLevel int
	// ISCEDFields are the ISCED-F codes of every field any achievement of
	// the credential states, each once.
	ISCEDFields []string
	// Achievements are the learning achievements the credential awards,
	// each top-level one followed by its parts (hasPart, at any depth),
	// with the level and the fields each states: a source that checks a
	// scope checks every one, never the first only. Nil when the
	// credential states none Diplomat reads (not ELM).
	Achievements []Achievement
	// IssuedAt is the time the trust decision is made at: the time a
	// verified signature time-stamp (credentials.Verified.Timestamped,
	// from a time-stamping authority other than the signer) proves the
	// signature existed at, when there is one; otherwise the verification
	// time (the policy's clock). It is never a date the signer wrote: not
	// the signing time the proof claims (sigT, iat, created), nor the
	// issuance the content claims (validFrom, issuanceDate), since a seal
	// or issuer no longer trusted could otherwise back-date its way into
	// trust. The verifier never leaves it zero; a source asked with a zero
	// IssuedAt uses its own clock.
	IssuedAt time.Time
	// Credential is the credential JSON, for sources that read more of it
	// (the EBSI TIR walks termsOfUse).
	Credential []byte
}

// Achievement is one learning achievement a credential awards, or a part
// of one, as a trust scope reads it.
type Achievement struct {
	// Path is where it is in the credential: a JSON path of the ELM
	// document ("$.credentialSubject.hasClaim[1].hasPart[0]") or of the
	// SD-JWT VC claims ("$.achievements[1]").
	Path  string
	Title string
	// Part is true for a part of another achievement.
	Part bool
	// EQFLevel is the EQF level (1 to 8) it states, 0 if none.
	EQFLevel int
	// ISCEDFields are the ISCED-F codes of the fields it states.
	ISCEDFields []string
}

// TrustAnswer is a trust source's answer, in the same shape for every
// source so the report can show any of them.
type TrustAnswer struct {
	// Trusted is true when the source vouches for the issuer for this
	// credential at IssuedAt.
	Trusted bool `json:"trusted"`
	// Source names the source, e.g. "registry", "etsi-tl:SE", "ebsi-tir",
	// "lote:<list name>".
	Source string `json:"source"`
	// Entity and Country are the trusted entity's name and ISO 3166-1
	// alpha-2 country, when known.
	Entity  string `json:"entity,omitempty"`
	Country string `json:"country,omitempty"`
	// Status is the entity's or service's status in the source (for ETSI
	// lists the service status URI's last segment, e.g. "granted").
	Status string `json:"status,omitempty"`
	// Level is a classification where the source gives one, e.g. for
	// eSeals "qualified", "advanced" or "not-trusted".
	Level string `json:"level,omitempty"`
	// Scope describes what the entity is accredited for.
	Scope string `json:"scope,omitempty"`
	// Reason says in words why the answer is what it is.
	Reason string `json:"reason,omitempty"`
	// Steps explain the decision step by step (for "trust explain").
	Steps []string `json:"steps,omitempty"`
}

// TrustSource says whether an issuer is trusted.
type TrustSource interface {
	// Trust answers q. When the source does not know the issuer, or knows
	// it but not for this credential, it returns an answer with Trusted
	// false and a Reason, and a nil error. An error is only for a failure of
	// the source itself (a corrupt snapshot, a store that cannot be read).
	Trust(ctx context.Context, q TrustQuery) (*TrustAnswer, error)
}
