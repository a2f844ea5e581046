package dataintegrity

// ecdsa-sd-2023 (W3C Data Integrity ECDSA Cryptosuites v1.0, section 3.4
// and 3.5): a base proof made by the issuer, from which the holder derives
// proofs that disclose only some statements of the credential, each
// verifiable by anyone with the issuer's key.
//
// The document is skolemized (every node without an identifier is given a
// urn:bnid: one in a copy of the JSON, so that the quads of a part of it can
// be found among the quads of the whole), converted to RDF, canonicalised,
// and its blank nodes relabelled by an HMAC of their canonical labels. The
// issuer signs the mandatory statements as one hash, together with a
// proof-scoped P-256 key that signs every other statement on its own.

import (
	"bytes"
	"context"
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"maps"
	"math/big"
	"slices"
	"sort"
	"strconv"
	"strings"

	"github.com/fxamacker/cbor/v2"

	"github.com/diplomat-edu/diplomat/credentials"
	"github.com/diplomat-edu/diplomat/credentials/jsonld/ldproc"
	"github.com/diplomat-edu/diplomat/credentials/rdfc"
)

// ErrPointer is wrapped by errors for a JSON pointer (a mandatory or
// selective pointer of ecdsa-sd-2023) that is malformed or does not match
// the document.
var ErrPointer = errors.New("JSON pointer")

// The CBOR tags that start ecdsa-sd-2023 proof values.
var (
	sdBaseHeader    = []byte{0xd9, 0x5d, 0x00}
	sdDerivedHeader = []byte{0xd9, 0x5d, 0x01}
)

// sdBase is a base proof value.
type sdBase struct {
	_                 struct{} `cbor:",toarray"`
	BaseSignature     []byte
	PublicKey         []byte
	HMACKey           []byte
	Signatures        [][]byte
	MandatoryPointers []string
}

// sdDerived is a derived proof value.
type sdDerived struct {
	_                struct{} `cbor:",toarray"`
	BaseSignature    []byte
	PublicKey        []byte
	Signatures       [][]byte
	LabelMap         map[uint64][]byte
	MandatoryIndexes []uint64
}

var sdEncMode = func() cbor.EncMode {
	m, err := cbor.EncOptions{Sort: cbor.SortCanonical}.EncMode()
	if err != nil {
		panic(err) // constant options
	}
	return m
}()

var sdDecMode = func() cbor.DecMode {
	m, err := cbor.DecOptions{DupMapKey: cbor.DupMapKeyEnforcedAPF, MaxArrayElements: 1 << 20, MaxMapPairs: 1 << 20, MaxNestedLevels: 8}.DecMode()
	if err != nil {
		panic(err) // constant options
	}
	return m
}()

func encodeProofValue(header []byte, v any) (string, error) {
	b, err := sdEncMode.Marshal(v)
	if err != nil {
		return "", err
	}
	return "u" + base64.RawURLEncoding.EncodeToString(append(slices.Clone(header), b...)), nil
}

// decodeProofValue returns the kind ("base" or "derived") and the CBOR of a
// proof value.
func decodeProofValue(pv, path string) (string, []byte, error) {
	raw, ok := strings.CutPrefix(pv, "u")
	if !ok {
		return "", nil, fmt.Errorf("%w: %s.proofValue must be multibase base64url (prefix \"u\") for %s", credentials.ErrMalformed, path, ECDSASD2023)
	}
	b, err := base64.RawURLEncoding.DecodeString(raw)
	if err != nil || len(b) < 3 {
		return "", nil, fmt.Errorf("%w: %s.proofValue is not base64url", credentials.ErrMalformed, path)
	}
	switch {
	case bytes.Equal(b[:3], sdBaseHeader):
		return "base", b[3:], nil
	case bytes.Equal(b[:3], sdDerivedHeader):
		return "derived", b[3:], nil
	}
	return "", nil, fmt.Errorf("%w: %s.proofValue is neither a base nor a derived %s proof", credentials.ErrMalformed, path, ECDSASD2023)
}

// parsePointer splits a JSON pointer (RFC 6901) into its reference tokens.
func parsePointer(p string) ([]string, error) {
	if p == "" {
		return nil, nil
	}
	if !strings.HasPrefix(p, "/") {
		return nil, fmt.Errorf("%w %q: must start with /", ErrPointer, p)
	}
	parts := strings.Split(p[1:], "/")
	for i, s := range parts {
		if strings.Contains(strings.ReplaceAll(strings.ReplaceAll(s, "~0", ""), "~1", ""), "~") {
			return nil, fmt.Errorf("%w %q: invalid escape", ErrPointer, p)
		}
		parts[i] = strings.ReplaceAll(strings.ReplaceAll(s, "~1", "/"), "~0", "~")
	}
	return parts, nil
}

