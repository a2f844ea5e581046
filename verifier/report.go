package verifier

import (
	"encoding/json"
	"slices"
	"strings"
	"time"
)

// Verdict is the one-word answer of a Report.
type Verdict string

// The verdicts, from best to worst. A Report has the worst verdict any of
// its failed checks leads to; warnings never change it.
const (
	// Verified: authentic, issued by a trusted issuer within its scope,
	// valid now, not revoked or suspended.
	Verified Verdict = "verified"
	// Untrusted: authentic and otherwise in order, but no trust source
	// vouches for the issuer for this credential.
	Untrusted Verdict = "untrusted"
	// Expired: authentic, but outside its validity period (expired, or not
	// valid yet).
	Expired Verdict = "expired"
	// Suspended: the issuer has suspended it (its status list says so).
	Suspended Verdict = "suspended"
	// Revoked: the issuer has revoked it.
	Revoked Verdict = "revoked"
	// Invalid: not authentic, malformed, not acceptable by the policy, or
	// its status could not be established (fail closed).
	Invalid Verdict = "invalid"
)

func (v Verdict) rank() int {
	switch v {
	case Verified:
		return 0
	case Untrusted:
		return 1
	case Expired:
		return 2
	case Suspended:
		return 3
	case Revoked:
		return 4
	}
	return 5
}

// worse returns the worse of a and b.
func worse(a, b Verdict) Verdict {
	if b.rank() > a.rank() {
		return b
	}
	return a
}

// Result is the outcome of one check.
type Result string

const (
	Passed  Result = "passed"
	Failed  Result = "failed"
	Skipped Result = "skipped"
	Warning Result = "warning"
)

// The check identifiers, as Check.ID gives them. docs/verifier.md says what
// each one checks.
const (
	CheckFormat      = "format"      // the format is recognised and accepted by the policy
	CheckEnvelope    = "envelope"    // the VC Data Model envelope is well formed
	CheckProof       = "proof"       // the proof or signature verifies
	CheckKey         = "key"         // the verification key resolves and belongs to the issuer
	CheckCertificate = "certificate" // the x5c chain links up and is valid now (or at a verified time-stamp)
	CheckValidity    = "validity"    // validFrom/validUntil (issuanceDate/expirationDate, nbf/exp)
	CheckStatus      = "status"      // the status list says neither revoked nor suspended
	CheckTrust       = "trust"       // a trust source vouches for the issuer, in scope
	CheckELM         = "elm"         // the ELM credential conforms to the EDC profiles it declares
	CheckChallenge   = "challenge"   // a presentation's challenge/nonce and domain/audience
	CheckReplay      = "replay"      // a presentation's nonce has not been used before
	CheckHolder      = "holder"      // the holder is the subject of each credential (or its cnf key)
	CheckCredentials = "credentials" // each credential of a presentation verifies in full
)

// ProblemBase is the prefix of every Check.Type: the section of
// docs/verifier.md that describes the problem, so that the URI both
// identifies it (RFC 9457 "type") and explains it.
const ProblemBase = "https://github.com/diplomat-edu/diplomat/blob/main/docs/verifier.md#"

// The problem types, appended to ProblemBase.
const (
	ProblemMalformed          = "malformed"
	ProblemUnsupportedFormat  = "unsupported-format"
	ProblemNotAccepted        = "not-accepted-by-policy"
	ProblemInvalidEnvelope    = "invalid-envelope"
	ProblemInvalidSignature   = "invalid-signature"
	ProblemUnsupportedProof   = "unsupported-proof"
	ProblemUnknownContext     = "unknown-context"
	ProblemUnknownKey         = "unknown-key"
	ProblemForbiddenAddress   = "forbidden-address"
	ProblemInvalidChain       = "invalid-certificate-chain"
	ProblemExpired            = "expired"
	ProblemNotYetValid        = "not-yet-valid"
	ProblemRevoked            = "revoked"
	ProblemSuspended          = "suspended"
	ProblemStatusUnavailable  = "status-unavailable"
	ProblemStatusListInvalid  = "status-list-invalid"
	ProblemUntrustedIssuer    = "untrusted-issuer"
	ProblemOutOfScope         = "out-of-scope"
	ProblemTrustSourceFailure = "trust-source-failure"
	ProblemELMNonConformant   = "elm-nonconformant"
	ProblemWrongChallenge     = "wrong-challenge"
	ProblemChallengeNotProved = "challenge-not-proved"
	ProblemReplay             = "replayed-presentation"
	ProblemHolderMismatch     = "holder-mismatch"
	ProblemNoHolderBinding    = "no-holder-binding"
	ProblemCredentialFailed   = "credential-not-verified"
)

// Check is one check of a Report.
type Check struct {
	// ID names the check (the Check… constants).
	ID string `json:"id"`
	// Result is passed, failed, skipped or warning.
	Result Result `json:"result"`
	// Message says in words what was found, for a person.
	Message string `json:"message"`
	// Code is the machine-readable problem of a failed or warning check,
	// one of the Problem… constants ("invalid-signature", "revoked");
	// empty when it passed or was skipped. Programs branch on it.
	Code string `json:"code,omitempty"`
	// Type is the RFC 9457 problem type URI (ProblemBase + Code) of a
	// failed or warning check; empty when it passed or was skipped.
	Type string `json:"type,omitempty"`

	// effect is the verdict a failure leads to.
	effect Verdict
}

