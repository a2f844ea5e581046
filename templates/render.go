package templates

import (
	"bytes"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"strings"
	"sync"
	"text/template"
	"text/template/parse"
	"time"
	"unicode/utf8"

	"golang.org/x/text/language"

	"github.com/diplomat-edu/diplomat/internal/jsonx"
)

// Institution is the issuer's identity, stamped on every credential.
type Institution struct {
	// LegalName maps a BCP 47 language tag to the legal name in that
	// language; at least one.
	LegalName map[string]string
	// LegalIdentifier is a national registration or VAT number; optional.
	LegalIdentifier string
	// Country is the ISO 3166-1 alpha-2 code of the institution's country
	// ("FR"); required.
	Country string
	// Homepage is an http(s) URL; optional.
	Homepage string
	// Email is a contact address; optional.
	Email string
	// Logo is a data: URL of a PNG or JPEG image, embedded in the
	// credential; an https URL is accepted but not embedded (an ELM media
	// object carries its content). Optional.
	Logo string
	// DID is the issuer's id (did:web:…, did:key:…), or for the edc
	// profile a URN or URL; required.
	DID string
	// Location is a postal address or place; optional.
	Location string
}

// RenderOptions adjust Render.
type RenderOptions struct {
	// ID is the credential id, a URI such as "urn:uuid:…". Empty means a
	// new random urn:uuid (NewID).
	ID string
	// IssuedAt is the issuance time, written (in UTC, to the second) as
	// issuanceDate, issued and validFrom. The zero value means now.
	IssuedAt time.Time
}

// Rendered is an unsigned credential and what the issuer needs to know of
// it without parsing it again.
type Rendered struct {
	// Credential is the unsigned ELM credential, compact JSON: a VC 1.1
	// envelope with the edc-ap context, as EDC writes it before sealing.
	// The issuer converts it for its profile.
	Credential []byte
	// SubjectID is credentialSubject.id (such as the ESI), or "".
	SubjectID string
	// Types is the credential's type.
	Types []string
	// EQFLevel is the level of the template's eqfField, 0 if none.
	EQFLevel int
	// ISCEDFields are the ISCED-F codes of the template's iscedField.
	ISCEDFields []string
	// Disclosable are the JSON paths that SD-JWT VC should make
	// selectively disclosable: member names joined by dots, "[*]" for
	// every element of an array ("credentialSubject.hasClaim.hasPart[*].
	// creditReceived"). A member holding one object or an array of
	// objects is walked either way. A path may be absent when the field
	// behind it was empty.
	Disclosable []string
}

// renderData is what the template body sees: .ID, .Issued, .Issuer (the
// *Institution) and .Record (the normalized record: every declared field,
// nil when absent).
type renderData struct {
	ID     string
	Issued string
	Issuer *issuerView
	Record map[string]any
}

// issuerView is the institution as the body sees it (.Issuer.Country…),
// with its JSON forms built once per institution.
type issuerView struct {
	Institution
	org, ref rawJSON
}

// issuer returns the view of inst, reusing the last one built when the
// institution has not changed (a batch stamps the same one on every
// credential).
func (t *Template) issuer(inst *Institution) (*issuerView, error) {
	if last := t.lastIssuer.Load(); last != nil && sameInstitution(&last.Institution, inst) {
		return last, nil
	}
	if err := t.checkInstitution(inst); err != nil {
		return nil, err
	}
	iv := &issuerView{Institution: *inst}
	iv.LegalName = maps.Clone(inst.LegalName)
	var err error
	if iv.org, err = t.organisationJSON(inst); err != nil {
		return nil, err
	}
	if iv.ref, err = t.orgRefJSON(inst); err != nil {
		return nil, err
	}
	t.lastIssuer.Store(iv)
	return iv, nil
}

func sameInstitution(a, b *Institution) bool {
	return a.LegalIdentifier == b.LegalIdentifier && a.Country == b.Country && a.Homepage == b.Homepage &&
		a.Email == b.Email && a.Logo == b.Logo && a.DID == b.DID && a.Location == b.Location && maps.Equal(a.LegalName, b.LegalName)
}

