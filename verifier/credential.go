package verifier

import (
	"bytes"
	"crypto"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"hash/maphash"
	"strconv"
	"strings"
	"time"

	"github.com/lestrrat-go/jwx/v2/jwk"

	"github.com/diplomat-edu/diplomat/credentials"
	"github.com/diplomat-edu/diplomat/credentials/sdjwt"
	"github.com/diplomat-edu/diplomat/internal/jsonx"
)

// credential is what the checks after the proof read of the signed
// content: a VC Data Model credential, or SD-JWT VC claims.
type credential struct {
	vc     *credentials.Credential // nil for SD-JWT VC
	claims map[string]any          // SD-JWT VC claims; nil for a VC
	doc    []byte

	version             string
	types               []string
	schemas             []string
	subjects            []string // credentialSubject ids, or sub
	cnf                 bool     // holder bound by a cnf key
	cnfKey              string   // the RFC 7638 thumbprint of the cnf key; "" when cnf names none Diplomat reads
	from, until         time.Time
	fromName, untilName string
	issued              time.Time
	status              []json.RawMessage // W3C credentialStatus entries
	statusWhere         string            // where they are: "credentialStatus", "elm.credentialStatus"
	statusClaim         json.RawMessage   // an SD-JWT VC's status claim (IETF Token Status List); nil when none
	statusProblem       string            // a status Diplomat cannot read, which fails closed; "" when none
}

func (c *credential) describe() string {
	if c.vc == nil {
		return fmt.Sprintf("SD-JWT VC claims of type %s", strings.Join(c.types, ", "))
	}
	return fmt.Sprintf("a VC Data Model %s credential of type %s", c.version, strings.Join(c.types, ", "))
}

// readCredential reads the signed content. For a VC it returns the
// credential even with a *credentials.ValidationError, so that the report
// can go on; other errors leave nothing to read.
func readCredential(doc []byte, mechanism string) (*credential, error) {
	c := &credential{doc: doc}
	if isSDJWTVC(doc, mechanism) {
		if err := jsonx.Decode(doc, &c.claims, jsonx.Limits{}); err != nil {
			return nil, err
		}
		if vct, _ := c.claims["vct"].(string); vct != "" {
			c.types = []string{vct}
		}
		if sub, _ := c.claims["sub"].(string); sub != "" {
			c.subjects = []string{sub}
		}
		var cnf any
		cnf, c.cnf = c.claims["cnf"]
		if c.cnf {
			c.cnfKey = cnfThumbprint(cnf)
		}
		c.readClaimsStatus()
		c.from, c.fromName = numericDate(c.claims["nbf"]), "nbf"
		c.until, c.untilName = numericDate(c.claims["exp"]), "exp"
		c.issued = numericDate(c.claims["iat"])
		if c.from.IsZero() {
			c.from, c.fromName = c.issued, "iat"
		}
		if !c.from.IsZero() && c.issued.IsZero() {
			c.issued = c.from
		}
		return c, nil
	}
	vc, err := credentials.ParseCredential(doc, credentials.ParseOptions{})
	if vc == nil {
		return nil, err
	}
	c.vc = vc
	c.version = string(vc.Version())
	c.types = vc.Types()
	for _, raw := range vc.Subjects() {
		if id := stringID(raw); id != "" {
			c.subjects = append(c.subjects, id)
		}
	}
	for _, raw := range entries(vc.Member("credentialSchema")) {
		if id := stringID(raw); id != "" {
			c.schemas = append(c.schemas, id)
		}
	}
	c.status, c.statusWhere = entries(vc.Member("credentialStatus")), "credentialStatus"
	v2 := vc.Version() == credentials.Version20
	c.from, c.fromName = memberDate(vc, "validFrom", v2)
	c.until, c.untilName = memberDate(vc, "validUntil", v2)
	if !v2 {
		if t, n := memberDate(vc, "issuanceDate", false); !t.IsZero() {
			c.issued = t
			if c.from.IsZero() {
				c.from, c.fromName = t, n
			}
		}
		if c.until.IsZero() {
			c.until, c.untilName = memberDate(vc, "expirationDate", false)
		}
	}
	if c.issued.IsZero() {
		c.issued = c.from
	}
	return c, err
}

// readClaimsStatus reads where SD-JWT VC claims state a status: the status
// claim (IETF Token Status List), and the W3C entries of an ELM carried
// whole under the elm claim (the DC4EU layout, elm.credentialStatus). A
// status anywhere else, or an elm claim that cannot be read, is a status
// Diplomat does not read: statusProblem says so, and the check fails
// closed rather than saying "no status".
func (c *credential) readClaimsStatus() {
	if v, ok := c.claims["status"]; ok {
		b, err := json.Marshal(v)
		if err != nil {
			c.statusProblem = "the status claim cannot be read"
			return
		}
		c.statusClaim = b
	}
	if _, ok := c.claims["credentialStatus"]; ok {
		c.statusProblem = "the credential has a top-level credentialStatus claim, a layout Diplomat does not read (W3C entries go under elm.credentialStatus in the DC4EU layout; the IETF Token Status List under status)"
		return
	}
	if _, ok := c.claims["elm"]; !ok {
		return
	}
	doc, err := sdjwt.ELMFromDC4EU(c.doc)
	if err != nil {
		c.statusProblem = "the elm claim cannot be read, so neither can its status entries: " + err.Error()
		return
	}
	m, err := jsonTop(doc, "credentialStatus")
	if err != nil {
		c.statusProblem = "the elm claim is not a JSON object, so its status entries cannot be read"
		return
	}
	c.status, c.statusWhere = entries(m["credentialStatus"]), "elm.credentialStatus"
}

