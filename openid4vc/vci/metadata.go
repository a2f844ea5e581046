package vci

import (
	"fmt"
	"net/url"
	"strings"

	"github.com/diplomat-edu/diplomat/openid4vc"
	"github.com/diplomat-edu/diplomat/openid4vc/dcql"
)

// Credential format identifiers (OpenID4VCI 1.0 appendix A).
const (
	FormatSDJWT = "dc+sd-jwt"
	FormatJWTVC = "jwt_vc_json"
	FormatLDPVC = "ldp_vc"
)

// Metadata is the Credential Issuer Metadata (OpenID4VCI 1.0 section 12.2),
// served at /.well-known/openid-credential-issuer.
type Metadata struct {
	CredentialIssuer                  string                             `json:"credential_issuer"`
	AuthorizationServers              []string                           `json:"authorization_servers,omitempty"`
	CredentialEndpoint                string                             `json:"credential_endpoint"`
	NonceEndpoint                     string                             `json:"nonce_endpoint,omitempty"`
	DeferredCredentialEndpoint        string                             `json:"deferred_credential_endpoint,omitempty"`
	NotificationEndpoint              string                             `json:"notification_endpoint,omitempty"`
	CredentialRequestEncryption       *RequestEncryption                 `json:"credential_request_encryption,omitempty"`
	CredentialResponseEncryption      *ResponseEncryption                `json:"credential_response_encryption,omitempty"`
	BatchCredentialIssuance           *BatchIssuance                     `json:"batch_credential_issuance,omitempty"`
	Display                           []Display                          `json:"display,omitempty"`
	CredentialConfigurationsSupported map[string]CredentialConfiguration `json:"credential_configurations_supported"`
}

// RequestEncryption says how a wallet may encrypt credential requests.
type RequestEncryption struct {
	JWKS               JWKS     `json:"jwks"`
	EncValuesSupported []string `json:"enc_values_supported"`
	ZipValuesSupported []string `json:"zip_values_supported,omitempty"`
	EncryptionRequired bool     `json:"encryption_required"`
}

// JWKS is a JSON Web Key Set of encryption keys.
type JWKS struct {
	Keys []openid4vc.EncryptionJWK `json:"keys"`
}

// ResponseEncryption says how the issuer can encrypt credential responses.
type ResponseEncryption struct {
	AlgValuesSupported []string `json:"alg_values_supported"`
	EncValuesSupported []string `json:"enc_values_supported"`
	ZipValuesSupported []string `json:"zip_values_supported,omitempty"`
	EncryptionRequired bool     `json:"encryption_required"`
}

// BatchIssuance says how many key proofs a credential request may carry.
type BatchIssuance struct {
	BatchSize int `json:"batch_size"`
}

// Display is how the issuer is shown in one language.
type Display struct {
	Name   string `json:"name,omitempty"`
	Locale string `json:"locale,omitempty"`
	Logo   *Image `json:"logo,omitempty"`
}

// Image is a logo or background image.
type Image struct {
	URI     string `json:"uri"`
	AltText string `json:"alt_text,omitempty"`
}

// CredentialConfiguration describes one credential the issuer offers
// (credential_configurations_supported), in one format.
type CredentialConfiguration struct {
	Format string `json:"format"`
	Scope  string `json:"scope,omitempty"`
	// CredentialSigningAlgValuesSupported are JOSE algorithm names for the
	// JWT formats and cryptosuite names for ldp_vc (mdoc's are numbers,
	// hence any).
	CredentialSigningAlgValuesSupported  []any                    `json:"credential_signing_alg_values_supported,omitempty"`
	CryptographicBindingMethodsSupported []string                 `json:"cryptographic_binding_methods_supported,omitempty"`
	ProofTypesSupported                  map[string]ProofTypeInfo `json:"proof_types_supported,omitempty"`
	// VCT is the SD-JWT VC type (dc+sd-jwt).
	VCT string `json:"vct,omitempty"`
	// Doctype is the mdoc type (mso_mdoc).
	Doctype string `json:"doctype,omitempty"`
	// CredentialDefinition is the W3C type (and @context for ldp_vc).
	CredentialDefinition *CredentialDefinition `json:"credential_definition,omitempty"`
	CredentialMetadata   *CredentialMetadata   `json:"credential_metadata,omitempty"`
}

// ProofTypeInfo describes one accepted proof type.
type ProofTypeInfo struct {
	ProofSigningAlgValuesSupported []string                 `json:"proof_signing_alg_values_supported"`
	KeyAttestationsRequired        *KeyAttestationsRequired `json:"key_attestations_required,omitempty"`
}

