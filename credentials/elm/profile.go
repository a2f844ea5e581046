package elm

import (
	"errors"
	"fmt"
	"slices"
	"strings"
)

// Profile is an EDC application profile: a set of SHACL shapes an ELM
// credential conforms to.
type Profile string

// The EDC application profiles. Every profile includes Generic;
// DiplomaSupplement also includes Accredited.
const (
	Generic           Profile = "generic"
	Accredited        Profile = "accredited"
	DiplomaSupplement Profile = "diplomaSupplement"
	IssuedByMandate   Profile = "issuedByMandate"
	Converted         Profile = "converted"
)

// Profiles lists the EDC application profiles.
func Profiles() []Profile {
	return []Profile{Generic, Accredited, DiplomaSupplement, IssuedByMandate, Converted}
}

// ErrUnknownProfile is wrapped by errors about a profile name or a profile
// concept this package does not know.
var ErrUnknownProfile = errors.New("unknown EDC profile")

// ParseProfile returns the profile named s (as in the constants, case
// insensitive). The error wraps ErrUnknownProfile.
func ParseProfile(s string) (Profile, error) {
	for _, p := range Profiles() {
		if strings.EqualFold(s, string(p)) {
			return p, nil
		}
	}
	return "", fmt.Errorf("%w %q (known: generic, accredited, diplomaSupplement, issuedByMandate, converted)", ErrUnknownProfile, s)
}

// includes returns the profiles whose rules p applies, most general first.
func (p Profile) includes() []Profile {
	switch p {
	case Generic:
		return []Profile{Generic}
	case Accredited:
		return []Profile{Generic, Accredited}
	case DiplomaSupplement:
		return []Profile{Generic, Accredited, DiplomaSupplement}
	case IssuedByMandate:
		return []Profile{Generic, IssuedByMandate}
	case Converted:
		return []Profile{Generic, Converted}
	}
	return nil
}

// profileConcept maps the credentialProfiles concepts of the EDC
// credential-profile list to profiles.
func profileConcept(id string) (Profile, bool) {
	switch id {
	case CredentialTypeNamespace + "e34929035b":
		return Generic, true
	case CredentialTypeNamespace + "c_ae121a00":
		return Accredited, true
	case CredentialTypeNamespace + "6dff8a0f87":
		return DiplomaSupplement, true
	case CredentialTypeNamespace + "c_9a31f32a":
		return IssuedByMandate, true
	case CredentialTypeNamespace + "c_7e400154":
		return Converted, true
	}
	// The other credential types (qualification award, learning activity,
	// learning entitlement) carry no profile of their own: generic.
	if _, ok := CredentialType(id); ok {
		return Generic, true
	}
	return "", false
}

// shaclProfile maps the id of a ShaclValidator2017 credentialSchema
// (".../ap/edc-generic-full", ".../EDC-issuedByMandate", ".../EDC-generic.ttl")
// to a profile.
func shaclProfile(id string) (Profile, bool) {
	last := id[strings.LastIndexAny(id, "/#:")+1:]
	last = strings.ToLower(strings.TrimSuffix(last, ".ttl"))
	last = strings.ReplaceAll(last, "-", "")
	switch {
	case !strings.HasPrefix(last, "edc"):
		return "", false
	case strings.HasPrefix(last, "edcgeneric"):
		return Generic, true
	case last == "edcaccredited":
		return Accredited, true
	case last == "edcdiplomasupplement":
		return DiplomaSupplement, true
	case last == "edcissuedbymandate":
		return IssuedByMandate, true
	case last == "edcconverted":
		return Converted, true
	}
	return "", false
}

// Declared returns the profiles the credential declares, from its
// credentialProfiles concepts and its ShaclValidator2017 credentialSchema
// entries, without duplicates, in the order of Profiles. Generic is always
// included. A concept or SHACL schema id it does not know is an error
// wrapping ErrUnknownProfile, naming the id and its JSON path.
func Declared(c *EuropeanDigitalCredential) ([]Profile, error) {
	set := map[Profile]bool{Generic: true}
	for i, cp := range c.CredentialProfiles.Items {
		if cp == nil {
			continue
		}
		p, ok := profileConcept(cp.ID)
		if !ok {
			return nil, fmt.Errorf("%s: %w: concept %q", indexPath("credentialProfiles", i, c.CredentialProfiles.Single), ErrUnknownProfile, cp.ID)
		}
		set[p] = true
	}
	for i, cs := range c.CredentialSchema.Items {
		if cs == nil || !cs.HasType("ShaclValidator2017") {
			continue
		}
		p, ok := shaclProfile(cs.ID)
		if !ok {
			return nil, fmt.Errorf("%s: %w: SHACL schema %q", indexPath("credentialSchema", i, c.CredentialSchema.Single), ErrUnknownProfile, cs.ID)
		}
		set[p] = true
	}
	var out []Profile
	for _, p := range Profiles() {
		if set[p] {
			out = append(out, p)
		}
	}
	return out, nil
}

func indexPath(term string, i int, single bool) string {
	if single {
		return term
	}
	return fmt.Sprintf("%s[%d]", term, i)
}

// CheckDeclared checks the credential against every profile it declares
// (see Declared), each rule once.
func CheckDeclared(c *EuropeanDigitalCredential, opts *Options) ([]Violation, error) {
	all, err := declaredClosure(c)
	if err != nil {
		return nil, err
	}
	return checkTree(ToTree(c), all, opts), nil
}

// CheckDeclaredTree is CheckDeclared for a credential c that ParseTree
// read from tree, neither modified since: it checks tree itself, which is
// the JSON that ToTree(c) would write again, and saves writing it. A
// verifier that decodes a document once uses it; a caller that builds or
// edits a credential uses CheckDeclared.
func CheckDeclaredTree(c *EuropeanDigitalCredential, tree map[string]any, opts *Options) ([]Violation, error) {
	all, err := declaredClosure(c)
	if err != nil {
		return nil, err
	}
	return checkTree(tree, all, opts), nil
}

// declaredClosure returns the profiles c declares and those they include,
// each once.
func declaredClosure(c *EuropeanDigitalCredential) ([]Profile, error) {
	ps, err := Declared(c)
	if err != nil {
		return nil, err
	}
	var all []Profile
	for _, p := range ps {
		for _, q := range p.includes() {
			if !slices.Contains(all, q) {
				all = append(all, q)
			}
		}
	}
	return all, nil
}
