package jades

import (
	"bytes"
	"crypto"
	"crypto/x509"
	"encoding/asn1"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/diplomat-edu/diplomat/credentials"
	"github.com/diplomat-edu/diplomat/internal/certname"
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
	// timestamped is the earliest genTime of a counted signature
	// time-stamp, tsaChain its TSA's certificate first and then the others
	// its token and xVals carry; zero and nil when none counts.
	timestamped time.Time
	tsaChain    []*x509.Certificate
}

// stamped is one time-stamp token checked against what it stamps.
type stamped struct {
	ts *Timestamp
	// imprint is true when the message imprint was checked (and, since a
	// mismatch is an error, matches).
	imprint bool
	// notCounted says why the token proves nothing about time; empty when
	// it counts.
	notCounted string
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
// returns the level and details for the report. A time-stamp counts towards
// the level only if countable says so; chain[0] is the signer's certificate.
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
	// Certificates first: a TSA certificate may be carried in xVals. The
	// signature's own x5c is not searched: a TSA certificate there would
	// be the signer's say-so.
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
	signer := chain[0]
	check := func(raw json.RawMessage, where string, in []byte) (string, []stamped, error) {
		var sts []stamped
		var err error
		if in == nil {
			sts, err = describeTimestamps(raw, where, u.xVals, signer)
		} else {
			sts, err = checkTimestamps(raw, where, in, u.xVals, signer)
		}
		if err != nil {
			return "", nil, err
		}
		parts := make([]string, len(sts))
		for i, st := range sts {
			parts[i] = describeTimestamp(st)
		}
		return strings.Join(parts, " | "), sts, nil
	}

	if j.Header.AdoTst != nil {
		d, _, err := check(j.Header.AdoTst, "protected header: adoTst", j.SigningPayload)
		if err != nil {
			return nil, err
		}
		u.details[key("adoTst")] = d
	}
	var hasTst, tstCounted, hasX, hasR, hasArc, arcCounted bool
	var tstWhy, arcWhy string
	var others []string
	allEncoded := len(comps) == 0 || comps[0].encoded != nil
	for i, c := range comps {
		where := fmt.Sprintf("etsiU[%d].%s", i, c.name)
		switch c.name {
		case "sigTst":
			// TS 119 182-1 clause 5.3.4: the imprint is over the
			// base64url-encoded JWS Signature Value.
			d, sts, err := check(c.value, where, []byte(j.Signature))
			if err != nil {
				return nil, err
			}
			u.details[key("sigTst")] = d
			hasTst = true
			for k, st := range sts {
				if st.notCounted != "" {
					if tstWhy == "" {
						tstWhy = fmt.Sprintf("%s.tstTokens[%d]: %s", where, k, st.notCounted)
					}
					continue
				}
				tstCounted = true
				if u.timestamped.IsZero() || st.ts.Time.Before(u.timestamped) {
					u.timestamped = st.ts.Time
					u.tsaChain = tsaChain(st.ts, u.xVals)
				}
			}
		case "arcTst":
			var d string
			var sts []stamped
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
				d, sts, err = check(c.value, where, in.Bytes())
				if err != nil {
					return nil, err
				}
			} else {
				d, sts, err = check(c.value, where, nil)
				if err != nil {
					return nil, err
				}
				d += "; imprint not checked: etsiU components in clear need JSON canonicalization"
			}
			u.details[key("arcTst")] = d
			if hasTst && hasX && hasR {
				hasArc = true
				for k, st := range sts {
					if st.notCounted == "" {
						arcCounted = true
					} else if arcWhy == "" {
						arcWhy = fmt.Sprintf("%s.tstTokens[%d]: %s", where, k, st.notCounted)
					}
				}
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
	case tstCounted && hasX && hasR && arcCounted:
		u.level = LevelBLTA
	case tstCounted && hasX && hasR:
		u.level = LevelBLT
	case tstCounted:
		u.level = LevelBT
	}
	switch {
	case tstCounted:
		note := "signature time-stamp " + u.timestamped.Format(sigTLayout) + " counted"
		if hasArc && !arcCounted {
			note += "; archive time-stamp not counted (" + arcWhy + "), so not B-LTA"
		}
		u.details["timestamp"] = note
	case hasTst:
		u.details["timestamp"] = "signature time-stamp not counted, level B-B: " + tstWhy
	}
	return u, nil
}

// checkTimestamps parses every token of a time-stamp container and checks
// each one's message imprint against the hash of in and its TSA signature.
func checkTimestamps(raw json.RawMessage, where string, in []byte, xVals []*x509.Certificate, signer *x509.Certificate) ([]stamped, error) {
	sts, err := describeTimestamps(raw, where, xVals, signer)
	if err != nil {
		return nil, err
	}
	for i := range sts {
		if !bytes.Equal(digest(sts[i].ts.Hash, in), sts[i].ts.HashedMessage) {
			return nil, invalid(fmt.Sprintf("%s.tstTokens[%d]", where, i), "message imprint does not match what the time-stamp stamps")
		}
		sts[i].imprint = true
	}
	return sts, nil
}

// describeTimestamps parses every token of a time-stamp container and checks
// its TSA signature, not its message imprint: such a token does not count.
func describeTimestamps(raw json.RawMessage, where string, xVals []*x509.Certificate, signer *x509.Certificate) ([]stamped, error) {
	tss, err := parseTimestamps(raw, where, xVals)
	if err != nil {
		return nil, err
	}
	out := make([]stamped, len(tss))
	for i, ts := range tss {
		out[i] = stamped{ts: ts, notCounted: countable(ts, signer)}
	}
	return out, nil
}

// countable returns why the time-stamp ts proves nothing about when what it
// stamps existed, or "" if it does: its TSA certificate must be carried (in
// the token or xVals), its CMS signature verified, the certificate must have
// the critical id-kp-timeStamping extended key usage (RFC 3161 section
// 2.3), cover genTime, and be neither the signer's certificate nor hold the
// signer's key. Whether the TSA is trusted is the caller's to decide.
func countable(ts *Timestamp, signer *x509.Certificate) string {
	switch {
	case ts.TSA == nil:
		return "TSA certificate not carried in the token or xVals"
	case !ts.SignatureChecked:
		return "TSA signature not checked: " + ts.NotChecked
	case ts.TSA.Equal(signer) || sameKey(ts.TSA.PublicKey, signer.PublicKey):
		return "stamped with the signer's own certificate or key"
	case !timeStampingEKU(ts.TSA):
		return "TSA certificate lacks the critical id-kp-timeStamping extended key usage"
	case ts.Time.Before(ts.TSA.NotBefore) || ts.Time.After(ts.TSA.NotAfter):
		return "genTime outside the TSA certificate's validity"
	}
	return ""
}

var oidExtKeyUsage = asn1.ObjectIdentifier{2, 5, 29, 37}

// timeStampingEKU reports whether c has a critical extended key usage
// extension naming id-kp-timeStamping.
func timeStampingEKU(c *x509.Certificate) bool {
	if !slices.Contains(c.ExtKeyUsage, x509.ExtKeyUsageTimeStamping) {
		return false
	}
	for _, e := range c.Extensions {
		if e.Id.Equal(oidExtKeyUsage) {
			return e.Critical
		}
	}
	return false
}

// sameKey reports whether a and b are the same public key.
func sameKey(a, b crypto.PublicKey) bool {
	k, ok := a.(interface{ Equal(crypto.PublicKey) bool })
	return ok && k.Equal(b)
}

// tsaChain returns ts's TSA certificate followed by the other certificates
// its token and xVals carry, each once.
func tsaChain(ts *Timestamp, xVals []*x509.Certificate) []*x509.Certificate {
	out := []*x509.Certificate{ts.TSA}
	for _, set := range [][]*x509.Certificate{ts.Certificates, xVals} {
		for _, c := range set {
			if !slices.ContainsFunc(out, c.Equal) {
				out = append(out, c)
			}
		}
	}
	return out
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

func describeTimestamp(st stamped) string {
	ts := st.ts
	parts := []string{ts.Time.Format("2006-01-02T15:04:05Z")}
	if st.imprint {
		parts = append(parts, "imprint matches")
	}
	switch {
	case !ts.SignatureChecked:
		parts = append(parts, "TSA signature not checked: "+ts.NotChecked)
	case st.notCounted == "":
		parts = append(parts, "TSA signature valid")
	default:
		// The token's signature holds, but not as a TSA's.
		parts = append(parts, "token signature valid but not counted: "+st.notCounted)
	}
	if ts.TSA != nil {
		parts = append(parts, "signed by "+certname.String(ts.TSA.Subject))
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
