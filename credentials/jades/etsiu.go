package jades

import (
	"bytes"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"sort"
	"strings"

	"github.com/diplomat-edu/diplomat/credentials"
	"github.com/diplomat-edu/diplomat/internal/jsonx"
)

// Levels of a JAdES baseline signature (TS 119 182-1 clause 6).
const (
	LevelBB   = "B-B"
	LevelBT   = "B-T"
	LevelBLT  = "B-LT"
	LevelBLTA = "B-LTA"
)

// maxTokens bounds the time-stamp tokens of one container: each costs a
// signature check.
const maxTokens = 8

// component is one element of the etsiU array.
type component struct {
	name  string
	value json.RawMessage
	// encoded is the element as it enters an archive time-stamp imprint:
	// the base64url string (without quotes) for encoded components, nil
	// for components in clear.
	encoded []byte
}

// tstContainer is the value of sigTst, arcTst and adoTst.
type tstContainer struct {
	TstTokens []struct {
		Val      string `json:"val"`
		Encoding string `json:"encoding"`
	} `json:"tstTokens"`
	CanonAlg string `json:"canonAlg"`
}

// unsigned is what the unsigned and time-stamp components established.
type unsigned struct {
	level   string
	details map[string]string
	// xVals are the certificates of the xVals components, in order.
	xVals []*x509.Certificate
}

func decodeComponents(j *JWS) ([]component, error) {
	comps := make([]component, 0, len(j.EtsiU))
	for i, el := range j.EtsiU {
		where := fmt.Sprintf("etsiU[%d]", i)
		var obj []byte
		var enc []byte
		if firstByte(el) == '"' {
			var s string
			if err := json.Unmarshal(el, &s); err != nil {
				return nil, malformed(where, "not a string")
			}
			b, err := base64.RawURLEncoding.Strict().DecodeString(s)
			if err != nil {
				return nil, wrapErr(credentials.ErrMalformed, where, "not base64url", err)
			}
			obj, enc = b, []byte(s)
		} else {
			obj = el
		}
		var m map[string]json.RawMessage
		if err := jsonx.Decode(obj, &m, jsonx.Limits{}); err != nil || m == nil {
			return nil, wrapErr(credentials.ErrMalformed, where, "not a JSON object", err)
		}
		if len(m) != 1 {
			return nil, malformed(where, "%d members, one unsigned component expected", len(m))
		}
		for name, v := range m {
			comps = append(comps, component{name: name, value: v, encoded: enc})
		}
	}
	return comps, nil
}