// sparse is an array of a selection, whose unselected entries are nil
// until the selection is finished.
type sparse struct{ items []*any }

// initialSelection keeps of a node what locates it: its identifier (unless
// it is a blank node) and its types.
func initialSelection(src map[string]any) map[string]any {
	sel := map[string]any{}
	for _, k := range []string{"id", "@id"} {
		if id, ok := src[k].(string); ok && !strings.HasPrefix(id, "_:") {
			sel[k] = id
		}
	}
	for _, k := range []string{"type", "@type"} {
		if t, ok := src[k]; ok {
			sel[k] = t
		}
	}
	return sel
}

// selectJSONLD returns the part of doc the pointers select, with the
// identifiers and types of the nodes on the way and doc's @context.
func selectJSONLD(doc map[string]any, pointers []string) (map[string]any, error) {
	sel := initialSelection(doc)
	if c, ok := doc["@context"]; ok {
		sel["@context"] = c
	}
	for _, p := range pointers {
		if err := selectPath(doc, p, sel); err != nil {
			return nil, err
		}
	}
	out, _ := finish(sel).(map[string]any)
	return out, nil
}

func selectPath(doc map[string]any, pointer string, sel map[string]any) error {
	paths, err := parsePointer(pointer)
	if err != nil {
		return err
	}
	if len(paths) == 0 {
		maps.Copy(sel, doc)
		return nil
	}
	var value any = doc
	var selected any = sel
	var selParent any
	for _, path := range paths {
		selParent = selected
		switch v := value.(type) {
		case map[string]any:
			next, ok := v[path]
			if !ok {
				return fmt.Errorf("%w %q does not match the document", ErrPointer, pointer)
			}
			value = next
			sp := selParent.(map[string]any)
			cur, ok := sp[path]
			if !ok {
				cur = newSelection(value)
				sp[path] = cur
			}
			selected = cur
		case []any:
			i, err := strconv.Atoi(path)
			if err != nil || i < 0 || i >= len(v) || (len(path) > 1 && path[0] == '0') {
				return fmt.Errorf("%w %q does not match the document", ErrPointer, pointer)
			}
			value = v[i]
			sa := selParent.(*sparse)
			for len(sa.items) <= i {
				sa.items = append(sa.items, nil)
			}
			if sa.items[i] == nil {
				n := newSelection(value)
				sa.items[i] = &n
			}
			selected = *sa.items[i]
		default:
			return fmt.Errorf("%w %q does not match the document", ErrPointer, pointer)
		}
	}
	// The target: a value, a copy of an array, or an object merged with
	// what the selection already has of it.
	var final any
	switch v := value.(type) {
	case map[string]any:
		m := selected.(map[string]any)
		maps.Copy(m, v)
		final = m
	default:
		final = v
	}
	last := paths[len(paths)-1]
	switch sp := selParent.(type) {
	case map[string]any:
		sp[last] = final
	case *sparse:
		i, _ := strconv.Atoi(last)
		sp.items[i] = &final
	}
	return nil
}

func newSelection(value any) any {
	switch v := value.(type) {
	case []any:
		return &sparse{}
	case map[string]any:
		return initialSelection(v)
	}
	return value
}

// finish turns sparse arrays into arrays of their selected entries.
func finish(v any) any {
	switch x := v.(type) {
	case map[string]any:
		for k, e := range x {
			x[k] = finish(e)
		}
		return x
	case *sparse:
		out := []any{}
		for _, it := range x.items {
			if it != nil {
				out = append(out, finish(*it))
			}
		}
		return out
	}
	return v
}

// sdProcessor is the JSON-LD processor of the selective disclosure suite.
func (s *Suite) sdProcessor() *ldproc.Processor {
	if c, ok := s.canon.(*LDProc); ok {
		return c.proc
	}
	return s.sdProc
}

// sdGrouping is the result of canonicalizeAndGroup.
type sdGrouping struct {
	nquads   []string          // the document's quads, HMAC-labelled, sorted
	labelMap map[string]string // skolem label → HMAC label
	matching map[string][]int  // group → indexes in nquads
	sk       any               // the skolemized document
	prefix   string
	proc     *ldproc.Processor
	opts     ldproc.Options
	work     rdfc.Options
}

