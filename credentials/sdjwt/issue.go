package sdjwt

import (
	"bytes"
	"crypto"
	"crypto/rand"
	"encoding/json"
	"fmt"
	"maps"
	"math/big"
	"slices"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/diplomat-edu/diplomat/credentials"
	"github.com/diplomat-edu/diplomat/internal/jsonx"
)

// Frame says which claims of a claims set an issuer makes selectively
// disclosable. The zero value makes none: every claim is plainly visible.
type Frame struct {
	// Disclosable lists the claims to put behind a digest. A path ending in
	// a member name makes that object member disclosable ([salt, name,
	// value]); a path ending in an index or nil makes that array element, or
	// every element, disclosable ([salt, value]). When both a claim and
	// claims inside it are listed, the inner ones are made disclosable first
	// and the outer one then hides them too (recursive disclosure).
	//
	// A listed path must exist in the claims, except below a nil (every
	// element) step, where elements lacking it are passed over. The claims
	// iss, iat, nbf, exp, cnf, vct, vct#integrity and status are never
	// disclosable.
	Disclosable []Path
	// Decoys is the most decoy digests added to each _sd array: each gets
	// between 1 and Decoys, chosen at random. Zero adds none.
	Decoys int
}

// IssueOptions are the issuer's choices beyond the claims. The zero value
// issues a dc+sd-jwt with no claim selectively disclosable, iat now and no
// holder binding (unless the claims carry cnf).
type IssueOptions struct {
	// Frame says which claims are selectively disclosable.
	Frame Frame
	// Holder, when set, is put in cnf.jwk for key binding. Nil leaves any
	// cnf the claims carry.
	Holder crypto.PublicKey
	// Typ is the typ header. Empty means TypSDJWTVC (dc+sd-jwt).
	Typ string
	// Now is the clock for iat (set only when the claims have none). Nil
	// means time.Now.
	Now func() time.Time
}

// nonDisclosable are the top-level claims SD-JWT VC forbids hiding.
var nonDisclosable = map[string]bool{"iss": true, "iat": true, "nbf": true, "exp": true, "cnf": true, "vct": true, "vct#integrity": true, "aka_vcts": true, "status": true}

// Issue signs claims (a JSON object: the SD-JWT VC claims set, with vct,
// optionally iss, nbf, exp, status and cnf) as an SD-JWT VC with key, and
// returns its compact serialization ending in ~ (issuer-signed JWT followed
// by every Disclosure). iss is taken from key.ID's DID when the claims have
// none; when both are present they must agree. iat is set from opts.Now when
// absent. The header carries kid = key.ID and x5c = key.Chain when set.
//
// Errors: ErrUnsupportedKey for a key that is not ECDSA P-256/384/521 or
// Ed25519; ErrMalformed for claims that are not a JSON object, use the
// reserved names _sd, ... or _sd_alg, lack vct or iss, or a frame path that
// does not exist or names a non-disclosable claim.
func Issue(claims []byte, key credentials.SigningKey, opts IssueOptions) (string, error) {
	s, err := issue(claims, key, opts)
	if err != nil {
		return "", fmt.Errorf("sd-jwt: %w", err)
	}
	return s, nil
}

// IssueClaims is Issue for a claims set already in Go values, as an
// issuer builds it (MapELMDC4EU's Claims): objects as map[string]any,
// arrays as []any, numbers as json.Number, float64 or int64. It saves
// encoding the claims to JSON and decoding them again, which is most of
// the work of issuing a large credential besides building the
// disclosures. IssueClaims takes claims over (it adds iss, iat and cnf);
// the caller must not use it afterwards. It changes nothing but those
// top-level members and only reads the values inside, so that copies of
// one credential for several holders can each be issued from a shallow
// copy (maps.Clone) of the same claims. Errors are those of Issue.
func IssueClaims(claims map[string]any, key credentials.SigningKey, opts IssueOptions) (string, error) {
	if claims == nil {
		return "", fmt.Errorf("sd-jwt: %w", malformed("claims are not a JSON object"))
	}
	if _, ok := claims["_sd_alg"]; ok {
		return "", fmt.Errorf("sd-jwt: %w", malformed("claims carry _sd_alg, which the issuer sets"))
	}
	s, err := issueMap(claims, key, opts)
	if err != nil {
		return "", fmt.Errorf("sd-jwt: %w", err)
	}
	return s, nil
}

func issue(claims []byte, key credentials.SigningKey, opts IssueOptions) (string, error) {
	m, err := decodeClaims(claims)
	if err != nil {
		return "", err
	}
	return issueMap(m, key, opts)
}

