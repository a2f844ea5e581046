package vci

import (
	"context"
	"crypto"
	"crypto/ecdsa"
	"crypto/x509"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/diplomat-edu/diplomat/credentials"
	"github.com/diplomat-edu/diplomat/credentials/did"
	"github.com/diplomat-edu/diplomat/openid4vc"
	"github.com/diplomat-edu/diplomat/openid4vc/internal/jwt"
)

// CredentialIssuer makes the credentials of one credential request; the
// service adapts issuer.Issuer to it (template and record from the dataset,
// the profile from the configuration's format, issuer.IssueTo with the
// holders).
type CredentialIssuer interface {
	// IssueCredentials returns one credential per holder, in order, each
	// bound to that holder's key, of the configuration req names, for the
	// dataset the offer was made with. An error wrapping ErrDenied is
	// answered credential_request_denied with its message; any other error
	// is a failure of the service (500, message not sent).
	IssueCredentials(ctx context.Context, req IssueRequest) ([]Credential, error)
}

// ErrDenied is wrapped by a CredentialIssuer that will not issue (the
// record was withdrawn, the student is no longer entitled).
var ErrDenied = errors.New("the issuer will not issue this credential")

// IssueRequest is one credential request that passed every check.
type IssueRequest struct {
	// ConfigurationID and Configuration name what to issue.
	ConfigurationID string
	Configuration   CredentialConfiguration
	// Dataset is the offer's dataset, as OfferRequest gave it.
	Dataset []byte
	// Holders are the keys the wallet proved it holds, one per credential
	// asked (batch issuance).
	Holders []Holder
}

// Holder is a wallet key from a key proof.
type Holder struct {
	// Key is the public key to bind the credential to.
	Key crypto.PublicKey
	// DID is the holder's DID: the DID of the proof's kid, or the did:jwk
	// of a jwk or x5c key. It is what the W3C formats name as
	// credentialSubject.id.
	DID string
	// KeyID is the proof's kid, when it had one.
	KeyID string
	// Chain is the proof's x5c chain, when it had one (leaf first).
	Chain []*x509.Certificate
}

// Credential is one issued credential: a string (JWT, SD-JWT) or a JSON
// object (ldp_vc), as it goes in the credential response.
type Credential struct {
	Value json.RawMessage
}

// StringCredential wraps a compact credential (JWT, SD-JWT).
func StringCredential(s string) Credential { return quotedCredential(s) }

// BytesCredential is StringCredential for a credential held as bytes (an
// SD-JWT or a JWS as an issuer returns it), without converting it first.
func BytesCredential(b []byte) Credential { return quotedCredential(b) }

func quotedCredential[T string | []byte](s T) Credential {
	for i := 0; i < len(s); i++ {
		if c := s[i]; c < 0x20 || c > 0x7e || c == '"' || c == '\\' || c == '<' || c == '>' || c == '&' {
			b, _ := json.Marshal(string(s))
			return Credential{Value: b}
		}
	}
	// Printable ASCII that json.Marshal writes as it is (an SD-JWT, a
	// compact JWS): quoted without a second pass.
	b := make([]byte, 0, len(s)+2)
	b = append(b, '"')
	b = append(b, s...)
	return Credential{Value: append(b, '"')}
}

// ObjectCredential wraps a JSON credential (ldp_vc).
func ObjectCredential(doc []byte) Credential {
	return Credential{Value: append(json.RawMessage(nil), doc...)}
}

// SignInSender sends a student the one-time code that signs them in at the
// authorization endpoint, through the registrar's channel (e-mail, the
// student portal, SMS). Contact is what OfferRequest.SignIn gave.
type SignInSender interface {
	// SendSignInCode delivers code to contact. An error is answered
	// server_error and the code is not usable.
	SendSignInCode(ctx context.Context, contact, code string) error
}

// Notification is an event a wallet reported at the notification endpoint.
type Notification struct {
	// OfferKey is openid4vc.Key(CreatedOffer.ID) of the offer concerned.
	OfferKey    string
	Event       string
	Description string
	At          time.Time
}