// canonicalLabels canonicalises quads (SHA-256) within the suite's bounds.
func (s *Suite) canonicalLabels(ctx context.Context, qs []rdfc.Quad) (*rdfc.Result, error) {
	o := s.work
	o.Hash = crypto.SHA256
	res, err := rdfc.Canonicalize(ctx, qs, o)
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrCanonicalize, err)
	}
	return res, nil
}

// hmacLabel is the blank node label an HMAC key gives a canonical label.
func hmacLabel(mac func([]byte) []byte, canonical string) string {
	return "u" + base64.RawURLEncoding.EncodeToString(mac([]byte(canonical)))
}

func hmacFunc(key []byte) func([]byte) []byte {
	return func(b []byte) []byte {
		h := hmac.New(sha256.New, key)
		h.Write(b)
		return h.Sum(nil)
	}
}

// quadsOfSelection converts a skolemized (part of the) document to quads,
// the skolem IRIs turned back into blank nodes.
func (g *sdGrouping) quadsOf(ctx context.Context, doc any) ([]rdfc.Quad, error) {
	qs, err := g.proc.ToRDF(ctx, doc, g.opts)
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrCanonicalize, err)
	}
	for i := range qs {
		for k := range qs[i] {
			if t := &qs[i][k]; t.Kind == rdfc.IRI && strings.HasPrefix(t.Value, g.prefix) {
				*t = rdfc.NewBlank(t.Value[len("urn:bnid:"):])
			}
		}
	}
	return qs, nil
}

func relabel(qs []rdfc.Quad, label func(string) (string, bool)) ([]string, error) {
	lines := make([]string, 0, len(qs))
	for _, q := range qs {
		for k := range q {
			if q[k].Kind == rdfc.Blank {
				l, ok := label(q[k].Value)
				if !ok {
					return nil, fmt.Errorf("%w: blank node %s has no label", credentials.ErrInvalidProof, q[k].Value)
				}
				q[k].Value = l
			}
		}
		lines = append(lines, q.String())
	}
	sort.Strings(lines)
	return slices.Compact(lines), nil
}

// canonicalizeAndGroup canonicalises doc with blank nodes labelled by the
// HMAC key, and finds, for each group of JSON pointers, the indexes of the
// quads they select.
func (s *Suite) canonicalizeAndGroup(ctx context.Context, doc map[string]any, mac func([]byte) []byte, groups map[string][]string) (*sdGrouping, error) {
	var rnd [8]byte
	if _, err := io.ReadFull(rand.Reader, rnd[:]); err != nil {
		return nil, err
	}
	g := &sdGrouping{prefix: "urn:bnid:" + hex.EncodeToString(rnd[:]) + "_", proc: s.sdProcessor(), opts: ldproc.Options{Safe: true, Ordered: true}, work: s.work, matching: map[string][]int{}}
	sk, err := g.proc.Skolemize(ctx, doc, g.opts, g.prefix)
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrCanonicalize, err)
	}
	g.sk = sk
	qs, err := g.quadsOf(ctx, sk)
	if err != nil {
		return nil, err
	}
	res, err := s.canonicalLabels(ctx, qs)
	if err != nil {
		return nil, err
	}
	g.labelMap = make(map[string]string, len(res.Labels))
	for in, c := range res.Labels {
		g.labelMap[in] = hmacLabel(mac, c)
	}
	if g.nquads, err = relabel(qs, func(l string) (string, bool) { v, ok := g.labelMap[l]; return v, ok }); err != nil {
		return nil, err
	}
	index := make(map[string]int, len(g.nquads))
	for i, l := range g.nquads {
		index[l] = i
	}
	for name, pointers := range groups {
		lines, err := g.selectionLines(ctx, pointers)
		if err != nil {
			return nil, err
		}
		var idx []int
		for _, l := range lines {
			if i, ok := index[l]; ok {
				idx = append(idx, i)
			}
		}
		slices.Sort(idx)
		g.matching[name] = idx
	}
	return g, nil
}

// selectionLines returns the HMAC-labelled quads of the selection of the
// skolemized document by pointers.
func (g *sdGrouping) selectionLines(ctx context.Context, pointers []string) ([]string, error) {
	if len(pointers) == 0 {
		return nil, nil
	}
	sel, err := selectJSONLD(g.sk.(map[string]any), pointers)
	if err != nil {
		return nil, err
	}
	qs, err := g.quadsOf(ctx, sel)
	if err != nil {
		return nil, err
	}
	return relabel(qs, func(l string) (string, bool) { v, ok := g.labelMap[l]; return v, ok })
}