// checkUnsigned parses the adoTst header parameter and the etsiU components,
// checks every time-stamp token's message imprint and TSA signature, and
// returns the level and details for the report.
func checkUnsigned(j *JWS, chain []*x509.Certificate) (*unsigned, error) {
	comps, err := decodeComponents(j)
	if err != nil {
		return nil, err
	}
	u := &unsigned{level: LevelBB, details: map[string]string{}}
	seen := map[string]int{}
	key := func(name string) string {
		seen[name]++
		if seen[name] == 1 {
			return name
		}
		return fmt.Sprintf("%s#%d", name, seen[name])
	}
	// Certificates first: a TSA certificate may be carried in xVals only.
	for i, c := range comps {
		if c.name != "xVals" {
			continue
		}
		certs, err := parseXVals(c.value, fmt.Sprintf("etsiU[%d].xVals", i))
		if err != nil {
			return nil, err
		}
		u.xVals = append(u.xVals, certs...)
	}
	extra := append(append([]*x509.Certificate(nil), chain...), u.xVals...)

	if j.Header.AdoTst != nil {
		d, err := checkTimestamps(j.Header.AdoTst, "protected header: adoTst", j.SigningPayload, extra)
		if err != nil {
			return nil, err
		}
		u.details[key("adoTst")] = d
	}
	var hasTst, hasX, hasR, hasArc bool
	var others []string
	allEncoded := len(comps) == 0 || comps[0].encoded != nil
	for i, c := range comps {
		where := fmt.Sprintf("etsiU[%d].%s", i, c.name)
		switch c.name {
		case "sigTst":
			// TS 119 182-1 clause 5.3.4: the imprint is over the
			// base64url-encoded JWS Signature Value.
			d, err := checkTimestamps(c.value, where, []byte(j.Signature), extra)
			if err != nil {
				return nil, err
			}
			u.details[key("sigTst")] = d
			hasTst = true
		case "arcTst":
			var d string
			if allEncoded {
				// TS 119 182-1 clause 5.3.6.3: payload as signed, '.',
				// protected header, '.', signature, '.', then every etsiU
				// element before this one as it appears.
				var in bytes.Buffer
				in.Write(j.SigningPayload)
				in.WriteByte('.')
				in.WriteString(j.Protected)
				in.WriteByte('.')
				in.WriteString(j.Signature)
				in.WriteByte('.')
				for _, prev := range comps[:i] {
					in.Write(prev.encoded)
				}
				d, err = checkTimestamps(c.value, where, in.Bytes(), extra)
				if err != nil {
					return nil, err
				}
			} else {
				d, err = describeTimestamps(c.value, where, extra)
				if err != nil {
					return nil, err
				}
				d += "; imprint not checked: etsiU components in clear need JSON canonicalization"
			}
			u.details[key("arcTst")] = d
			if hasTst && hasX && hasR {
				hasArc = true
			}
		case "xVals":
			u.details[key("xVals")] = fmt.Sprintf("%d certificates", countXVals(c.value))
			hasX = true
		case "rVals":
			d, err := describeRVals(c.value, where)
			if err != nil {
				return nil, err
			}
			u.details[key("rVals")] = d
			hasR = true
		default:
			others = append(others, c.name)
		}
	}
	if len(others) > 0 {
		sort.Strings(others)
		u.details["etsiU.other"] = strings.Join(others, ", ") + " (not interpreted)"
	}
	switch {
	case hasArc:
		u.level = LevelBLTA
	case hasTst && hasX && hasR:
		u.level = LevelBLT
	case hasTst:
		u.level = LevelBT
	}
	return u, nil
}

// checkTimestamps parses every token of a time-stamp container, checks each
// one's message imprint against the hash of stamped and its TSA signature,
// and describes them in one line.
func checkTimestamps(raw json.RawMessage, where string, stamped []byte, extra []*x509.Certificate) (string, error) {
	tss, err := parseTimestamps(raw, where, extra)
	if err != nil {
		return "", err
	}
	var parts []string
	for i, ts := range tss {
		if !bytes.Equal(digest(ts.Hash, stamped), ts.HashedMessage) {
			return "", invalid(fmt.Sprintf("%s.tstTokens[%d]", where, i), "message imprint does not match what the time-stamp stamps")
		}
		parts = append(parts, describeTimestamp(ts, "imprint matches"))
	}
	return strings.Join(parts, " | "), nil
}

func describeTimestamps(raw json.RawMessage, where string, extra []*x509.Certificate) (string, error) {
	tss, err := parseTimestamps(raw, where, extra)
	if err != nil {
		return "", err
	}
	var parts []string
	for _, ts := range tss {
		parts = append(parts, describeTimestamp(ts, ""))
	}
	return strings.Join(parts, " | "), nil
}

func parseTimestamps(raw json.RawMessage, where string, extra []*x509.Certificate) ([]*Timestamp, error) {
	var tc tstContainer
	if err := json.Unmarshal(raw, &tc); err != nil {
		return nil, wrapErr(credentials.ErrMalformed, where, "not a time-stamp container", err)
	}
	if len(tc.TstTokens) == 0 {
		return nil, malformed(where+".tstTokens", "missing or empty")
	}
	if len(tc.TstTokens) > maxTokens {
		return nil, malformed(where+".tstTokens", "%d tokens, more than %d", len(tc.TstTokens), maxTokens)
	}
	var out []*Timestamp
	for i, t := range tc.TstTokens {
		w := fmt.Sprintf("%s.tstTokens[%d]", where, i)
		if t.Encoding != "" && !strings.EqualFold(t.Encoding, "http://uri.etsi.org/19182/DER") {
			return nil, malformed(w+".encoding", "unsupported token encoding %q", t.Encoding)
		}
		der, err := decodeStdBase64(t.Val)
		if err != nil {
			return nil, wrapErr(credentials.ErrMalformed, w+".val", "not base64", err)
		}
		ts, err := ParseTimestamp(der, extra)
		if err != nil {
			return nil, wrapErr(credentials.ErrInvalidProof, w, "time-stamp token", err)
		}
		out = append(out, ts)
	}
	return out, nil
}

