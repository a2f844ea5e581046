package sdjwt

import (
	"bytes"
	"encoding/json"
	"fmt"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/diplomat-edu/diplomat/credentials"
	"github.com/diplomat-edu/diplomat/internal/jsonx"
)

var errMalformed = credentials.ErrMalformed

// The vct values of the two ELM mappings.
const (
	// VCTELM is Diplomat's SD-JWT VC type for an ELM credential mapped to
	// flat claims by MapELM.
	VCTELM = "urn:diplomat:elm:1"
	// VCTDC4EUELM is the type the DC4EU pilots use for an ELM credential
	// carried whole under the elm claim (MapELMDC4EU).
	VCTDC4EUELM = "urn:eudi:elm:1"
)

// Mapped is an ELM credential mapped to SD-JWT VC claims, with the frame
// that says which of them are selectively disclosable. Marshal Claims and
// pass them to Issue (or Mechanism.Sign) with Frame.
type Mapped struct {
	Claims map[string]any
	Frame  Frame
}

// ectsFramework is the ELM concept for the European Credit Transfer System.
const ectsFramework = "http://data.europa.eu/snb/education-credit/6fcec5c5af"

// MapELM maps an ELM v3 credential (VC JSON-LD as EDC writes it) to
// Diplomat's SD-JWT VC claims (vct VCTELM). Title, issuer, and per
// achievement the title, awarding body, awarding date and EQF/NQF levels and
// ISCED-F fields are always disclosed; the holder's names, date of birth,
// national id and e-mail, and each achievement's and each part's (course's)
// ECTS credits and grade are selectively disclosable. Language maps
// ({"en": "..."}) are kept as they are. validFrom/issuanceDate become nbf and
// validUntil/expirationDate exp. The mapping is one way: the ELM document
// itself is not carried (use MapELMDC4EU for that). See docs/sd-jwt-vc.md.
func MapELM(vc []byte) (*Mapped, error) {
	doc, err := decodeELM(vc)
	if err != nil {
		return nil, err
	}
	c := map[string]any{"vct": VCTELM}
	put(c, "credential_id", doc["id"])
	if dp, ok := first(doc["displayParameter"]).(map[string]any); ok {
		put(c, "title", dp["title"])
	}
	put(c, "credential_profile", label(doc["credentialProfiles"]))
	put(c, "issuer", organisation(doc["issuer"]))
	if err := validity(doc, c); err != nil {
		return nil, err
	}
	var sd []Path
	if subj, ok := first(doc["credentialSubject"]).(map[string]any); ok {
		h := map[string]any{}
		put(h, "given_name", subj["givenName"])
		put(h, "family_name", subj["familyName"])
		put(h, "full_name", subj["fullName"])
		put(h, "birthdate", subj["dateOfBirth"])
		if nid, ok := first(subj["nationalID"]).(map[string]any); ok {
			put(h, "national_id", nid["notation"])
		}
		if cp, ok := first(subj["contactPoint"]).(map[string]any); ok {
			if mb, ok := first(cp["emailAddress"]).(map[string]any); ok {
				if id, _ := mb["id"].(string); id != "" {
					h["email"] = strings.TrimPrefix(id, "mailto:")
				}
			}
		}
		for _, k := range []string{"given_name", "family_name", "full_name", "birthdate", "national_id", "email"} {
			if _, ok := h[k]; ok {
				sd = append(sd, Path{"holder", k})
			}
		}
		if len(h) > 0 {
			c["holder"] = h
		}
		var ach []any
		for _, cl := range list(subj["hasClaim"]) {
			if m, ok := cl.(map[string]any); ok {
				ach = append(ach, achievement(m, 0))
			}
		}
		if len(ach) > 0 {
			c["achievements"] = ach
			if _, ok := c["title"]; !ok {
				put(c, "title", ach[0].(map[string]any)["title"])
			}
		}
	}
	sd = append(sd,
		Path{"achievements", nil, "ects"}, Path{"achievements", nil, "grade"},
		Path{"achievements", nil, "parts", nil, "ects"}, Path{"achievements", nil, "parts", nil, "grade"})
	return &Mapped{Claims: c, Frame: Frame{Disclosable: sd}}, nil
}

