package issuer

import (
	"bytes"
	"errors"
	"fmt"
	"net/url"
	"slices"
	"strings"

	"golang.org/x/text/language"

	"github.com/diplomat-edu/diplomat/internal/jsonx"
	"github.com/diplomat-edu/diplomat/internal/suggest"
	"github.com/diplomat-edu/diplomat/keys"
)

// InstitutionError is a problem of an institution file (ParseInstitution):
// the member it is about ("legalName.fr", "" for the file as a whole) and
// what is wrong, in plain words. It wraps ErrInvalidConfig.
type InstitutionError struct {
	Member string
	Msg    string
}

func (e *InstitutionError) Error() string {
	if e.Member == "" {
		return e.Msg
	}
	return e.Member + ": " + e.Msg
}

// Unwrap returns ErrInvalidConfig.
func (e *InstitutionError) Unwrap() error { return ErrInvalidConfig }

// institutionMembers are the members of an institution file, as Institution
// names them in JSON.
var institutionMembers = []string{"legalName", "legalIdentifier", "country", "homepage", "email", "logo", "did", "location"}

// ParseInstitution reads an institution file (diplomat issuer init
// --institution) from untrusted JSON, at most 1 MiB: an object with the
// members of Institution. legalName takes the forms a CSV file gives a
// multilingual text: a map of language to name ({"en": "…", "fr": "…"}),
// members "legalName.fr" with one language each, or a plain string, which
// is the name in English ("en", the language of the built-in templates, as
// for a CSV column without a language). Every problem is an
// *InstitutionError naming the member in plain words (the first found);
// the rules of Config.Validate apply too.
func ParseInstitution(data []byte) (*Institution, error) {
	bad := func(member, format string, args ...any) error {
		return &InstitutionError{Member: member, Msg: fmt.Sprintf(format, args...)}
	}
	v, err := jsonx.DecodeAny(data, jsonx.Limits{MaxBytes: 1 << 20})
	if err != nil {
		var je *jsonx.Error
		if errors.As(err, &je) && je.Offset >= 0 {
			line, col := lineCol(data, je.Offset)
			return nil, bad("", "not valid JSON at line %d, column %d: %s", line, col, je.Reason)
		}
		return nil, bad("", "not valid JSON: %s", strings.TrimPrefix(err.Error(), "json: "))
	}
	m, ok := v.(map[string]any)
	if !ok {
		return nil, bad("", "must be a JSON object with legalName, country and the other members of docs/issuing.md, not %s", jsonx.Kind(v))
	}
	inst := &Institution{LegalName: map[string]string{}}
	text := func(name string, val any) (string, error) {
		s, ok := val.(string)
		if !ok {
			return "", bad(name, "must be a text (in quotes), not %s", jsonx.Kind(val))
		}
		return strings.TrimSpace(s), nil
	}
	addName := func(member, lang string, val any) error {
		s, err := text(member, val)
		if err != nil {
			return err
		}
		tag, err := language.Parse(lang)
		if err != nil {
			return bad(member, "%q is not a language tag (write legalName.en, legalName.fr, …)", lang)
		}
		if _, dup := inst.LegalName[tag.String()]; dup {
			return bad(member, "a second name in language %s", tag)
		}
		inst.LegalName[tag.String()] = s
		return nil
	}
	texts := map[string]*string{
		"legalIdentifier": &inst.LegalIdentifier, "country": &inst.Country, "homepage": &inst.Homepage,
		"email": &inst.Email, "logo": &inst.Logo, "did": &inst.DID, "location": &inst.Location,
	}
	for _, name := range sortedNames(m) {
		val := m[name]
		if lang, ok := strings.CutPrefix(name, "legalName."); ok {
			if err := addName(name, lang, val); err != nil {
				return nil, err
			}
			continue
		}
		dst, isText := texts[name]
		switch {
		case isText:
		case name == "legalName":
			switch x := val.(type) {
			case string:
				if err := addName(name, "en", x); err != nil {
					return nil, err
				}
			case map[string]any:
				for _, lang := range sortedNames(x) {
					if err := addName(name+"."+lang, lang, x[lang]); err != nil {
						return nil, err
					}
				}
			default:
				return nil, bad(name, `must be the name, or a map of language to name such as {"en": "…", "fr": "…"}, not %s`, jsonx.Kind(val))
			}
			continue
		default:
			msg := fmt.Sprintf("not a member of an institution file (members: %s)", strings.Join(institutionMembers, ", "))
			if near := suggest.Nearest(name, institutionMembers, 3); near != "" {
				msg = fmt.Sprintf("not a member of an institution file (did you mean %s?)", near)
			}
			return nil, bad(name, "%s", msg)
		}
		s, err := text(name, val)
		if err != nil {
			return nil, err
		}
		*dst = s
	}
	if err := inst.validate(""); err != nil {
		return nil, err
	}
	return inst, nil
}

// validate checks the rules Config documents for its Institution; members
// are named with prefix ("institution." in a Config, "" in a file).
func (inst *Institution) validate(prefix string) error {
	bad := func(member, format string, args ...any) error {
		return &InstitutionError{Member: prefix + member, Msg: fmt.Sprintf(format, args...)}
	}
	if len(inst.LegalName) == 0 {
		return bad("legalName", `required: the name, or a map of language to name such as {"en": "…"}`)
	}
	for _, lang := range sortedNames(inst.LegalName) {
		if strings.TrimSpace(inst.LegalName[lang]) == "" || lang == "" {
			return bad("legalName."+lang, "empty")
		}
	}
	if inst.Country == "" {
		return bad("country", "required: the ISO 3166-1 alpha-2 code, such as FR")
	}
	if !keys.IsCountry(inst.Country) {
		return bad("country", "%q is not an ISO 3166-1 alpha-2 code (such as FR, DE, PL)", inst.Country)
	}
	if inst.DID != "" && !strings.HasPrefix(inst.DID, "did:") {
		return bad("did", "%q is not a DID (did:web:…, did:key:…)", inst.DID)
	}
	if inst.Homepage != "" && !isHTTPURL(inst.Homepage) {
		return bad("homepage", "%q is not an http(s) URL", inst.Homepage)
	}
	return nil
}

func isHTTPURL(s string) bool {
	u, err := url.Parse(s)
	return err == nil && (u.Scheme == "https" || u.Scheme == "http") && u.Host != ""
}

func sortedNames[V any](m map[string]V) []string {
	names := make([]string, 0, len(m))
	for k := range m {
		names = append(names, k)
	}
	slices.Sort(names)
	return names
}

// lineCol turns a byte offset into a 1-based line and column.
func lineCol(data []byte, off int64) (line, col int) {
	if off > int64(len(data)) {
		off = int64(len(data))
	}
	before := data[:off]
	line = 1 + bytes.Count(before, []byte("\n"))
	col = 1 + len(before) - (bytes.LastIndexByte(before, '\n') + 1)
	return line, col
}
