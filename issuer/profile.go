package issuer

import (
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"fmt"
	"slices"
	"strings"

	"github.com/diplomat-edu/diplomat/credentials/dataintegrity"
	"github.com/diplomat-edu/diplomat/credentials/jades"
	"github.com/diplomat-edu/diplomat/credentials/jose"
	"github.com/diplomat-edu/diplomat/credentials/sdjwt"
	"github.com/diplomat-edu/diplomat/keys"
)

// Profile names: what an ecosystem expects, in one word (DESIGN.md, docs/profiles.md).
const (
	// EDC: VC 1.1 with the edc-ap context, sealed with JAdES and an X.509
	// eSeal, as the EU's European Digital Credentials platform issues.
	EDC = "edc"
	// EBSI: VC 1.1 in the EBSI attestation shape, jwt_vc_json, ES256,
	// a did key; status with StatusList2021.
	EBSI = "ebsi"
	// W3C: VC 2.0 secured with vc+jwt (the default proof) or a Data
	// Integrity proof.
	W3C = "w3c"
	// EUDI: SD-JWT VC (dc+sd-jwt), the ELM mapped to flat claims with the
	// holder's personal data selectively disclosable.
	EUDI = "eudi"
)

// Proof names, as Profile.Proof takes them.
const (
	ProofVCJWT = jose.TypVC                  // "vc+jwt"
	ProofEdDSA = dataintegrity.EdDSARDFC2022 // "eddsa-rdfc-2022"
	ProofECDSA = dataintegrity.ECDSARDFC2019 // "ecdsa-rdfc-2019"
	// The JCS cryptosuites sign the JSON itself: no JSON-LD processing.
	ProofEdDSAJCS = dataintegrity.EdDSAJCS2022 // "eddsa-jcs-2022"
	ProofECDSAJCS = dataintegrity.ECDSAJCS2019 // "ecdsa-jcs-2019"
	// ProofECDSASD is selective disclosure: the holder derives proofs that
	// show only part of the credential.
	ProofECDSASD = dataintegrity.ECDSASD2023 // "ecdsa-sd-2023"
	ProofJWTVC   = jose.FormatJWTVC          // "jwt_vc_json"
	ProofJAdES   = jades.Name                // "jades"
	ProofSDJWT   = sdjwt.TypSDJWTVC          // "dc+sd-jwt"
)

// Profiles returns the profile names, in the order docs/profiles.md lists them.
func Profiles() []string { return []string{EDC, EBSI, W3C, EUDI} }

// Profile is how a credential is issued: the profile, its proof, and the key.
type Profile struct {
	// Name is EDC, EBSI, W3C or EUDI.
	Name string
	// Proof is the securing mechanism. Empty means the profile's default:
	// jades for edc, jwt_vc_json for ebsi, vc+jwt for w3c, dc+sd-jwt for
	// eudi. Only w3c offers a choice (vc+jwt, eddsa-rdfc-2022,
	// ecdsa-rdfc-2019, eddsa-jcs-2022, ecdsa-jcs-2019, ecdsa-sd-2023).
	Proof string
	// Key is the name of the signing key in the store. Empty means the
	// only active assertion key that fits the profile; if several fit, the
	// first by name (see docs/profiles.md).
	Key string
}

// String returns "name" or "name/proof" when the proof is not the default.
func (p Profile) String() string {
	if p.Proof == "" || p.Proof == defaultProof(p.Name) {
		return p.Name
	}
	return p.Name + "/" + p.Proof
}

func defaultProof(name string) string {
	switch name {
	case EDC:
		return ProofJAdES
	case EBSI:
		return ProofJWTVC
	case W3C:
		return ProofVCJWT
	case EUDI:
		return ProofSDJWT
	}
	return ""
}