// achievement maps one ELM learning achievement (or a part of one).
func achievement(m map[string]any, depth int) map[string]any {
	a := map[string]any{}
	put(a, "id", m["id"])
	spec, _ := first(m["specifiedBy"]).(map[string]any)
	put(a, "title", m["title"])
	if _, ok := a["title"]; !ok && spec != nil {
		put(a, "title", spec["title"])
	}
	if ab, ok := first(m["awardedBy"]).(map[string]any); ok {
		put(a, "awarding_body", organisation(ab["awardingBody"]))
		put(a, "awarding_date", ab["awardingDate"])
	}
	if spec != nil {
		if lvl := conceptID(spec["eqfLevel"]); lvl != "" {
			if n, err := strconv.Atoi(lvl[strings.LastIndexByte(lvl, '/')+1:]); err == nil {
				a["eqf_level"] = n
			}
		}
		put(a, "nqf_level", label(spec["nqfLevel"]))
		var isced []any
		for _, ta := range list(spec["thematicArea"]) {
			if id := conceptID(ta); strings.Contains(id, "/isced-f/") {
				isced = append(isced, id[strings.LastIndexByte(id, '/')+1:])
			}
		}
		if len(isced) > 0 {
			a["isced_f"] = isced
		}
		put(a, "ects", ects(spec["creditPoint"]))
	}
	if cr := ects(m["creditReceived"]); cr != nil {
		a["ects"] = cr
	}
	for _, pb := range list(m["provenBy"]) {
		if p, ok := pb.(map[string]any); ok {
			if g, ok := first(p["grade"]).(map[string]any); ok {
				put(a, "grade", g["noteLiteral"])
				break
			}
		}
	}
	if depth < 4 {
		var parts []any
		for _, hp := range list(m["hasPart"]) {
			if p, ok := hp.(map[string]any); ok {
				parts = append(parts, achievement(p, depth+1))
			}
		}
		if len(parts) > 0 {
			a["parts"] = parts
		}
	}
	return a
}

// ects returns the ECTS points of an ELM CreditPoint (or list of them).
func ects(v any) any {
	for _, e := range list(v) {
		cp, ok := e.(map[string]any)
		if !ok {
			continue
		}
		fw := conceptID(cp["framework"])
		lbl := label(cp["framework"])
		isECTS := fw == ectsFramework || strings.EqualFold(fmt.Sprint(langValue(lbl)), "ects")
		if !isECTS {
			continue
		}
		switch p := cp["point"].(type) {
		case string:
			if _, err := strconv.ParseFloat(p, 64); err == nil {
				return json.Number(p)
			}
			return p
		case json.Number:
			return p
		}
	}
	return nil
}

func organisation(v any) any {
	o, ok := first(v).(map[string]any)
	if !ok {
		return nil
	}
	out := map[string]any{}
	put(out, "id", o["id"])
	put(out, "name", o["legalName"])
	if loc, ok := first(o["location"]).(map[string]any); ok {
		if addr, ok := first(loc["address"]).(map[string]any); ok {
			if id := conceptID(addr["countryCode"]); id != "" {
				out["country"] = id[strings.LastIndexByte(id, '/')+1:]
			}
		}
	}
	if len(out) == 0 {
		return nil
	}
	return out
}

func validity(doc, c map[string]any) error {
	for _, f := range []struct{ claim, a, b string }{{"nbf", "validFrom", "issuanceDate"}, {"exp", "validUntil", "expirationDate"}} {
		s, _ := doc[f.a].(string)
		if s == "" {
			s, _ = doc[f.b].(string)
		}
		if s == "" {
			continue
		}
		t, err := parseELMTime(s)
		if err != nil {
			return fmt.Errorf("sd-jwt: elm: %s %q: %w", f.a, s, errMalformed)
		}
		c[f.claim] = t.Unix()
	}
	return nil
}

// parseELMTime reads xsd:dateTime, with or without a zone (UTC assumed).
func parseELMTime(s string) (time.Time, error) {
	for _, layout := range []string{time.RFC3339Nano, "2006-01-02T15:04:05", "2006-01-02"} {
		if t, err := time.Parse(layout, s); err == nil {
			return t, nil
		}
	}
	return time.Time{}, fmt.Errorf("not an xsd:dateTime")
}

// MapELMDC4EU maps an ELM credential the way the DC4EU pilots do: the whole
// ELM JSON-LD under the elm claim, vct VCTDC4EUELM, jti the credential id,
// nbf/exp from its validity. The frame follows the DC4EU type metadata
// (vctm_elm.json): every language value of credentialSubject.givenName and
// familyName, and of the first achievement's awarding body legalName, is
// selectively disclosable. A proof in the input is dropped (it would not
// survive selective disclosure).
func MapELMDC4EU(vc []byte) (*Mapped, error) {
	doc, err := decodeELM(vc)
	if err != nil {
		return nil, err
	}
	return mapDC4EU(doc)
}