// split returns the quads at idx and the others, both in order.
func split(nquads []string, idx []int) (in, out []string) {
	k := 0
	for i, l := range nquads {
		if k < len(idx) && idx[k] == i {
			in = append(in, l)
			k++
		} else {
			out = append(out, l)
		}
	}
	return in, out
}

func hashLines(lines []string) []byte {
	h := sha256.New()
	for _, l := range lines {
		io.WriteString(h, l)
	}
	return h.Sum(nil)
}

// p256Multikey is the multikey form of a P-256 public key: 0x80 0x24 and
// the compressed point.
func p256Multikey(pub *ecdsa.PublicKey) []byte {
	return append([]byte{0x80, 0x24}, elliptic.MarshalCompressed(elliptic.P256(), pub.X, pub.Y)...)
}

func parseP256Multikey(b []byte) (*ecdsa.PublicKey, error) {
	if len(b) != 35 || b[0] != 0x80 || b[1] != 0x24 {
		return nil, errors.New("not a P-256 multikey")
	}
	x, y := elliptic.UnmarshalCompressed(elliptic.P256(), b[2:])
	if x == nil {
		return nil, errors.New("not a point of P-256")
	}
	return &ecdsa.PublicKey{Curve: elliptic.P256(), X: x, Y: y}, nil
}

// signLine signs a statement with the proof-scoped key (r ‖ s).
func signLine(key *ecdsa.PrivateKey, line string) ([]byte, error) {
	d := sha256.Sum256([]byte(line))
	r, s, err := ecdsa.Sign(rand.Reader, key, d[:])
	if err != nil {
		return nil, err
	}
	out := make([]byte, 64)
	r.FillBytes(out[:32])
	s.FillBytes(out[32:])
	return out, nil
}

func verifyLine(pub *ecdsa.PublicKey, line string, sig []byte) bool {
	if len(sig) != 64 {
		return false
	}
	d := sha256.Sum256([]byte(line))
	return ecdsa.Verify(pub, d[:], new(big.Int).SetBytes(sig[:32]), new(big.Int).SetBytes(sig[32:]))
}

// sdProofHash canonicalises the proof configuration.
func (s *Suite) sdProofHash(ctx context.Context, proof map[string]any, docContext []any) ([]byte, error) {
	config := make(map[string]any, len(proof)+1)
	for k, v := range proof {
		if k != "proofValue" {
			config[k] = v
		}
	}
	config["@context"] = docContext
	b, err := s.canon.Canonicalize(ctx, config, crypto.SHA256)
	if err != nil {
		return nil, fmt.Errorf("proof configuration: %w", err)
	}
	h := sha256.Sum256(b)
	return h[:], nil
}

// DefaultMandatoryPointers are the members of a credential an
// ecdsa-sd-2023 base proof always discloses when Options.MandatoryPointers
// is empty, those present in the credential: its issuer, validity and
// status. The @context, the credential's id and type and the id and type of
// every node on the way to a disclosed value are disclosed in any case.
var DefaultMandatoryPointers = []string{"/issuer", "/issuanceDate", "/validFrom", "/validUntil", "/expirationDate", "/credentialStatus", "/credentialSchema"}

// signSD makes the base proof value of an ecdsa-sd-2023 proof.
func (s *Suite) signSD(ctx context.Context, unsecured map[string]any, proof map[string]any, ctxList []any, key credentials.SigningKey, alg algorithm) (string, error) {
	pointers := s.mandatory
	if len(pointers) == 0 {
		for _, p := range DefaultMandatoryPointers {
			if _, ok := unsecured[p[1:]]; ok {
				pointers = append(pointers, p)
			}
		}
	}
	proofHash, err := s.sdProofHash(ctx, proof, ctxList)
	if err != nil {
		return "", err
	}
	hmacKey := make([]byte, 32)
	if _, err := io.ReadFull(rand.Reader, hmacKey); err != nil {
		return "", err
	}
	g, err := s.canonicalizeAndGroup(ctx, unsecured, hmacFunc(hmacKey), map[string][]string{"mandatory": pointers})
	if err != nil {
		return "", err
	}
	mandatory, nonMandatory := split(g.nquads, g.matching["mandatory"])
	proofKey, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return "", err
	}
	sigs := make([][]byte, len(nonMandatory))
	for i, l := range nonMandatory {
		if sigs[i], err = signLine(proofKey, l); err != nil {
			return "", err
		}
	}
	pub := p256Multikey(&proofKey.PublicKey)
	toSign := slices.Concat(proofHash, pub, hashLines(mandatory))
	baseSig, err := sign(key.Signer, toSign, alg)
	if err != nil {
		return "", err
	}
	return encodeProofValue(sdBaseHeader, sdBase{BaseSignature: baseSig, PublicKey: pub, HMACKey: hmacKey, Signatures: sigs, MandatoryPointers: pointers})
}