// Render validates the record (all problems at once, as a *RecordsError)
// and the institution (an error wrapping ErrInvalidInstitution), then
// writes the credential. A body that fails or writes invalid JSON is an
// error wrapping ErrInvalidTemplate. The record's values are always
// written as JSON values, never as raw text.
func (t *Template) Render(rec Record, inst Institution, opts RenderOptions) (*Rendered, error) {
	vals, errs := t.normalize(rec)
	if len(errs) > 0 {
		return nil, &RecordsError{Errors: errs}
	}
	iv, err := t.issuer(&inst)
	if err != nil {
		return nil, err
	}
	id := opts.ID
	if id == "" {
		id = NewID()
	} else if !strings.Contains(id, ":") || strings.ContainsAny(id, " \t\r\n\"<>") {
		return nil, fmt.Errorf("templates: credential id %q is not a URI", id)
	}
	at := opts.IssuedAt
	if at.IsZero() {
		at = time.Now()
	}
	data := renderData{ID: id, Issued: at.UTC().Truncate(time.Second).Format(time.RFC3339), Issuer: iv, Record: vals}

	buf := bufs.Get().(*bytes.Buffer)
	defer bufs.Put(buf)
	buf.Reset()
	if err := t.execute(buf, &data); err != nil {
		return nil, fmt.Errorf("template %s: %w: %v", t.h.Name, ErrInvalidTemplate, err)
	}
	var typ, subject []byte // the top-level members, read by the check
	if err := jsonx.CheckMembers(buf.Bytes(), jsonx.Limits{}, func(name, value []byte) {
		switch string(name) {
		case "type":
			typ = value
		case "credentialSubject":
			subject = value
		}
	}); err != nil {
		return nil, fmt.Errorf("template %s: %w: the body wrote invalid JSON: %v (every {{…}} writes a whole JSON value, quotes included)", t.h.Name, ErrInvalidTemplate, err)
	}
	r := &Rendered{Credential: compact(buf.Bytes()), Disclosable: t.Disclosable()}
	r.Types, r.SubjectID = typesAndSubjectOf(typ, subject)
	if t.h.EQFField != "" {
		if n, ok := vals[t.h.EQFField].(int64); ok {
			r.EQFLevel = int(n)
		}
	}
	if t.h.ISCEDField != "" {
		if s, ok := vals[t.h.ISCEDField].(string); ok && s != "" {
			r.ISCEDFields = []string{s}
		}
	}
	return r, nil
}

// execute writes the body's output for data to buf: with the compiled body
// when there is one and it knows what to write, else (and for every error)
// with text/template.
func (t *Template) execute(buf *bytes.Buffer, data *renderData) error {
	if t.fast != nil && t.fast.exec(buf, data) {
		return nil
	}
	buf.Reset()
	return t.body.Execute(buf, *data)
}

// compact returns a copy of valid JSON without the whitespace between
// tokens (encoding/json's Compact rescans and is four times slower). It
// copies runs of bytes and skips string contents with IndexByte: after
// stripTexts a body's output has little whitespace left.
func compact(src []byte) []byte {
	out := make([]byte, 0, len(src))
	start := 0 // src[start:k] is not yet copied
	for k := 0; k < len(src); k++ {
		switch src[k] {
		case '"':
			for k++; k < len(src); k++ { // to the next quote not escaped
				q := bytes.IndexByte(src[k:], '"')
				if q < 0 {
					k = len(src)
					break
				}
				k += q
				bs := 0
				for j := k - 1; src[j] == '\\'; j-- {
					bs++
				}
				if bs%2 == 0 {
					break
				}
			}
		case ' ', '\t', '\n', '\r':
			out = append(out, src[start:k]...)
			start = k + 1
		}
	}
	return append(out, src[start:]...)
}

var bufs = sync.Pool{New: func() any { return new(bytes.Buffer) }}

// typesAndSubjectOf reads the top-level type and credentialSubject.id: the
// types from the value of type (one string or
// an array of strings) and the subject's id from the value of
// credentialSubject; nil values are absent members.
func typesAndSubjectOf(typ, subj []byte) (types []string, subject string) {
	if len(typ) > 0 {
		var one string
		if typ[0] == '"' && json.Unmarshal(typ, &one) == nil {
			types = []string{one}
		} else {
			_ = json.Unmarshal(typ, &types)
		}
	}
	if subj != nil {
		_ = jsonx.Members(subj, func(n string, v []byte) bool {
			if n == "id" {
				_ = json.Unmarshal(v, &subject)
				return false
			}
			return true
		})
	}
	return types, subject
}

// NewID returns a new credential id: a random (version 4, RFC 9562) UUID
// URN, "urn:uuid:…". Render uses it when RenderOptions.ID is empty.
// crypto/rand.Read never fails (Go 1.24 and later: it returns no error and
// crashes the program if the system's generator is broken), so neither does
// NewID.
func NewID() string {
	var u [16]byte
	_, _ = rand.Read(u[:]) // documented never to return an error
	return uuidURN(u, 4)
}