// dc4euWithin is what the DC4EU mapping reads of an ELM credential, past
// its top-level scalars (MapELMDC4EUWithin).
var dc4euWithin = jsonx.Within{"credentialSubject": {"givenName": nil, "familyName": nil,
	"hasClaim": {"awardedBy": {"awardingBody": {"legalName": nil}}}}}

// MapELMDC4EUWithin is MapELMDC4EU for a credential about to be issued:
// only what the mapping reads and the members keep names (paths of member
// names from the ELM's top, arrays entered element by element, each
// decoded whole at its end) are decoded; the other objects and arrays of
// the ELM stay as their bytes, which IssueClaims writes into the payload
// as they are (HTML-unescaped compact JSON, not re-encoded), and vc must
// not change until it has. A frame that enters such a part decodes it.
func MapELMDC4EUWithin(vc []byte, keep [][]string) (*Mapped, error) {
	if err := jsonx.Check(vc, jsonx.Limits{}); err != nil {
		return nil, fmt.Errorf("sd-jwt: elm: %v: %w", err, errMalformed)
	}
	w := jsonx.Within{}
	mergeWithin(w, dc4euWithin)
	for _, p := range keep {
		addWithin(w, p)
	}
	doc, ok := checkedParts(jsonx.DecodeCheckedWithin(vc, w)).(map[string]any)
	if !ok {
		return nil, fmt.Errorf("sd-jwt: elm: not a JSON object: %w", errMalformed)
	}
	if _, ok := doc["credentialSubject"]; !ok {
		return nil, fmt.Errorf("sd-jwt: elm: no credentialSubject: %w", errMalformed)
	}
	return mapDC4EU(doc)
}

// mergeWithin adds what src decodes to dst; decoding a member whole (nil)
// wins over decoding parts of it.
func mergeWithin(dst, src jsonx.Within) {
	for k, v := range src {
		cur, ok := dst[k]
		switch {
		case ok && cur == nil:
		case v == nil:
			dst[k] = nil
		case !ok:
			dst[k] = jsonx.Within{}
			mergeWithin(dst[k], v)
		default:
			mergeWithin(cur, v)
		}
	}
}

// addWithin adds path, decoded whole at its end, to w.
func addWithin(w jsonx.Within, path []string) {
	if len(path) == 0 {
		return
	}
	sub := jsonx.Within{}
	for i := len(path) - 1; i >= 0; i-- {
		if i == len(path)-1 {
			sub = jsonx.Within{path[i]: nil}
		} else {
			sub = jsonx.Within{path[i]: sub}
		}
	}
	mergeWithin(w, sub)
}

// checkedJSON is a part of a checked document left as its bytes
// (MapELMDC4EUWithin): the encoder writes it as it is, the builder decodes
// it when the frame enters it.
type checkedJSON []byte

// checkedParts marks the parts DecodeCheckedWithin left as bytes as
// checked, walking only what it decoded.
func checkedParts(v any) any {
	switch t := v.(type) {
	case json.RawMessage:
		return checkedJSON(t)
	case map[string]any:
		for k, e := range t {
			switch e.(type) {
			case json.RawMessage, map[string]any, []any:
				t[k] = checkedParts(e)
			}
		}
	case []any:
		for k, e := range t {
			t[k] = checkedParts(e)
		}
	}
	return v
}

// mapDC4EU is MapELMDC4EU on the decoded credential.
func mapDC4EU(doc map[string]any) (*Mapped, error) {
	delete(doc, "proof")
	c := map[string]any{"vct": VCTDC4EUELM, "elm": doc}
	put(c, "jti", doc["id"])
	if err := validity(doc, c); err != nil {
		return nil, err
	}
	var sd []Path
	base := Path{"elm", "credentialSubject"}
	subj, _ := doc["credentialSubject"].(map[string]any)
	if subj == nil {
		return nil, fmt.Errorf("sd-jwt: elm: credentialSubject is not one JSON object: %w", errMalformed)
	}
	for _, name := range []string{"givenName", "familyName"} {
		if lm, ok := subj[name].(map[string]any); ok {
			for _, lang := range sortedKeys(lm) {
				sd = append(sd, base.child(name).child(lang))
			}
		}
	}
	claimPath := base.child("hasClaim")
	hc := subj["hasClaim"]
	if arr, ok := hc.([]any); ok && len(arr) > 0 {
		hc, claimPath = arr[0], claimPath.child(0)
	}
	if cl, ok := hc.(map[string]any); ok {
		if ab, ok := cl["awardedBy"].(map[string]any); ok {
			if body, ok := ab["awardingBody"].(map[string]any); ok {
				if ln, ok := body["legalName"].(map[string]any); ok {
					for _, lang := range sortedKeys(ln) {
						sd = append(sd, claimPath.child("awardedBy").child("awardingBody").child("legalName").child(lang))
					}
				}
			}
		}
	}
	return &Mapped{Claims: c, Frame: Frame{Disclosable: sd}}, nil
}