// Options configure an Issuer. Issuer, Configurations, Records and Issue
// are required; the zero value of every other field has the meaning its
// comment gives.
type Options struct {
	// Issuer is the Credential Issuer Identifier, an https URL (the
	// institution's service, e.g. https://registrar.uni.example). The
	// issuer is its own authorization server.
	Issuer string
	// Endpoints are the URLs of the endpoints; zero fields are
	// DefaultEndpoints(Issuer).
	Endpoints Endpoints
	// Configurations are the credentials offered, by configuration id.
	Configurations map[string]CredentialConfiguration
	// Display is the issuer's name and logo, one entry per language.
	Display []Display
	// Records keeps offers, codes, tokens and nonces.
	Records openid4vc.Records
	// Issue makes the credentials.
	Issue CredentialIssuer
	// SignIn sends sign-in codes for the authorization code flow. Nil: the
	// authorization code flow is not offered.
	SignIn SignInSender
	// Resolver resolves the DID URL of a proof's kid. Nil: did:key and
	// did:jwk only, offline.
	Resolver credentials.KeyResolver
	// ProofRoots, when set, are the CAs an x5c key proof must chain to.
	// Nil: an x5c proof's leaf key is used for binding, its chain checked
	// only for consistency (the wallet proves possession either way).
	ProofRoots *x509.CertPool
	// EncryptionKey (P-256), when set, lets wallets encrypt credential
	// requests to the issuer and ask for encrypted responses
	// (credential_request_encryption and credential_response_encryption
	// in the metadata). Nil: neither is offered.
	EncryptionKey *ecdsa.PrivateKey
	// DecryptionKey, when set, finds the key that decrypts an encrypted
	// credential request by the kid of its JWE (EncryptionKey's kid
	// included): it lets keys be rotated, a key replaced still decrypting
	// for a grace period, and a key retired stop. It returns an error
	// wrapping openid4vc.ErrNotFound for a kid it does not know (the
	// request is then refused with invalid_encryption_parameters); another
	// error is a failure of the service. Nil: only EncryptionKey decrypts.
	DecryptionKey func(ctx context.Context, kid string) (*ecdsa.PrivateKey, error)
	// EncryptionRequired makes encryption of requests and responses
	// mandatory (only with EncryptionKey).
	EncryptionRequired bool
	// RequireDPoP refuses token requests without a DPoP proof. False: DPoP
	// is used when the wallet sends a proof (the token is then bound to
	// its key and must be presented with proofs of it), as HAIP requires.
	RequireDPoP bool
	// MetadataSigner, when set, signs the metadata for wallets that ask for
	// application/jwt (signed metadata, typ openidvci-issuer-metadata+jwt)
	// with MetadataChain in x5c.
	MetadataSigner crypto.Signer
	MetadataChain  []*x509.Certificate
	// OfferTTL is how long an offer stays redeemable; zero: 7 days.
	OfferTTL time.Duration
	// AccessTokenTTL; zero: 5 minutes (short-lived, OpenID4VCI 1.0 section
	// 13.7).
	AccessTokenTTL time.Duration
	// NonceTTL is how long a c_nonce stays usable; zero: 5 minutes.
	NonceTTL time.Duration
	// ProofMaxAge bounds how old a key proof's iat may be; zero: 5 minutes.
	ProofMaxAge time.Duration
	// MaxAttempts is how many wrong transaction or sign-in codes lock an
	// offer; zero: 5.
	MaxAttempts int
	// BatchSize is the most key proofs (credentials) per request; zero:
	// 10. One disables batch issuance.
	BatchSize int
	// ProofAlgs are the algorithms accepted for key proofs and DPoP; nil:
	// ES256, ES384, ES512, EdDSA.
	ProofAlgs []string
	// Sealer, when set, seals notification ids: each one carries its
	// issuance and expiry, sealed, so that the credential endpoint writes
	// nothing for it and the notification endpoint records the first
	// notification of an id when it comes. Nil: a notification id is a
	// random handle, stored when the credential is issued.
	Sealer openid4vc.Sealer
	// OnNotification, when set, is told of every notification a wallet
	// sends (after it is recorded).
	OnNotification func(ctx context.Context, n Notification)
	// WriteError writes endpoint errors for the handlers; nil:
	// openid4vc.WriteError.
	WriteError func(w http.ResponseWriter, r *http.Request, err error)
	// Now is the clock; nil: time.Now.
	Now func() time.Time
	// AllowHTTP accepts an http Issuer and endpoints: for tests on loopback
	// only.
	AllowHTTP bool
}

// Endpoints are the absolute URLs of the issuer's endpoints.
type Endpoints struct {
	Credential, Nonce, Notification, Token, PAR, Authorize string
	// Offer is the prefix of credential_offer_uri URLs: the offer id is
	// appended.
	Offer string
}

// DefaultEndpoints returns issuer + /credential, /nonce, /notification,
// /token, /par, /authorize and /credential-offer/.
func DefaultEndpoints(issuer string) Endpoints {
	b := strings.TrimSuffix(issuer, "/")
	return Endpoints{
		Credential: b + "/credential", Nonce: b + "/nonce", Notification: b + "/notification",
		Token: b + "/token", PAR: b + "/par", Authorize: b + "/authorize", Offer: b + "/credential-offer/",
	}
}