func issueMap(m map[string]any, key credentials.SigningKey, opts IssueOptions) (string, error) {
	if key.Signer == nil {
		return "", fmt.Errorf("no signer: %w", credentials.ErrUnsupportedKey)
	}
	if _, err := algFor(key.Signer.Public()); err != nil {
		return "", err
	}
	if vct, _ := m["vct"].(string); vct == "" {
		return "", malformed("claims lack vct (a non-empty string)")
	}
	did := keyDID(key.ID)
	switch iss, ok := m["iss"].(string); {
	case !ok && m["iss"] != nil:
		return "", malformed("claim iss is not a string")
	case iss == "" && did == "":
		return "", malformed("claims lack iss and the key has no DID URL to take it from")
	case iss == "":
		m["iss"] = did
	case did != "" && iss != did:
		return "", malformed("iss %q is not the DID of the signing key %q", iss, key.ID)
	}
	for _, c := range []string{"iat", "nbf", "exp"} {
		if v, ok := m[c]; ok {
			if _, err := numericDate(v); err != nil {
				return "", malformed("claim %s: %v", c, err)
			}
		}
	}
	if _, ok := m["iat"]; !ok {
		now := time.Now
		if opts.Now != nil {
			now = opts.Now
		}
		m["iat"] = json.Number(fmt.Sprint(now().Unix()))
	}
	if opts.Holder != nil {
		jwk, err := PublicJWK(opts.Holder)
		if err != nil {
			return "", fmt.Errorf("holder key: %w", err)
		}
		if _, ok := m["cnf"]; ok {
			return "", malformed("claims carry cnf and a holder key is given too")
		}
		m["cnf"] = map[string]any{"jwk": jwk}
	}
	typ := opts.Typ
	if typ == "" {
		typ = TypSDJWTVC
	}
	return secure(m, opts.Frame, nonDisclosable, jwsHeader{Typ: typ}, key)
}

// keyDID returns the DID of a key id that is a DID URL with a fragment
// ("did:web:x#key-1" gives "did:web:x"), or "".
func keyDID(id string) string {
	if i := strings.IndexByte(id, '#'); strings.HasPrefix(id, "did:") && i > 0 {
		return id[:i]
	}
	return ""
}

// decodeClaims reads a claims set to issue: a JSON object within jsonx
// limits, numbers kept as json.Number, without the _sd_alg the issuer sets.
func decodeClaims(claims []byte) (map[string]any, error) {
	if err := jsonx.Check(claims, jsonx.Limits{}); err != nil {
		return nil, malformed("claims: %v", err)
	}
	var m map[string]any
	dec := json.NewDecoder(bytes.NewReader(claims))
	dec.UseNumber()
	if err := dec.Decode(&m); err != nil || m == nil {
		return nil, malformed("claims are not a JSON object")
	}
	if _, ok := m["_sd_alg"]; ok {
		return nil, malformed("claims carry _sd_alg, which the issuer sets")
	}
	return m, nil
}

// secure applies frame to the claims m (refusing to hide the top-level
// claims named in fixed), adds _sd_alg and signs the payload with key under
// h, to which it adds kid (key.ID) and x5c (key.Chain). It returns the
// issued SD-JWT: the issuer-signed JWT and every Disclosure, ending in ~.
func secure(m map[string]any, frame Frame, fixed map[string]bool, h jwsHeader, key credentials.SigningKey) (string, error) {
	root, err := buildTrie(frame.Disclosable)
	if err != nil {
		return "", err
	}
	// Nor is anything within such a claim (SD-JWT VC section 2.2.2.3:
	// sub-claims included); Verify would refuse the credential.
	for _, p := range frame.Disclosable {
		if len(p) > 0 {
			if name, ok := p[0].(string); ok && fixed[name] {
				return "", malformed("frame: claim %s is never selectively disclosable, nor anything within it (%s)", name, p)
			}
		}
	}
	b := &builder{decoys: frame.Decoys}
	if p, _ := scratches.Get().(*[]byte); p != nil {
		b.scratch = *p
	} else {
		// The pool is emptied by the garbage collector: start at the size
		// of the last payload rather than grow from nothing.
		b.scratch = make([]byte, 0, min(max(lastPayload.Load(), 1024), maxPooledScratch))
	}
	defer func() {
		if int64(cap(b.scratch)) <= maxPooledScratch {
			s := b.scratch[:0]
			scratches.Put(&s)
		}
	}()
	payload, err := b.object(m, root, false)
	if err != nil {
		return "", err
	}
	payload["_sd_alg"] = "sha-256"
	pb, err := appendJSON(b.scratch[:0], payload)
	if err != nil {
		return "", err
	}
	b.scratch = pb
	lastPayload.Store(int64(len(pb)))
	h.Kid = key.ID
	for _, c := range key.Chain {
		h.X5c = append(h.X5c, stdB64(c.Raw))
	}
	extra := 1
	for _, d := range b.disclosures {
		extra += len(d) + 1
	}
	// One buffer for the JWT and the disclosures after it.
	out, err := appendCompact(nil, extra, key.Signer, h, pb)
	if err != nil {
		return "", err
	}
	out = append(out, '~')
	for _, d := range b.disclosures {
		out = append(out, d...)
		out = append(out, '~')
	}
	return string(out), nil
}

