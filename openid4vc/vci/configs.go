package vci

import (
	"sort"

	"github.com/diplomat-edu/diplomat/credentials/sdjwt"
	"github.com/diplomat-edu/diplomat/openid4vc/internal/jwt"
)

// TemplateInfo is what ConfigurationsFor needs of one credential template.
type TemplateInfo struct {
	// Name is the template's name ("diploma"): the configuration ids are
	// Name + "_sd_jwt", "_jwt_vc" and "_ldp_vc", and the scopes the same.
	Name string
	// Titles are the credential's display name by BCP 47 language tag
	// (at least one).
	Titles map[string]string
	// Description is shown under the name, in the first title's language
	// and the others ("" none).
	Description string
	// Logo is the credential's logo (a data: or https URL), nil none.
	Logo *Image
	// BackgroundColor and TextColor are CSS colours ("" none).
	BackgroundColor, TextColor string
}

// Configuration id suffixes, one per format.
const (
	SuffixSDJWT = "_sd_jwt"
	SuffixJWTVC = "_jwt_vc"
	SuffixLDPVC = "_ldp_vc"
)

// W3C context and type values of Diplomat's ELM credentials.
var (
	elmTypes    = []string{"VerifiableCredential", "EuropeanDigitalCredential"}
	elmContexts = []string{"https://www.w3.org/2018/credentials/v1", "http://data.europa.eu/snb/model/context/edc-ap", "https://www.w3.org/ns/credentials/status/v1"}
)

// ConfigurationsFor returns the credential configurations of one template
// in the formats asked (FormatSDJWT, FormatJWTVC, FormatLDPVC), as
// Diplomat's issuer makes them: dc+sd-jwt with vct urn:eudi:elm:1 (the ELM
// in the DC4EU layout, the eudi profile), jwt_vc_json with the EBSI types
// (ebsi profile, ES256), ldp_vc with the ELM contexts (w3c profile,
// eddsa-rdfc-2022 or ecdsa-rdfc-2019). Each binds the credential to the
// wallet's key (cnf jwk for SD-JWT VC, the holder's did:key or did:jwk for
// the W3C formats), takes jwt key proofs with algs (nil: ES256, ES384,
// ES512, EdDSA), and is displayed under
// every title.
func ConfigurationsFor(t TemplateInfo, formats []string, algs []string) map[string]CredentialConfiguration {
	langs := make([]string, 0, len(t.Titles))
	for l := range t.Titles {
		langs = append(langs, l)
	}
	sort.Strings(langs)
	var display []CredentialDisplay
	for _, l := range langs {
		display = append(display, CredentialDisplay{Name: t.Titles[l], Locale: l, Logo: t.Logo, Description: t.Description,
			BackgroundColor: t.BackgroundColor, TextColor: t.TextColor})
	}
	if algs == nil {
		algs = jwt.AllAlgs
	}
	proofs := map[string]ProofTypeInfo{"jwt": {ProofSigningAlgValuesSupported: algs}}
	meta := &CredentialMetadata{Display: display}
	out := map[string]CredentialConfiguration{}
	for _, f := range formats {
		switch f {
		case FormatSDJWT:
			out[t.Name+SuffixSDJWT] = CredentialConfiguration{Format: f, Scope: t.Name + SuffixSDJWT, VCT: sdjwt.VCTDC4EUELM,
				CredentialSigningAlgValuesSupported: []any{"EdDSA", "ES256", "ES384"}, CryptographicBindingMethodsSupported: []string{"jwk"},
				ProofTypesSupported: proofs, CredentialMetadata: meta}
		case FormatJWTVC:
			out[t.Name+SuffixJWTVC] = CredentialConfiguration{Format: f, Scope: t.Name + SuffixJWTVC,
				CredentialDefinition:                 &CredentialDefinition{Type: append(append([]string(nil), elmTypes...), "VerifiableAttestation")},
				CredentialSigningAlgValuesSupported:  []any{"ES256"},
				CryptographicBindingMethodsSupported: []string{"did:key", "did:jwk"},
				ProofTypesSupported:                  proofs, CredentialMetadata: meta}
		case FormatLDPVC:
			out[t.Name+SuffixLDPVC] = CredentialConfiguration{Format: f, Scope: t.Name + SuffixLDPVC,
				CredentialDefinition:                 &CredentialDefinition{Context: elmContexts, Type: elmTypes},
				CredentialSigningAlgValuesSupported:  []any{"eddsa-rdfc-2022", "ecdsa-rdfc-2019"},
				CryptographicBindingMethodsSupported: []string{"did:key", "did:jwk"},
				ProofTypesSupported:                  proofs, CredentialMetadata: meta}
		}
	}
	return out
}