// Issuer is the issuing side of OpenID4VCI: metadata, offers, the token,
// nonce, credential and notification endpoints, and the authorization code
// flow with sign-in by one-time code. It keeps no state of its own (all in
// Records), so that several service nodes can share one store. It is safe
// for concurrent use.
type Issuer struct {
	opts     Options
	ep       Endpoints
	now      func() time.Time
	meta     []byte
	asMeta   []byte
	metadata Metadata
	algs     []string
	encKid   string
}

// New checks opts and returns an Issuer.
func New(opts Options) (*Issuer, error) {
	if err := checkIssuerURL(opts.Issuer, opts.AllowHTTP); err != nil {
		return nil, fmt.Errorf("vci: Issuer: %w", err)
	}
	if opts.Records == nil || opts.Issue == nil {
		return nil, errors.New("vci: Records and Issue are required")
	}
	if len(opts.Configurations) == 0 {
		return nil, errors.New("vci: no credential configuration")
	}
	is := &Issuer{opts: opts, now: opts.Now}
	if is.now == nil {
		is.now = time.Now
	}
	is.ep = mergeEndpoints(opts.Endpoints, DefaultEndpoints(opts.Issuer))
	for name, u := range map[string]string{"credential": is.ep.Credential, "nonce": is.ep.Nonce, "notification": is.ep.Notification,
		"token": is.ep.Token, "par": is.ep.PAR, "authorize": is.ep.Authorize, "offer": is.ep.Offer} {
		if err := checkEndpoint(u, opts.AllowHTTP); err != nil {
			return nil, fmt.Errorf("vci: %s endpoint: %w", name, err)
		}
	}
	is.algs = opts.ProofAlgs
	if is.algs == nil {
		is.algs = jwt.AllAlgs
	}
	if is.opts.OfferTTL <= 0 {
		is.opts.OfferTTL = 7 * 24 * time.Hour
	}
	if is.opts.AccessTokenTTL <= 0 {
		is.opts.AccessTokenTTL = 5 * time.Minute
	}
	if is.opts.NonceTTL <= 0 {
		is.opts.NonceTTL = 5 * time.Minute
	}
	if is.opts.ProofMaxAge <= 0 {
		is.opts.ProofMaxAge = 5 * time.Minute
	}
	if is.opts.MaxAttempts <= 0 {
		is.opts.MaxAttempts = 5
	}
	if is.opts.BatchSize <= 0 {
		is.opts.BatchSize = 10
	}
	if opts.EncryptionRequired && opts.EncryptionKey == nil {
		return nil, errors.New("vci: EncryptionRequired without an EncryptionKey")
	}
	if opts.EncryptionKey != nil {
		t, err := did.Thumbprint(&opts.EncryptionKey.PublicKey)
		if err != nil {
			return nil, fmt.Errorf("vci: EncryptionKey: %w", err)
		}
		is.encKid = t
	}
	if err := is.buildMetadata(); err != nil {
		return nil, err
	}
	return is, nil
}

func mergeEndpoints(e, d Endpoints) Endpoints {
	pick := func(a, b string) string {
		if a != "" {
			return a
		}
		return b
	}
	return Endpoints{
		Credential: pick(e.Credential, d.Credential), Nonce: pick(e.Nonce, d.Nonce), Notification: pick(e.Notification, d.Notification),
		Token: pick(e.Token, d.Token), PAR: pick(e.PAR, d.PAR), Authorize: pick(e.Authorize, d.Authorize), Offer: pick(e.Offer, d.Offer),
	}
}

func checkEndpoint(u string, allowHTTP bool) error {
	if strings.HasPrefix(u, "https://") || allowHTTP && strings.HasPrefix(u, "http://") {
		return nil
	}
	return fmt.Errorf("%q is not an https URL", clip(u))
}

// Endpoints returns the endpoint URLs in use.
func (is *Issuer) Endpoints() Endpoints { return is.ep }

// Metadata returns the credential issuer metadata.
func (is *Issuer) Metadata() Metadata { return is.metadata }