// NewOrderedID returns a new credential id whose UUID is of version 7 (RFC
// 9562): the time t in milliseconds in its first 48 bits, then 74 random
// bits. Ids made one after the other sort in the order they were made, so
// a register keyed by them (a B-tree) grows at its end instead of
// everywhere: package issuer records every credential it issues under such
// an id, which keeps the pages a batch rewrites, and so the store's size
// and the memory it maps, to a few per transaction. The id reveals the time
// of issuance to the millisecond, which the credential states anyway.
func NewOrderedID(t time.Time) string {
	var u [16]byte
	_, _ = rand.Read(u[6:])
	ms := uint64(t.UnixMilli())
	for k := 5; k >= 0; k-- {
		u[k] = byte(ms)
		ms >>= 8
	}
	return uuidURN(u, 7)
}

// uuidURN sets the version and variant of u and writes it as a URN.
func uuidURN(u [16]byte, version byte) string {
	u[6] = u[6]&0x0f | version<<4
	u[8] = u[8]&0x3f | 0x80
	h := hex.EncodeToString(u[:])
	return "urn:uuid:" + h[:8] + "-" + h[8:12] + "-" + h[12:16] + "-" + h[16:20] + "-" + h[20:]
}

func (t *Template) checkInstitution(inst *Institution) error {
	var probs []string
	if len(inst.LegalName) == 0 {
		probs = append(probs, "legal name: required")
	}
	for k, v := range inst.LegalName {
		if _, err := language.Parse(k); err != nil {
			probs = append(probs, fmt.Sprintf("legal name: %q is not a BCP 47 language tag", k))
		}
		if strings.TrimSpace(v) == "" {
			probs = append(probs, fmt.Sprintf("legal name in %s: empty", k))
		}
	}
	if _, ok := countryConcept(inst.Country); !ok {
		probs = append(probs, fmt.Sprintf("country %q: not an ISO 3166-1 alpha-2 code", inst.Country))
	}
	if !strings.Contains(inst.DID, ":") || strings.ContainsAny(inst.DID, " \t\r\n\"<>") {
		probs = append(probs, fmt.Sprintf("id %q: a DID or URI is required", inst.DID))
	}
	if inst.Homepage != "" && !strings.HasPrefix(inst.Homepage, "https://") && !strings.HasPrefix(inst.Homepage, "http://") {
		probs = append(probs, fmt.Sprintf("homepage %q: not an http(s) URL", inst.Homepage))
	}
	if inst.Email != "" && (!strings.Contains(inst.Email, "@") || strings.ContainsAny(inst.Email, " \t\r\n<>\"")) {
		probs = append(probs, fmt.Sprintf("email %q: not an e-mail address", inst.Email))
	}
	if inst.Logo != "" && !strings.HasPrefix(inst.Logo, "https://") {
		if _, err := parseDataURL(inst.Logo, false); err != nil {
			probs = append(probs, "logo: "+err.Error())
		}
	}
	if len(probs) == 0 {
		return nil
	}
	return fmt.Errorf("%w: %s", ErrInvalidInstitution, strings.Join(probs, "; "))
}

// parseBody parses the template body and appends the JSON escaper to
// every action that writes output.
func parseBody(t *Template, body, file string) (*template.Template, error) {
	tmpl, err := template.New(file).Funcs(t.funcs()).Option("missingkey=error").Parse(body)
	if err != nil {
		return nil, err
	}
	var texts []*parse.TextNode
	for _, tt := range tmpl.Templates() {
		if tt.Tree != nil {
			escapeNode(tt.Tree.Root)
			texts = textNodes(tt.Tree.Root, texts)
		}
	}
	stripTexts(texts)
	return tmpl, nil
}

// textNodes appends the text nodes under n to to.
func textNodes(n parse.Node, to []*parse.TextNode) []*parse.TextNode {
	switch x := n.(type) {
	case *parse.TextNode:
		to = append(to, x)
	case *parse.ListNode:
		if x != nil {
			for _, c := range x.Nodes {
				to = textNodes(c, to)
			}
		}
	case *parse.IfNode:
		to = textNodes(x.ElseList, textNodes(x.List, to))
	case *parse.RangeNode:
		to = textNodes(x.ElseList, textNodes(x.List, to))
	case *parse.WithNode:
		to = textNodes(x.ElseList, textNodes(x.List, to))
	}
	return to
}

// stripTexts removes, once at parse time, the whitespace between JSON
// tokens in the body's literal text, so that Render has little left to
// compact. It is sound only when no text node ends inside a JSON string:
// then, since every action writes whole JSON values, every text node starts
// outside one. A body where some text node leaves a string open (a string
// built from several pieces of text) is left as written.
func stripTexts(texts []*parse.TextNode) {
	out := make([][]byte, len(texts))
	for k, n := range texts {
		var open bool
		if out[k], open = stripJSONSpace(n.Text); open {
			return
		}
	}
	for k, n := range texts {
		n.Text = out[k]
	}
}