// stringID reads the id of the JSON object raw as json.Unmarshal into a
// struct{ ID string `json:"id"` } would, without decoding the rest (a
// credentialSubject is most of a credential): the last member named id in
// any case, "" when there is none or when decoding would fail (an id
// neither a string nor null, raw not an object). raw comes from a checked
// document.
func stringID(raw json.RawMessage) string {
	id, ok := "", true
	err := jsonx.Members(raw, func(name string, value []byte) bool {
		if name != "id" && !strings.EqualFold(name, "id") || string(value) == "null" {
			return true
		}
		var s string
		if json.Unmarshal(value, &s) != nil {
			ok = false
			return false
		}
		id = s
		return true
	})
	if err != nil || !ok {
		return ""
	}
	return id
}

func memberDate(vc *credentials.Credential, name string, requireZone bool) (time.Time, string) {
	var s string
	if raw := vc.Member(name); raw == nil || json.Unmarshal(raw, &s) != nil {
		return time.Time{}, ""
	}
	t, err := credentials.ParseDateTime(s, requireZone)
	if err != nil {
		return time.Time{}, ""
	}
	return t, name
}

func numericDate(v any) time.Time {
	if f, ok := v.(float64); ok && f > 0 && f < 1e11 {
		return time.Unix(int64(f), 0).UTC()
	}
	return time.Time{}
}

// entries reads an object or an array of objects.
func entries(raw json.RawMessage) []json.RawMessage {
	if len(raw) == 0 {
		return nil
	}
	var list []json.RawMessage
	if json.Unmarshal(raw, &list) == nil {
		return list
	}
	return []json.RawMessage{raw}
}

// analysis is what the checks read of a signed document: the credential,
// its envelope problems, and its ELM reading. It depends on the mechanism
// and the document's bytes only, so it is kept (analysisCacheSize
// entries) and a credential verified again is not parsed again; the proof,
// key, validity, status and trust checks are made every time. An entry is
// found by a hash of the bytes (hash/maphash, seeded per Verifier), and
// used only when its mechanism and its document's bytes are those asked
// for: two documents of one hash never share an analysis.
type analysis struct {
	mechanism string
	c         *credential
	invalid   *credentials.ValidationError // envelope problems, c still readable
	err       error                        // c is nil
	elm       *elmResult
}

// analysisCacheSize bounds the analyses kept: each holds a parsed
// document, up to a few megabytes.
const analysisCacheSize = 64

func (v *Verifier) analyse(doc []byte, mechanism string) *analysis {
	key := mechanism + ":" + strconv.FormatUint(maphash.Bytes(v.seed, doc), 16)
	if a, ok := v.analyses.get(key); ok && a.mechanism == mechanism && a.c != nil && bytes.Equal(a.c.doc, doc) {
		return a
	}
	a := &analysis{mechanism: mechanism}
	c, err := readCredential(doc, mechanism)
	if err != nil && !errors.As(err, &a.invalid) {
		a.err = err
		return a
	}
	a.c, a.elm = c, readELM(c)
	v.analyses.put(key, a, v.policy.Cache.ttl())
	return a
}

// isSDJWTVC reports whether the signed content is SD-JWT VC claims rather
// than a VC Data Model document: always for dc+sd-jwt, and for vc+sd-jwt
// (a typ both SD-JWT VC drafts and VC-JOSE-COSE use) when the document has
// no @context.
func isSDJWTVC(doc []byte, mechanism string) bool {
	switch mechanism {
	case sdjwt.TypSDJWTVC:
		return true
	case sdjwt.TypVC:
		hasCtx := false
		_ = jsonx.Members(doc, func(name string, _ []byte) bool {
			hasCtx = name == "@context"
			return !hasCtx
		})
		return !hasCtx
	}
	return false
}

// cnfThumbprint returns the RFC 7638 SHA-256 thumbprint (base64url) of the
// key a cnf claim binds the holder to: cnf.jwk, or cnf.jkt (RFC 7800 and
// RFC 9449, the thumbprint itself). It returns "" when cnf holds neither in
// a form that can be read.
func cnfThumbprint(cnf any) string {
	m, ok := cnf.(map[string]any)
	if !ok {
		return ""
	}
	if raw, ok := m["jwk"].(map[string]any); ok {
		b, err := json.Marshal(raw)
		if err != nil {
			return ""
		}
		k, err := jwk.ParseKey(b)
		if err != nil {
			return ""
		}
		if pk, err := k.PublicKey(); err == nil {
			k = pk
		}
		sum, err := k.Thumbprint(crypto.SHA256)
		if err != nil {
			return ""
		}
		return base64.RawURLEncoding.EncodeToString(sum)
	}
	if jkt, ok := m["jkt"].(string); ok {
		return jkt
	}
	return ""
}

// keyThumbprint is the RFC 7638 SHA-256 thumbprint (base64url) of pub, ""
// when it cannot be computed.
func keyThumbprint(pub crypto.PublicKey) string {
	if pub == nil {
		return ""
	}
	k, err := jwk.FromRaw(pub)
	if err != nil {
		return ""
	}
	sum, err := k.Thumbprint(crypto.SHA256)
	if err != nil {
		return ""
	}
	return base64.RawURLEncoding.EncodeToString(sum)
}