// scratches are builders' scratch buffers, kept between credentials: the
// payload's JSON would otherwise be grown from nothing each time. Buffers
// above maxPooledScratch (a very large credential's) are let go.
var scratches sync.Pool

// lastPayload is the length of the last payload written.
var lastPayload atomic.Int64

const maxPooledScratch int64 = 1 << 20

// node is one step of the frame, as a trie.
type node struct {
	sd   bool
	keys map[string]*node
	idx  map[int]*node
	all  *node
}

func (n *node) leaf() bool { return len(n.keys) == 0 && len(n.idx) == 0 && n.all == nil }

func buildTrie(paths []Path) (*node, error) {
	root := &node{}
	for _, p := range paths {
		if len(p) == 0 {
			return nil, malformed("frame: empty path")
		}
		n := root
		for _, e := range p {
			switch v := e.(type) {
			case nil:
				if n.all == nil {
					n.all = &node{}
				}
				n = n.all
			case string:
				if v == "_sd" || v == "..." || v == "_sd_alg" {
					return nil, malformed("frame path %s: %q is a reserved name", p, v)
				}
				if n.keys == nil {
					n.keys = map[string]*node{}
				}
				if n.keys[v] == nil {
					n.keys[v] = &node{}
				}
				n = n.keys[v]
			default:
				i, ok := index(v)
				if !ok {
					return nil, malformed("frame path %s: step %v is not a name, an index or nil", p, v)
				}
				if n.idx == nil {
					n.idx = map[int]*node{}
				}
				if n.idx[i] == nil {
					n.idx[i] = &node{}
				}
				n = n.idx[i]
			}
		}
		n.sd = true
	}
	return root, nil
}

// merge combines the node for one index with the node for every index.
func merge(a, b *node) *node {
	switch {
	case a == nil:
		return b
	case b == nil:
		return a
	}
	m := &node{sd: a.sd || b.sd, all: merge(a.all, b.all)}
	for _, src := range []*node{a, b} {
		for k, v := range src.keys {
			if m.keys == nil {
				m.keys = map[string]*node{}
			}
			m.keys[k] = merge(m.keys[k], v)
		}
		for k, v := range src.idx {
			if m.idx == nil {
				m.idx = map[int]*node{}
			}
			m.idx[k] = merge(m.idx[k], v)
		}
	}
	return m
}

type builder struct {
	decoys      int
	disclosures []string
	// at is where the builder is, one step per level: made into a Path
	// only for an error.
	at []step
	// scratch is reused for the JSON of each disclosure, then the payload.
	scratch []byte
}

// step is a member name, or (name "" and idx ≥ 0) an array index.
type step struct {
	name string
	idx  int
}

// path is the Path of where the builder is.
func (b *builder) path() Path {
	p := make(Path, len(b.at))
	for i, s := range b.at {
		if s.idx >= 0 {
			p[i] = s.idx
		} else {
			p[i] = s.name
		}
	}
	return p
}

func (b *builder) value(v any, n *node, lenient bool) (any, error) {
	if raw, ok := v.(checkedJSON); ok && n != nil {
		// A part of the claims left as its bytes that the frame enters.
		v = jsonx.DecodeChecked(raw)
	}
	if n == nil {
		// Nothing below is disclosable: the claims are written as they are,
		// not copied, once checked for the names SD-JWT reserves.
		return v, b.plain(v)
	}
	switch t := v.(type) {
	case map[string]any:
		return b.object(t, n, lenient)
	case []any:
		return b.array(t, n, lenient)
	}
	if n != nil && !n.leaf() {
		return nil, malformed("frame: %s is neither an object nor an array", b.path())
	}
	return v, nil
}