// stripJSONSpace returns text without the whitespace outside JSON strings,
// and whether it ends inside a string.
func stripJSONSpace(text []byte) ([]byte, bool) {
	out := make([]byte, 0, len(text))
	inString, escaped := false, false
	for _, c := range text {
		switch {
		case inString:
			switch {
			case escaped:
				escaped = false
			case c == '\\':
				escaped = true
			case c == '"':
				inString = false
			}
		case c == '"':
			inString = true
		case c == ' ' || c == '\t' || c == '\n' || c == '\r':
			continue
		}
		out = append(out, c)
	}
	return out, inString
}

const escaper = "_json"

// jsonFuncs are the template functions whose result is rawJSON (or an
// error): the escaper itself and the functions that write ELM nodes.
var jsonFuncs = map[string]bool{
	escaper: true, "lang": true, "eqf": true, "isced": true, "country": true, "location": true,
	"language": true, "languages": true, "mode": true, "learningSetting": true, "ects": true,
	"organisation": true, "orgRef": true, "gradingScheme": true, "note": true,
	"displayParameter": true, "credentialProfile": true,
}

func escapeNode(n parse.Node) {
	switch x := n.(type) {
	case *parse.ListNode:
		if x == nil {
			return
		}
		for _, c := range x.Nodes {
			escapeNode(c)
		}
	case *parse.ActionNode:
		if len(x.Pipe.Decl) > 0 {
			return // {{$x := …}} writes nothing
		}
		cmds := x.Pipe.Cmds
		if len(cmds) > 0 {
			// A pipeline ending in one of the functions that write JSON
			// needs no escaper: they return rawJSON, built by encoding.
			if id, ok := cmds[len(cmds)-1].Args[0].(*parse.IdentifierNode); ok && jsonFuncs[id.Ident] {
				return
			}
		}
		x.Pipe.Cmds = append(cmds, &parse.CommandNode{
			NodeType: parse.NodeCommand,
			Pos:      x.Pos,
			Args:     []parse.Node{parse.NewIdentifier(escaper).SetPos(x.Pos)},
		})
	case *parse.IfNode:
		escapeNode(x.List)
		escapeNode(x.ElseList)
	case *parse.RangeNode:
		escapeNode(x.List)
		escapeNode(x.ElseList)
	case *parse.WithNode:
		escapeNode(x.List)
		escapeNode(x.ElseList)
	}
}

// rawJSON is JSON written by the template functions; the escaper passes
// it through. Nothing from a record becomes rawJSON without being encoded.
type rawJSON string

// jsonValue is the escaper: it writes any value as one JSON value.
func jsonValue(v any) (rawJSON, error) {
	switch x := v.(type) {
	case rawJSON:
		return x, nil
	case nil:
		return "null", nil
	case string:
		return rawJSON(quote(x)), nil
	case int64:
		return rawJSON(fmt.Sprint(x)), nil
	case int:
		return rawJSON(fmt.Sprint(x)), nil
	case bool:
		if x {
			return "true", nil
		}
		return "false", nil
	}
	b, err := marshal(v)
	if err != nil {
		return "", err
	}
	return rawJSON(b), nil
}

// quote writes s as a JSON string: quotes, backslashes, control
// characters, U+2028 and U+2029 escaped, invalid UTF-8 replaced by U+FFFD.
func quote(s string) string {
	var b strings.Builder
	b.Grow(len(s) + 2)
	quoteTo(&b, s)
	return b.String()
}

// quoteTo writes s to b as quote does.
func quoteTo(b *strings.Builder, s string) {
	b.WriteByte('"')
	const hex = "0123456789abcdef"
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			switch {
			case c == '"' || c == '\\':
				b.WriteByte('\\')
				b.WriteByte(c)
			case c == '\n':
				b.WriteString(`\n`)
			case c == '\r':
				b.WriteString(`\r`)
			case c == '\t':
				b.WriteString(`\t`)
			case c < 0x20 || c == 0x7f:
				b.WriteString(`\u00`)
				b.WriteByte(hex[c>>4])
				b.WriteByte(hex[c&0xf])
			default:
				b.WriteByte(c)
			}
			i++
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		switch {
		case r == utf8.RuneError && size == 1:
			b.WriteString(`\ufffd`)
		case r == '\u2028':
			b.WriteString(`\u2028`)
		case r == '\u2029':
			b.WriteString(`\u2029`)
		default:
			b.WriteString(s[i : i+size])
		}
		i += size
	}
	b.WriteByte('"')
}

// marshal is json.Marshal without HTML escaping.
func marshal(v any) ([]byte, error) {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return nil, err
	}
	return bytes.TrimRight(b.Bytes(), "\n"), nil
}

var errNoValue = errors.New("no value (guard optional fields with {{if .Record.name}})")