// verifySD checks an ecdsa-sd-2023 proof, base or derived, of doc with the
// issuer's key.
func (s *Suite) verifySD(ctx context.Context, doc map[string]any, p *proof, path string, docContext []any, issuerKey crypto.PublicKey, alg algorithm) error {
	kind, raw, err := decodeProofValue(p.proofValue, path)
	if err != nil {
		return err
	}
	proofHash, err := s.sdProofHash(ctx, p.fields, docContext)
	if err != nil {
		return err
	}
	var (
		baseSig, pub []byte
		sigs         [][]byte
		mandatory    []string
		nonMandatory []string
	)
	switch kind {
	case "base":
		var v sdBase
		if err := sdDecMode.Unmarshal(raw, &v); err != nil {
			return fmt.Errorf("%w: %s.proofValue: %v", credentials.ErrMalformed, path, err)
		}
		if len(v.HMACKey) != 32 {
			return fmt.Errorf("%w: %s.proofValue: the HMAC key has %d bytes, not 32", credentials.ErrMalformed, path, len(v.HMACKey))
		}
		g, err := s.canonicalizeAndGroup(ctx, doc, hmacFunc(v.HMACKey), map[string][]string{"mandatory": v.MandatoryPointers})
		if err != nil {
			return err
		}
		mandatory, nonMandatory = split(g.nquads, g.matching["mandatory"])
		baseSig, pub, sigs = v.BaseSignature, v.PublicKey, v.Signatures
	case "derived":
		var v sdDerived
		if err := sdDecMode.Unmarshal(raw, &v); err != nil {
			return fmt.Errorf("%w: %s.proofValue: %v", credentials.ErrMalformed, path, err)
		}
		labels := make(map[string]string, len(v.LabelMap))
		for k, b := range v.LabelMap {
			labels["c14n"+strconv.FormatUint(k, 10)] = "u" + base64.RawURLEncoding.EncodeToString(b)
		}
		qs, err := s.sdProcessor().ToRDF(ctx, doc, ldproc.Options{Safe: true, Ordered: true})
		if err != nil {
			return fmt.Errorf("%w: %w", ErrCanonicalize, err)
		}
		res, err := s.canonicalLabels(ctx, qs)
		if err != nil {
			return err
		}
		nquads, err := relabel(qs, func(l string) (string, bool) { v, ok := labels[res.Labels[l]]; return v, ok })
		if err != nil {
			return fmt.Errorf("%s: %w", path, err)
		}
		idx := make([]int, len(v.MandatoryIndexes))
		for i, m := range v.MandatoryIndexes {
			if m >= uint64(len(nquads)) || (i > 0 && m <= v.MandatoryIndexes[i-1]) {
				return fmt.Errorf("%w: %s.proofValue: mandatory index %d out of order or range", credentials.ErrInvalidProof, path, m)
			}
			idx[i] = int(m)
		}
		mandatory, nonMandatory = split(nquads, idx)
		baseSig, pub, sigs = v.BaseSignature, v.PublicKey, v.Signatures
	}
	proofKey, err := parseP256Multikey(pub)
	if err != nil {
		return fmt.Errorf("%w: %s.proofValue: the proof-scoped key: %v", credentials.ErrMalformed, path, err)
	}
	if len(sigs) != len(nonMandatory) {
		return fmt.Errorf("%w: %s: %d signatures for %d disclosed statements", credentials.ErrInvalidProof, path, len(sigs), len(nonMandatory))
	}
	if !verifySignature(issuerKey, slices.Concat(proofHash, pub, hashLines(mandatory)), baseSig, alg) {
		return fmt.Errorf("%w: %s: the base signature does not verify with %s", credentials.ErrInvalidProof, path, p.verificationMethod)
	}
	for i, l := range nonMandatory {
		if !verifyLine(proofKey, l, sigs[i]) {
			return fmt.Errorf("%w: %s: the signature of disclosed statement %d does not verify", credentials.ErrInvalidProof, path, i)
		}
	}
	return nil
}