// Problem returns Code, the slug of Type ("invalid-signature"), or "".
func (c Check) Problem() string { return c.Code }

// Report is the answer of Verify: a verdict, every check made, and what the
// credential certifies.
type Report struct {
	Verdict Verdict `json:"verdict"`
	// Format is the securing mechanism found ("vc+jwt", "jades", …), and
	// Envelope "credential" or "presentation"; empty when not recognised.
	Format   string `json:"format,omitempty"`
	Envelope string `json:"envelope,omitempty"`
	// Issuer is the issuer (for a presentation: the holder) the content
	// names. It is read even when the key or the proof check fails, so
	// that a person sees whom the input claims to come from; only
	// IssuerVerified says that the proof binds it.
	Issuer string `json:"issuer,omitempty"`
	// IssuerVerified is true when the proof binds Issuer to the signing
	// key: the key was resolved from Issuer (its DID or a DID URL of it),
	// or, for a credential sealed by certificate, Issuer's DID document
	// lists the seal's key (its JWK thumbprint as fragment) under
	// assertionMethod. False when the proof did not verify, or when a seal
	// merely names an issuer: then SealedBy says who sealed.
	IssuerVerified bool `json:"issuerVerified"`
	// SealedBy names the holder of the signing certificate when the proof
	// verified with an X.509 chain: the subject's organisation, country
	// and organizationIdentifier ("Université Exemple (FR,
	// VATFR-12345678901)"), else its subject. Empty for DID-signed input.
	SealedBy string `json:"sealedBy,omitempty"`
	// Types are the credential's type values (for SD-JWT VC: its vct).
	Types []string `json:"types,omitempty"`
	// Checks lists every check in the order made.
	Checks []Check `json:"checks"`
	// Trust is the answer of the trust source that vouched for the issuer,
	// or of the last one asked; nil when trust was not checked.
	Trust *TrustAnswer `json:"trust,omitempty"`
	// Summary is what the credential certifies; nil when the proof did
	// not verify (nothing in it can be relied on) or for a presentation
	// (see Credentials).
	Summary *Summary `json:"summary,omitempty"`
	// Credentials are the reports of the credentials a presentation
	// carries, each verified in full.
	Credentials []*Report `json:"credentials,omitempty"`
	// At is the time the report was made for (the policy's clock).
	At time.Time `json:"at"`
	// Signed is the signing time the proof claims (JAdES sigT, JWT iat,
	// Data Integrity created), shown as the signer's claim: it proves
	// nothing and no check is judged at it. Zero when none is claimed.
	Signed time.Time `json:"signed,omitzero"`
	// Timestamped is the time a verified signature time-stamp (RFC 3161,
	// from a time-stamping authority other than the signer) proves the
	// signature existed at; when set (and not after At), the certificate
	// path and the trust sources are judged at it. Zero when none.
	Timestamped time.Time `json:"timestamped,omitzero"`

	subjects []string // the credential's subject ids, for holder binding
	cnf      bool     // the credential binds its holder by a cnf key
	cnfKey   string   // the thumbprint of that key, "" when it cannot be read

	issuerProved bool // Issuer was set from a verified proof, not read from the claims
}

// Check returns the check with the given id, or nil.
func (r *Report) Check(id string) *Check {
	for i := range r.Checks {
		if r.Checks[i].ID == id {
			return &r.Checks[i]
		}
	}
	return nil
}

// Failed returns the checks that failed.
func (r *Report) Failed() []Check {
	var out []Check
	for _, c := range r.Checks {
		if c.Result == Failed {
			out = append(out, c)
		}
	}
	return out
}

func (r *Report) add(id string, res Result, effect Verdict, problem, msg string) {
	c := Check{ID: id, Result: res, Message: msg, effect: effect}
	if problem != "" && (res == Failed || res == Warning) {
		c.Code, c.Type = problem, ProblemBase+problem
	}
	r.Checks = append(r.Checks, c)
}

func (r *Report) pass(id, msg string) { r.add(id, Passed, "", "", msg) }
func (r *Report) skip(id, msg string) { r.add(id, Skipped, "", "", msg) }
func (r *Report) warn(id, problem, msg string) {
	r.add(id, Warning, "", problem, msg)
}
func (r *Report) fail(id string, effect Verdict, problem, msg string) {
	r.add(id, Failed, effect, problem, msg)
}

// invalidBy returns the ids of the failed checks that already make the
// report invalid, "" when none does.
func (r *Report) invalidBy() string {
	var ids []string
	for _, c := range r.Checks {
		if c.Result == Failed && c.effect.rank() >= Invalid.rank() && !slices.Contains(ids, c.ID) {
			ids = append(ids, c.ID)
		}
	}
	return strings.Join(ids, ", ")
}

// settle computes the verdict from the checks and the embedded reports.
func (r *Report) settle() {
	v := Verified
	for _, c := range r.Checks {
		if c.Result == Failed {
			v = worse(v, c.effect)
		}
	}
	for _, sub := range r.Credentials {
		v = worse(v, sub.Verdict)
	}
	r.Verdict = v
}

// MarshalJSON writes the report; Checks is never null.
func (r *Report) MarshalJSON() ([]byte, error) {
	type plain Report
	p := (*plain)(r)
	if p.Checks == nil {
		p.Checks = []Check{}
	}
	return json.Marshal(p)
}