// ELMFromDC4EU returns the ELM credential carried by processed SD-JWT VC
// claims of type VCTDC4EUELM (such as credentials.Verified.Document): the
// elm claim, as a JSON object, or a string holding one (some pilot issuers
// serialize it). Claims the holder did not disclose are absent from it.
func ELMFromDC4EU(claims []byte) ([]byte, error) {
	if err := jsonx.Check(claims, jsonx.Limits{}); err != nil {
		return nil, fmt.Errorf("sd-jwt: elm: %v: %w", err, errMalformed)
	}
	var c map[string]json.RawMessage
	if err := json.Unmarshal(claims, &c); err != nil {
		return nil, fmt.Errorf("sd-jwt: elm: claims are not a JSON object: %w", errMalformed)
	}
	var vct string
	_ = json.Unmarshal(c["vct"], &vct)
	if vct != VCTDC4EUELM {
		return nil, fmt.Errorf("sd-jwt: elm: vct is %q, want %q: %w", vct, VCTDC4EUELM, errMalformed)
	}
	raw := bytes.TrimSpace(c["elm"])
	if len(raw) > 0 && raw[0] == '"' {
		var s string
		if err := json.Unmarshal(raw, &s); err != nil {
			return nil, fmt.Errorf("sd-jwt: elm: %w", errMalformed)
		}
		raw = []byte(s)
		if err := jsonx.Check(raw, jsonx.Limits{}); err != nil {
			return nil, fmt.Errorf("sd-jwt: elm: %v: %w", err, errMalformed)
		}
	}
	if len(raw) == 0 || raw[0] != '{' {
		return nil, fmt.Errorf("sd-jwt: elm: claim elm is missing or not a JSON object: %w", errMalformed)
	}
	return raw, nil
}

func decodeELM(vc []byte) (map[string]any, error) {
	// DecodeAny checks vc (Check) and builds what encoding/json's Decoder
	// with UseNumber would, in one pass.
	v, err := jsonx.DecodeAny(vc, jsonx.Limits{})
	if err != nil {
		return nil, fmt.Errorf("sd-jwt: elm: %v: %w", err, errMalformed)
	}
	doc, ok := v.(map[string]any)
	if !ok {
		return nil, fmt.Errorf("sd-jwt: elm: not a JSON object: %w", errMalformed)
	}
	if _, ok := doc["credentialSubject"]; !ok {
		return nil, fmt.Errorf("sd-jwt: elm: no credentialSubject: %w", errMalformed)
	}
	return doc, nil
}

// JSON-LD helpers: a property may hold one value or an array of them.

func list(v any) []any {
	switch t := v.(type) {
	case nil:
		return nil
	case []any:
		return t
	}
	return []any{v}
}

func first(v any) any {
	if l := list(v); len(l) > 0 {
		return l[0]
	}
	return nil
}

func conceptID(v any) string {
	if m, ok := first(v).(map[string]any); ok {
		s, _ := m["id"].(string)
		return s
	}
	return ""
}

// label returns a concept's prefLabel language map.
func label(v any) any {
	if m, ok := first(v).(map[string]any); ok {
		return m["prefLabel"]
	}
	return nil
}

// langValue returns the English (or any) value of a language map.
func langValue(v any) any {
	m, ok := v.(map[string]any)
	if !ok {
		return v
	}
	if e, ok := m["en"]; ok {
		return e
	}
	for _, k := range sortedKeys(m) {
		return m[k]
	}
	return nil
}

func put(m map[string]any, k string, v any) {
	switch t := v.(type) {
	case nil:
		return
	case string:
		if t == "" {
			return
		}
	case map[string]any:
		if len(t) == 0 {
			return
		}
	}
	m[k] = v
}

func sortedKeys(m map[string]any) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}