func (b *builder) object(m map[string]any, n *node, lenient bool) (map[string]any, error) {
	if n != nil && (len(n.idx) > 0 || n.all != nil) {
		return nil, malformed("frame: %s is an object, not an array", b.path())
	}
	if n != nil && !lenient {
		for k := range n.keys {
			if _, ok := m[k]; !ok {
				return nil, malformed("frame: claim %s does not exist", b.path().child(k))
			}
		}
	}
	keys := make([]string, 0, len(m))
	for k := range m {
		if k == "_sd" || k == "..." {
			return nil, malformed("claims: %s uses the reserved name %q", b.path(), k)
		}
		keys = append(keys, k)
	}
	sort.Strings(keys)
	out := make(map[string]any, len(m))
	var digests []string
	for _, k := range keys {
		var cn *node
		if n != nil {
			cn = n.keys[k]
		}
		b.at = append(b.at, step{k, -1})
		v, err := b.value(m[k], cn, lenient)
		b.at = b.at[:len(b.at)-1]
		if err != nil {
			return nil, err
		}
		if cn != nil && cn.sd {
			d, err := b.disclose([]any{salt(), k, v})
			if err != nil {
				return nil, err
			}
			digests = append(digests, d)
			continue
		}
		out[k] = v
	}
	if len(digests) > 0 {
		for range decoyCount(b.decoys) {
			digests = append(digests, DigestOf(salt()))
		}
		sort.Strings(digests)
		out["_sd"] = digests
	}
	return out, nil
}

// plain refuses the names SD-JWT reserves ("_sd", "...") anywhere in v, a
// claim nothing of which is disclosable, naming where the first is (member
// names in order).
func (b *builder) plain(v any) error {
	if !reserved(v) {
		return nil
	}
	if raw, ok := v.(checkedJSON); ok {
		v = jsonx.DecodeChecked(raw)
	}
	switch t := v.(type) {
	case map[string]any:
		for _, k := range slices.Sorted(maps.Keys(t)) {
			if k == "_sd" || k == "..." {
				return malformed("claims: %s uses the reserved name %q", b.path(), k)
			}
		}
		for _, k := range slices.Sorted(maps.Keys(t)) {
			b.at = append(b.at, step{k, -1})
			err := b.plain(t[k])
			b.at = b.at[:len(b.at)-1]
			if err != nil {
				return err
			}
		}
	case []any:
		for i, e := range t {
			b.at = append(b.at, step{"", i})
			err := b.plain(e)
			b.at = b.at[:len(b.at)-1]
			if err != nil {
				return err
			}
		}
	}
	return nil
}

// reserved reports whether a name SD-JWT reserves is anywhere in v.
func reserved(v any) bool {
	switch t := v.(type) {
	case checkedJSON:
		// Neither name appears unless quoted as it is, or escaped.
		if bytes.Contains(t, []byte(`"_sd"`)) || bytes.Contains(t, []byte(`"..."`)) || bytes.Contains(t, []byte(`\u`)) {
			return reserved(jsonx.DecodeChecked(t))
		}
	case map[string]any:
		for k, e := range t {
			if k == "_sd" || k == "..." || reserved(e) {
				return true
			}
		}
	case []any:
		for _, e := range t {
			if reserved(e) {
				return true
			}
		}
	}
	return false
}

func (b *builder) array(a []any, n *node, lenient bool) ([]any, error) {
	if n != nil && len(n.keys) > 0 {
		return nil, malformed("frame: %s is an array, not an object", b.path())
	}
	if n != nil && !lenient {
		for i := range n.idx {
			if i >= len(a) {
				return nil, malformed("frame: claim %s does not exist", b.path().child(i))
			}
		}
	}
	out := make([]any, len(a))
	for i, e := range a {
		var cn *node
		if n != nil {
			cn = merge(n.idx[i], n.all)
		}
		b.at = append(b.at, step{"", i})
		v, err := b.value(e, cn, lenient || (n != nil && n.all != nil && n.idx[i] == nil))
		b.at = b.at[:len(b.at)-1]
		if err != nil {
			return nil, err
		}
		if cn != nil && cn.sd {
			d, err := b.disclose([]any{salt(), v})
			if err != nil {
				return nil, err
			}
			out[i] = map[string]any{"...": d}
			continue
		}
		out[i] = v
	}
	return out, nil
}

func (b *builder) disclose(arr []any) (string, error) {
	raw, err := appendJSON(b.scratch[:0], arr)
	if err != nil {
		return "", err
	}
	b.scratch = raw // the JSON is needed only until it is encoded
	enc := b64.EncodeToString(raw)
	b.disclosures = append(b.disclosures, enc)
	return DigestOf(enc), nil
}

// salt returns 128 random bits, base64url.
func salt() string {
	var s [16]byte
	_, _ = rand.Read(s[:]) // crypto/rand.Read never fails (Go 1.24+)
	return b64.EncodeToString(s[:])
}

func decoyCount(max int) int {
	if max <= 0 {
		return 0
	}
	n, err := rand.Int(rand.Reader, big.NewInt(int64(max)))
	if err != nil {
		return max
	}
	return 1 + int(n.Int64())
}