// buildMetadata fills metadata and its JSON, once.
func (is *Issuer) buildMetadata() error {
	m := Metadata{
		CredentialIssuer:                  is.opts.Issuer,
		CredentialEndpoint:                is.ep.Credential,
		NonceEndpoint:                     is.ep.Nonce,
		NotificationEndpoint:              is.ep.Notification,
		Display:                           is.opts.Display,
		CredentialConfigurationsSupported: map[string]CredentialConfiguration{},
	}
	if is.opts.BatchSize > 1 {
		m.BatchCredentialIssuance = &BatchIssuance{BatchSize: is.opts.BatchSize}
	}
	if k := is.opts.EncryptionKey; k != nil {
		jwk, err := openid4vc.PublicEncryptionJWK(k, is.encKid)
		if err != nil {
			return fmt.Errorf("vci: EncryptionKey: %w", err)
		}
		m.CredentialRequestEncryption = &RequestEncryption{JWKS: JWKS{Keys: []openid4vc.EncryptionJWK{jwk}},
			EncValuesSupported: openid4vc.EncValues, EncryptionRequired: is.opts.EncryptionRequired}
		m.CredentialResponseEncryption = &ResponseEncryption{AlgValuesSupported: []string{openid4vc.AlgECDHES},
			EncValuesSupported: openid4vc.EncValues, EncryptionRequired: is.opts.EncryptionRequired}
	}
	var scopes []string
	for id, c := range is.opts.Configurations {
		if c.Format == "" {
			return fmt.Errorf("vci: configuration %q has no format", id)
		}
		if c.Format == FormatSDJWT && c.VCT == "" {
			return fmt.Errorf("vci: configuration %q (dc+sd-jwt) has no vct", id)
		}
		if (c.Format == FormatJWTVC || c.Format == FormatLDPVC) && (c.CredentialDefinition == nil || len(c.CredentialDefinition.Type) == 0) {
			return fmt.Errorf("vci: configuration %q (%s) has no credential_definition.type", id, c.Format)
		}
		if c.Scope == "" {
			c.Scope = id // HAIP: a scope for every configuration
		}
		if c.ProofTypesSupported == nil && len(c.CryptographicBindingMethodsSupported) > 0 {
			c.ProofTypesSupported = map[string]ProofTypeInfo{"jwt": {ProofSigningAlgValuesSupported: is.algs}}
		}
		for name, pt := range c.ProofTypesSupported {
			if name != "jwt" {
				return fmt.Errorf("vci: configuration %q: proof type %q is not supported (jwt)", id, name)
			}
			if len(pt.ProofSigningAlgValuesSupported) == 0 {
				return fmt.Errorf("vci: configuration %q: proof type jwt lists no proof_signing_alg_values_supported", id)
			}
		}
		m.CredentialConfigurationsSupported[id] = c
		scopes = append(scopes, c.Scope)
	}
	sort.Strings(scopes)
	is.opts.Configurations = m.CredentialConfigurationsSupported
	is.metadata = m
	var err error
	if is.meta, err = json.Marshal(m); err != nil {
		return err
	}
	as := AuthServerMetadata{
		Issuer:                                     is.opts.Issuer,
		TokenEndpoint:                              is.ep.Token,
		GrantTypesSupported:                        []string{GrantPreAuthorizedCode},
		TokenEndpointAuthMethodsSupported:          []string{"none"},
		DPoPSigningAlgValuesSupported:              is.algs,
		AuthorizationDetailsTypesSupported:         []string{"openid_credential"},
		ScopesSupported:                            slices.Compact(scopes),
		PreAuthorizedGrantAnonymousAccessSupported: true,
	}
	if is.opts.SignIn != nil {
		as.AuthorizationEndpoint = is.ep.Authorize
		as.PushedAuthorizationRequestEndpoint = is.ep.PAR
		as.GrantTypesSupported = append(as.GrantTypesSupported, GrantAuthorizationCode)
		as.ResponseTypesSupported = []string{"code"}
		as.CodeChallengeMethodsSupported = []string{"S256"}
		as.AuthorizationResponseIssParameterSupported = true
	}
	is.asMeta, err = json.Marshal(as)
	return err
}

// MetadataJSON returns the credential issuer metadata as served.
func (is *Issuer) MetadataJSON() []byte { return is.meta }

// AuthServerMetadataJSON returns the authorization server metadata.
func (is *Issuer) AuthServerMetadataJSON() []byte { return is.asMeta }

// SignedMetadata returns the metadata as a signed JWT (OpenID4VCI 1.0
// section 12.2.3): typ openidvci-issuer-metadata+jwt, sub the issuer, iat
// now, exp a day later, the metadata as claims, x5c the chain. It needs
// Options.MetadataSigner.
func (is *Issuer) SignedMetadata() (string, error) {
	if is.opts.MetadataSigner == nil {
		return "", errors.New("vci: no metadata signer configured")
	}
	var claims map[string]any
	_ = json.Unmarshal(is.meta, &claims)
	now := is.now()
	claims["sub"] = is.opts.Issuer
	claims["iat"] = now.Unix()
	claims["exp"] = now.Add(24 * time.Hour).Unix()
	h := map[string]any{"typ": TypSignedMetadata}
	if len(is.opts.MetadataChain) > 0 {
		h["x5c"] = jwt.X5CStrings(is.opts.MetadataChain)
	}
	return jwt.Sign(is.opts.MetadataSigner, is.algs, h, claims)
}

// TypSignedMetadata is the typ of signed issuer metadata.
const TypSignedMetadata = "openidvci-issuer-metadata+jwt"