// Derive returns a credential disclosing only what the mandatory pointers
// of its ecdsa-sd-2023 base proof and the selective pointers select (JSON
// pointers, RFC 6901, such as "/credentialSubject/givenName"), with a
// derived proof any verifier checks with the issuer's key. It is what a
// holder's wallet calls to present a credential; it needs no key.
//
// signed must carry exactly one proof, an ecdsa-sd-2023 base proof; a
// pointer that does not match the credential is an error wrapping
// ErrPointer.
func (s *Suite) Derive(ctx context.Context, signed []byte, selective []string) ([]byte, error) {
	m, err := s.decode(signed)
	if err != nil {
		return nil, err
	}
	proofs, _, err := parseProofs(m["proof"])
	if err != nil {
		return nil, err
	}
	if len(proofs) != 1 || proofs[0].cryptosuite != ECDSASD2023 {
		return nil, fmt.Errorf("%w: Derive needs a credential with one %s proof", credentials.ErrMalformed, ECDSASD2023)
	}
	p := proofs[0]
	kind, raw, err := decodeProofValue(p.proofValue, "proof")
	if err != nil {
		return nil, err
	}
	if kind != "base" {
		return nil, fmt.Errorf("%w: the proof is already a derived proof", credentials.ErrMalformed)
	}
	var base sdBase
	if err := sdDecMode.Unmarshal(raw, &base); err != nil {
		return nil, fmt.Errorf("%w: proof.proofValue: %v", credentials.ErrMalformed, err)
	}
	unsecured := make(map[string]any, len(m))
	for k, v := range m {
		if k != "proof" {
			unsecured[k] = v
		}
	}
	combined := slices.Concat(base.MandatoryPointers, selective)
	g, err := s.canonicalizeAndGroup(ctx, unsecured, hmacFunc(base.HMACKey), map[string][]string{
		"mandatory": base.MandatoryPointers, "selective": selective, "combined": combined,
	})
	if err != nil {
		return nil, err
	}
	mandatorySet := setOf(g.matching["mandatory"])
	selectiveSet := setOf(g.matching["selective"])
	var mandatoryIndexes []uint64
	for rel, abs := range g.matching["combined"] {
		if mandatorySet[abs] {
			mandatoryIndexes = append(mandatoryIndexes, uint64(rel))
		}
	}
	var sigs [][]byte
	nonMandatory := 0
	for abs := range g.nquads {
		if mandatorySet[abs] {
			continue
		}
		if nonMandatory >= len(base.Signatures) {
			return nil, fmt.Errorf("%w: the base proof has fewer signatures than statements", credentials.ErrInvalidProof)
		}
		if selectiveSet[abs] {
			sigs = append(sigs, base.Signatures[nonMandatory])
		}
		nonMandatory++
	}
	reveal, err := selectJSONLD(unsecured, combined)
	if err != nil {
		return nil, err
	}
	// The labels the verifier will find: the canonical labels of the
	// disclosed statements, mapped to their HMAC labels.
	sel, err := selectJSONLD(g.sk.(map[string]any), combined)
	if err != nil {
		return nil, err
	}
	qs, err := g.quadsOf(ctx, sel)
	if err != nil {
		return nil, err
	}
	res, err := s.canonicalLabels(ctx, qs)
	if err != nil {
		return nil, err
	}
	labels := map[uint64][]byte{}
	for in, c := range res.Labels {
		n, _ := strconv.ParseUint(strings.TrimPrefix(c, "c14n"), 10, 64)
		b, _ := base64.RawURLEncoding.DecodeString(strings.TrimPrefix(g.labelMap[in], "u"))
		labels[n] = b
	}
	pv, err := encodeProofValue(sdDerivedHeader, sdDerived{BaseSignature: base.BaseSignature, PublicKey: base.PublicKey, Signatures: sigs, LabelMap: labels, MandatoryIndexes: mandatoryIndexes})
	if err != nil {
		return nil, err
	}
	derived := proofObject(p)
	derived["proofValue"] = pv
	reveal["proof"] = derived
	return marshalJSON(reveal)
}

func setOf(idx []int) map[int]bool {
	m := make(map[int]bool, len(idx))
	for _, i := range idx {
		m[i] = true
	}
	return m
}