func describeTimestamp(ts *Timestamp, imprint string) string {
	parts := []string{ts.Time.Format("2006-01-02T15:04:05Z")}
	if imprint != "" {
		parts = append(parts, imprint)
	}
	if ts.SignatureChecked {
		parts = append(parts, "TSA signature valid")
	} else {
		parts = append(parts, "TSA signature not checked: "+ts.NotChecked)
	}
	if ts.TSA != nil {
		parts = append(parts, "TSA "+ts.TSA.Subject.String())
	}
	return strings.Join(parts, "; ")
}

func decodeStdBase64(s string) ([]byte, error) {
	if b, err := base64.StdEncoding.Strict().DecodeString(s); err == nil {
		return b, nil
	}
	return base64.RawStdEncoding.Strict().DecodeString(s)
}

type valEntry struct {
	Val string `json:"val"`
}

func parseXVals(raw json.RawMessage, where string) ([]*x509.Certificate, error) {
	var items []map[string]json.RawMessage
	if err := json.Unmarshal(raw, &items); err != nil {
		return nil, wrapErr(credentials.ErrMalformed, where, "not an array of objects", err)
	}
	var certs []*x509.Certificate
	for i, it := range items {
		v, ok := it["x509Cert"]
		if !ok {
			continue // otherCert: not interpreted
		}
		w := fmt.Sprintf("%s[%d].x509Cert", where, i)
		var e valEntry
		if err := json.Unmarshal(v, &e); err != nil {
			return nil, wrapErr(credentials.ErrMalformed, w, "not an object with val", err)
		}
		der, err := decodeStdBase64(e.Val)
		if err != nil {
			return nil, wrapErr(credentials.ErrMalformed, w+".val", "not base64", err)
		}
		c, err := x509.ParseCertificate(der)
		if err != nil {
			return nil, wrapErr(credentials.ErrMalformed, w+".val", "not an X.509 certificate", err)
		}
		certs = append(certs, c)
	}
	return certs, nil
}

func countXVals(raw json.RawMessage) int {
	var items []json.RawMessage
	_ = json.Unmarshal(raw, &items) // already parsed by parseXVals
	return len(items)
}

func describeRVals(raw json.RawMessage, where string) (string, error) {
	var rv struct {
		CRLVals   []valEntry        `json:"crlVals"`
		OCSPVals  []valEntry        `json:"ocspVals"`
		OtherVals []json.RawMessage `json:"otherVals"`
	}
	if err := json.Unmarshal(raw, &rv); err != nil {
		return "", wrapErr(credentials.ErrMalformed, where, "not a revocation values object", err)
	}
	for i, v := range rv.CRLVals {
		w := fmt.Sprintf("%s.crlVals[%d].val", where, i)
		der, err := decodeStdBase64(v.Val)
		if err != nil {
			return "", wrapErr(credentials.ErrMalformed, w, "not base64", err)
		}
		if _, err := x509.ParseRevocationList(der); err != nil {
			return "", wrapErr(credentials.ErrMalformed, w, "not an X.509 CRL", err)
		}
	}
	for i, v := range rv.OCSPVals {
		if _, err := decodeStdBase64(v.Val); err != nil {
			return "", wrapErr(credentials.ErrMalformed, fmt.Sprintf("%s.ocspVals[%d].val", where, i), "not base64", err)
		}
	}
	d := fmt.Sprintf("CRLs: %d, OCSP responses: %d", len(rv.CRLVals), len(rv.OCSPVals))
	if len(rv.OtherVals) > 0 {
		d += fmt.Sprintf(", other values: %d", len(rv.OtherVals))
	}
	return d, nil
}
