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
	// key the configuration records for the profile (Config.Keys), else
	// the one ChooseKeys would choose (see docs/profiles.md).
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

// CheckProfile reports whether p names a profile and, when set, a proof it
// offers: nil, or an error wrapping ErrUnknownProfile that lists the
// choices. It looks at no key.
func CheckProfile(p Profile) error {
	_, err := p.normalize()
	return err
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
	if k.AwaitingCertificate {
		return "it is awaiting the certificate requested for it (keys csr): attach it with 'diplomat keys import " + k.Name + " --chain FILE'"
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

// pickKey finds the key for the normalized profile p: the one p names, or
// else the one recorded for its name in recorded (Config.Keys), which must
// fit; or else the key chooseKey prefers.
func pickKey(s *keys.Store, p Profile, recorded map[string]string) (*keys.Key, error) {
	name, from := p.Key, ""
	if name == "" {
		name, from = recorded[p.Name], " (recorded for profile "+p.Name+" by issuer init)"
	}
	if name != "" {
		k, err := s.Key(name)
		if err != nil {
			return nil, fmt.Errorf("%w: key %q%s: %w", ErrNoKey, name, from, err)
		}
		if why := fits(p, k); why != "" {
			return nil, fmt.Errorf("%w: key %q%s cannot sign for profile %s: %s", ErrNoKey, name, from, p, why)
		}
		return k, nil
	}
	all, err := s.Keys()
	if err != nil {
		return nil, err
	}
	if k := chooseKey(p, all); k != nil {
		return k, nil
	}
	return nil, fmt.Errorf("%w: no active key in the store fits profile %s (%s)", ErrNoKey, p, keyHint(p))
}

// chooseKey returns the key of all that signs for the normalized profile p
// when none is named or recorded, or nil: among the active assertion keys
// that fit p and await no certificate, a qualified eSeal before a test one
// (edc), an Ed25519 key before a P-256 one before a P-384 one (w3c and
// eudi, whose default proofs take any), and then the first by name.
func chooseKey(p Profile, all []*keys.Key) *keys.Key {
	rank := func(k *keys.Key) int {
		r := 0
		if k.Test {
			r += 10
		}
		switch k.Type {
		case keys.P256:
			r++
		case keys.P384:
			r += 2
		case keys.RSA:
			r += 3
		}
		return r
	}
	var best *keys.Key
	for _, k := range all { // sorted by name, then creation
		if fits(p, k) != "" {
			continue
		}
		if best == nil || rank(k) < rank(best) {
			best = k
		}
	}
	return best
}

// ChooseKeys returns, for every profile with its default proof, the name
// of the key that would sign for it when neither a Profile nor the
// configuration names one (see chooseKey); a profile no key fits is
// absent. diplomat issuer init records the result in Config.Keys, so that
// a key created later never silently takes over.
func ChooseKeys(s *keys.Store) (map[string]string, error) {
	all, err := s.Keys()
	if err != nil {
		return nil, err
	}
	out := map[string]string{}
	for _, name := range Profiles() {
		p, _ := Profile{Name: name}.normalize()
		if k := chooseKey(p, all); k != nil {
			out[name] = k.Name
		}
	}
	return out, nil
}

// CheckKey says why the key named name cannot sign for profile (with its
// default proof), or returns nil. It is how diplomat issuer init checks a
// key it is told to record.
func CheckKey(s *keys.Store, profile, name string) error {
	p, err := Profile{Name: profile}.normalize()
	if err != nil {
		return err
	}
	_, err = pickKey(s, Profile{Name: p.Name, Proof: p.Proof, Key: name}, nil)
	return err
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