// KeyAttestationsRequired is the key attestation an issuer asks for.
type KeyAttestationsRequired struct {
	KeyStorage         []string `json:"key_storage,omitempty"`
	UserAuthentication []string `json:"user_authentication,omitempty"`
}

// CredentialDefinition is the type of a W3C credential.
type CredentialDefinition struct {
	Context []string `json:"@context,omitempty"`
	Type    []string `json:"type"`
}

// CredentialMetadata is how a credential and its claims are shown.
type CredentialMetadata struct {
	Display []CredentialDisplay `json:"display,omitempty"`
	Claims  []ClaimDescription  `json:"claims,omitempty"`
}

// CredentialDisplay is how a credential is shown in one language.
type CredentialDisplay struct {
	Name            string `json:"name"`
	Locale          string `json:"locale,omitempty"`
	Logo            *Image `json:"logo,omitempty"`
	Description     string `json:"description,omitempty"`
	BackgroundColor string `json:"background_color,omitempty"`
	BackgroundImage *Image `json:"background_image,omitempty"`
	TextColor       string `json:"text_color,omitempty"`
}

// ClaimDescription says how one claim is shown.
type ClaimDescription struct {
	Path      dcql.Path      `json:"path"`
	Mandatory bool           `json:"mandatory,omitempty"`
	Display   []ClaimDisplay `json:"display,omitempty"`
}

// ClaimDisplay is a claim's name in one language.
type ClaimDisplay struct {
	Name   string `json:"name,omitempty"`
	Locale string `json:"locale,omitempty"`
}

// AuthServerMetadata is the OAuth 2.0 Authorization Server Metadata (RFC
// 8414) with the parameters OpenID4VCI and RFC 9449 add, served at
// /.well-known/oauth-authorization-server.
type AuthServerMetadata struct {
	Issuer                                     string   `json:"issuer"`
	AuthorizationEndpoint                      string   `json:"authorization_endpoint,omitempty"`
	TokenEndpoint                              string   `json:"token_endpoint"`
	PushedAuthorizationRequestEndpoint         string   `json:"pushed_authorization_request_endpoint,omitempty"`
	RequirePushedAuthorizationRequests         bool     `json:"require_pushed_authorization_requests,omitempty"`
	GrantTypesSupported                        []string `json:"grant_types_supported,omitempty"`
	ResponseTypesSupported                     []string `json:"response_types_supported,omitempty"`
	ResponseModesSupported                     []string `json:"response_modes_supported,omitempty"`
	CodeChallengeMethodsSupported              []string `json:"code_challenge_methods_supported,omitempty"`
	TokenEndpointAuthMethodsSupported          []string `json:"token_endpoint_auth_methods_supported,omitempty"`
	DPoPSigningAlgValuesSupported              []string `json:"dpop_signing_alg_values_supported,omitempty"`
	AuthorizationDetailsTypesSupported         []string `json:"authorization_details_types_supported,omitempty"`
	ScopesSupported                            []string `json:"scopes_supported,omitempty"`
	PreAuthorizedGrantAnonymousAccessSupported bool     `json:"pre-authorized_grant_anonymous_access_supported"`
	AuthorizationResponseIssParameterSupported bool     `json:"authorization_response_iss_parameter_supported,omitempty"`
}

// Grant types.
const (
	GrantPreAuthorizedCode = "urn:ietf:params:oauth:grant-type:pre-authorized_code"
	GrantAuthorizationCode = "authorization_code"
)

// WellKnown returns the URL of a well-known document of an issuer or
// authorization server identifier (RFC 8414 section 3.1, OpenID4VCI 1.0
// section 12.2.2): the suffix goes between host and path, so
// https://uni.example/tenant gives
// https://uni.example/.well-known/openid-credential-issuer/tenant.
func WellKnown(identifier, suffix string) (string, error) {
	u, err := url.Parse(identifier)
	if err != nil || u.Host == "" || u.RawQuery != "" || u.Fragment != "" {
		return "", fmt.Errorf("%q is not an identifier URL (scheme, host, optional path; no query or fragment)", identifier)
	}
	path := strings.TrimSuffix(u.EscapedPath(), "/")
	return u.Scheme + "://" + u.Host + "/.well-known/" + suffix + path, nil
}

// Well-known suffixes.
const (
	WellKnownIssuer     = "openid-credential-issuer"
	WellKnownAuthServer = "oauth-authorization-server"
)