// normalize checks the profile and fills the default proof. Errors wrap
// ErrUnknownProfile.
func (p Profile) normalize() (Profile, error) {
	def := defaultProof(p.Name)
	if def == "" {
		return p, fmt.Errorf("%w %q: choose one of %s", ErrUnknownProfile, p.Name, strings.Join(Profiles(), ", "))
	}
	if p.Proof == "" {
		p.Proof = def
	}
	allowed := []string{def}
	if p.Name == W3C {
		allowed = []string{ProofVCJWT, ProofEdDSA, ProofECDSA, ProofEdDSAJCS, ProofECDSAJCS, ProofECDSASD}
	}
	if !slices.Contains(allowed, p.Proof) {
		return p, fmt.Errorf("%w: profile %s has no proof %q (it offers %s)", ErrUnknownProfile, p.Name, p.Proof, strings.Join(allowed, ", "))
	}
	return p, nil
}

// fits says why k cannot sign new credentials for p, or "" if it can.
func fits(p Profile, k *keys.Key) string {
	if k.State != keys.Active {
		return "it is " + string(k.State)
	}
	return fitsType(p, k)
}

// fitsType says why k, whatever its state, is not a key for p, or "".
func fitsType(p Profile, k *keys.Key) string {
	if k.Purpose != keys.Assertion {
		return "it is an " + string(k.Purpose) + " key, not an assertion key"
	}
	switch p.Proof {
	case ProofJAdES:
		if len(k.Chain) == 0 {
			return "it has no X.509 certificate (edc needs an eSeal: keys import or keys create --x509-test)"
		}
		return ""
	case ProofJWTVC:
		if pub, ok := k.Public.(*ecdsa.PublicKey); !ok || pub.Curve != elliptic.P256() {
			return "ebsi signs with ES256: it needs a p256 key"
		}
	case ProofEdDSA, ProofEdDSAJCS:
		if _, ok := k.Public.(ed25519.PublicKey); !ok {
			return p.Proof + " needs an ed25519 key"
		}
	case ProofECDSA, ProofECDSAJCS:
		if _, ok := k.Public.(*ecdsa.PublicKey); !ok {
			return p.Proof + " needs a p256 or p384 key"
		}
	case ProofECDSASD:
		if pub, ok := k.Public.(*ecdsa.PublicKey); !ok || pub.Curve != elliptic.P256() {
			return "ecdsa-sd-2023 needs a p256 key"
		}
	default: // vc+jwt, dc+sd-jwt
		switch k.Public.(type) {
		case ed25519.PublicKey, *ecdsa.PublicKey:
		default:
			return p.Proof + " needs an ed25519, p256 or p384 key"
		}
	}
	if len(k.Chain) > 0 {
		return "it is an eSeal (X.509); " + p.Name + " signs with a DID key"
	}
	return ""
}

// pickKey finds the key for p: the named one, which must fit, or the first
// active assertion key by name that fits.
func pickKey(s *keys.Store, p Profile) (*keys.Key, error) {
	if p.Key != "" {
		k, err := s.Key(p.Key)
		if err != nil {
			return nil, fmt.Errorf("%w: key %q: %w", ErrNoKey, p.Key, err)
		}
		if why := fits(p, k); why != "" {
			return nil, fmt.Errorf("%w: key %q cannot sign for profile %s: %s", ErrNoKey, p.Key, p, why)
		}
		return k, nil
	}
	all, err := s.Keys()
	if err != nil {
		return nil, err
	}
	for _, k := range all { // sorted by name, then creation
		if fits(p, k) == "" {
			return k, nil
		}
	}
	return nil, fmt.Errorf("%w: no active key in the store fits profile %s (%s)", ErrNoKey, p, keyHint(p))
}

func keyHint(p Profile) string {
	switch p.Proof {
	case ProofJAdES:
		return "it needs an eSeal with its certificate"
	case ProofJWTVC:
		return "it needs a p256 key"
	case ProofEdDSA, ProofEdDSAJCS:
		return "it needs an ed25519 key"
	case ProofECDSA, ProofECDSAJCS:
		return "it needs a p256 or p384 key"
	case ProofECDSASD:
		return "it needs a p256 key"
	}
	return "it needs an ed25519, p256 or p384 key"
}
