package dataintegrity

import (
	"context"
	"crypto"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/mr-tron/base58"

	"github.com/diplomat-edu/diplomat/credentials"
	"github.com/diplomat-edu/diplomat/credentials/internal/jsontree"
)

// Verify implements credentials.Mechanism. It checks every proof of secured
// (a proof set is verified only if all its proofs are), each against:
//
//   - type DataIntegrityProof and a cryptosuite this package implements
//     (else an error wrapping ErrUnsupported and credentials.ErrMalformed);
//   - proofPurpose equal to opts.Purpose ("assertionMethod" when empty);
//   - created not after now+Skew (credentials.ErrNotYetValid), expires not
//     before now-Skew (credentials.ErrExpired);
//   - opts.Challenge and opts.Domain, when set, equal to the proof's (a proof
//     may carry a challenge or domain the verifier did not ask for, as the
//     Data Integrity specification allows);
//   - the proof's @context, when present, being the first entries of the
//     document's;
//   - previousProof, when present, naming proofs of the same set (a proof
//     chain);
//   - the signature, with the key r resolves for verificationMethod;
//   - the verification method's controller being the document's issuer
//     (credential) or holder (presentation, when it names one).
//
// Failures wrap credentials.ErrInvalidProof, ErrMalformed, ErrUnknownKey,
// ErrUnsupportedKey, ErrExpired or ErrNotYetValid, and name the proof
// ("proof[1].proofPurpose"). A context that cannot be loaded gives a
// *jsonld.ContextError naming its URL. Verified describes the first proof;
// Details lists all of them. Verified.Document is secured, unchanged.
func (s *Suite) Verify(ctx context.Context, secured []byte, r credentials.KeyResolver, opts credentials.VerifyOptions) (*credentials.Verified, error) {
	tr, err := s.parse(secured)
	if err != nil {
		return nil, err
	}
	// The members read here, as generic values; the rest of the document
	// stays in the tree unless a proof needs generic values.
	root := tr.Root()
	m := make(map[string]any, 5)
	for _, k := range [...]string{"proof", "@context", "type", "issuer", "holder"} {
		if n := tr.Get(root, k); n != nil {
			m[k] = tr.Any(n)
		}
	}
	proofs, single, err := parseProofs(m["proof"])
	if err != nil {
		return nil, err
	}
	var docContext []any
	if _, has := m["@context"]; has || !slices.ContainsFunc(proofs, func(p *proof) bool { return isJCS(p.cryptosuite) }) {
		if docContext, err = contextList(m["@context"], "@context"); err != nil {
			return nil, err
		}
	}
	signer, err := signerOf(m)
	if err != nil {
		return nil, err
	}
	if r == nil {
		return nil, fmt.Errorf("%w: no key resolver", credentials.ErrUnknownKey)
	}
	now := time.Now
	if opts.Now != nil {
		now = opts.Now
	}
	purpose := opts.Purpose
	if purpose == "" {
		purpose = "assertionMethod"
	}

	unsecured := document{t: tr}
	if s.treeProofs(proofs) {
		items := tr.Items(root)
		members := make([]jsontree.Node, 0, len(items))
		for _, n := range items {
			if tr.Name(&n) != "proof" {
				members = append(members, n)
			}
		}
		unsecured.root = tr.NewObject(members)
	} else {
		all := tr.Any(root).(map[string]any)
		delete(all, "proof")
		unsecured = document{m: all}
	}
	canonCache := map[string][]byte{} // canonical document hashes
	var first *credentials.VerificationMethod

	v := &credentials.Verified{Document: secured, Issuer: signer.id, Details: map[string]string{"proofs": strconv.Itoa(len(proofs))}}
	for i, p := range proofs {
		path := "proof"
		if !single {
			path = fmt.Sprintf("proof[%d]", i)
		}
		vm, created, err := s.verifyOne(ctx, p, proofs, path, docContext, unsecured, canonCache, r, purpose, now(), opts)
		if err != nil {
			return nil, err
		}
		if err := signer.check(vm, p.verificationMethod, path); err != nil {
			return nil, err
		}
		if i == 0 {
			first = vm
			v.Mechanism = p.cryptosuite
			v.KeyID = p.verificationMethod
			v.Key = vm.Key
			v.Signed = created
		}
		detail := p.cryptosuite + " by " + p.verificationMethod
		if !created.IsZero() {
			detail += " at " + created.UTC().Format(time.RFC3339)
		}
		v.Details[path] = detail
	}
	if signer.id == "" && len(proofs) > 0 {
		// A presentation without holder: the presenter is the first
		// proof's controller.
		v.Issuer = controllerOf(first.ID, first.Controller)
	}
	return v, nil
}

// proof is one parsed proof of a proof set.
type proof struct {
	fields             map[string]any // as found, without proofValue
	id                 string
	typ                string
	cryptosuite        string
	verificationMethod string
	proofPurpose       string
	created            string
	expires            string
	challenge          *string
	domain             []string
	previous           []string
	proofValue         string
}

func parseProofs(v any) ([]*proof, bool, error) { return parseProofsOf(v, ProofType) }

// parseProofsOf parses the proofs of a document, each of which must be of
// proof type typ: ProofType (with one of this package's cryptosuites) or
// Ed25519Signature2020 (no cryptosuite).
func parseProofsOf(v any, typ string) ([]*proof, bool, error) {
	var list []any
	single := false
	switch p := v.(type) {
	case nil:
		return nil, false, fmt.Errorf("%w: the document has no proof", credentials.ErrMalformed)
	case map[string]any:
		list, single = []any{p}, true
	case []any:
		if len(p) == 0 {
			return nil, false, fmt.Errorf("%w: proof is an empty array", credentials.ErrMalformed)
		}
		list = p
	default:
		return nil, false, fmt.Errorf("%w: proof must be an object or an array of objects", credentials.ErrMalformed)
	}
	out := make([]*proof, 0, len(list))
	for i, e := range list {
		path := "proof"
		if !single {
			path = fmt.Sprintf("proof[%d]", i)
		}
		obj, ok := e.(map[string]any)
		if !ok {
			return nil, false, fmt.Errorf("%w: %s must be an object", credentials.ErrMalformed, path)
		}
		p, err := parseProof(obj, path, typ)
		if err != nil {
			return nil, false, err
		}
		out = append(out, p)
	}
	return out, single, nil
}

func parseProof(obj map[string]any, path, typ string) (*proof, error) {
	p := &proof{fields: make(map[string]any, len(obj))}
	for k, v := range obj {
		if k != "proofValue" {
			p.fields[k] = v
		}
	}
	str := func(name string, required bool) (string, error) {
		v, ok := obj[name]
		if !ok {
			if required {
				return "", fmt.Errorf("%w: %s.%s is missing", credentials.ErrMalformed, path, name)
			}
			return "", nil
		}
		s, ok := v.(string)
		if !ok || (required && s == "") {
			return "", fmt.Errorf("%w: %s.%s must be a non-empty string", credentials.ErrMalformed, path, name)
		}
		return s, nil
	}
	var err error
	if p.typ, err = str("type", true); err != nil {
		return nil, err
	}
	if p.typ != typ {
		return nil, fmt.Errorf("%w: %w: %s.type %q (supported: %s)", ErrUnsupported, credentials.ErrMalformed, path, p.typ, typ)
	}
	if typ == ProofType {
		if p.cryptosuite, err = str("cryptosuite", true); err != nil {
			return nil, err
		}
	}
	if typ == ProofType && !supported(p.cryptosuite) {
		return nil, fmt.Errorf("%w: %w: %s.cryptosuite %q (supported: %s)", ErrUnsupported, credentials.ErrMalformed, path, p.cryptosuite, strings.Join(Cryptosuites(), ", "))
	}
	for _, f := range []struct {
		name     string
		dst      *string
		required bool
	}{
		{"id", &p.id, false},
		{"verificationMethod", &p.verificationMethod, true},
		{"proofPurpose", &p.proofPurpose, true},
		{"proofValue", &p.proofValue, true},
		{"created", &p.created, false},
		{"expires", &p.expires, false},
	} {
		if *f.dst, err = str(f.name, f.required); err != nil {
			return nil, err
		}
	}
	if _, ok := obj["challenge"]; ok {
		c, err := str("challenge", false)
		if err != nil {
			return nil, err
		}
		p.challenge = &c
	}
	if p.domain, err = stringOrList(obj["domain"], path+".domain"); err != nil {
		return nil, err
	}
	if p.previous, err = stringOrList(obj["previousProof"], path+".previousProof"); err != nil {
		return nil, err
	}
	return p, nil
}

func stringOrList(v any, path string) ([]string, error) {
	switch x := v.(type) {
	case nil:
		return nil, nil
	case string:
		return []string{x}, nil
	case []any:
		out := make([]string, 0, len(x))
		for _, e := range x {
			s, ok := e.(string)
			if !ok {
				return nil, fmt.Errorf("%w: %s must be a string or an array of strings", credentials.ErrMalformed, path)
			}
			out = append(out, s)
		}
		return out, nil
	}
	return nil, fmt.Errorf("%w: %s must be a string or an array of strings", credentials.ErrMalformed, path)
}

func parseTime(s, path string) (time.Time, error) {
	t, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		return time.Time{}, fmt.Errorf("%w: %s %q is not an XML Schema dateTimeStamp", credentials.ErrMalformed, path, s)
	}
	return t, nil
}

func (s *Suite) verifyOne(ctx context.Context, p *proof, all []*proof, path string, docContext []any, unsecured document, canonCache map[string][]byte, r credentials.KeyResolver, purpose string, now time.Time, opts credentials.VerifyOptions) (*credentials.VerificationMethod, time.Time, error) {
	if p.proofPurpose != purpose {
		return nil, time.Time{}, fmt.Errorf("%w: %s.proofPurpose is %q, expected %q", credentials.ErrInvalidProof, path, p.proofPurpose, purpose)
	}
	var created time.Time
	if p.created != "" {
		t, err := parseTime(p.created, path+".created")
		if err != nil {
			return nil, time.Time{}, err
		}
		if t.After(now.Add(opts.Skew)) {
			return nil, time.Time{}, fmt.Errorf("%w: %s.created %s is in the future", credentials.ErrNotYetValid, path, p.created)
		}
		created = t
	}
	if p.expires != "" {
		t, err := parseTime(p.expires, path+".expires")
		if err != nil {
			return nil, time.Time{}, err
		}
		if t.Before(now.Add(-opts.Skew)) {
			return nil, time.Time{}, fmt.Errorf("%w: %s.expires %s has passed", credentials.ErrExpired, path, p.expires)
		}
	}
	if opts.Domain != "" && !slices.Contains(p.domain, opts.Domain) {
		return nil, time.Time{}, fmt.Errorf("%w: %s.domain %q does not match the expected %q", credentials.ErrInvalidProof, path, strings.Join(p.domain, ", "), opts.Domain)
	}
	if opts.Challenge != "" && (p.challenge == nil || *p.challenge != opts.Challenge) {
		got := "none"
		if p.challenge != nil {
			got = strconv.Quote(*p.challenge)
		}
		return nil, time.Time{}, fmt.Errorf("%w: %s.challenge %s does not match the expected %q", credentials.ErrInvalidProof, path, got, opts.Challenge)
	}
	var sig []byte
	if p.cryptosuite != ECDSASD2023 {
		if !strings.HasPrefix(p.proofValue, "z") {
			return nil, time.Time{}, fmt.Errorf("%w: %s.proofValue must be multibase base58btc (prefix \"z\")", credentials.ErrMalformed, path)
		}
		var err error
		if sig, err = base58.Decode(p.proofValue[1:]); err != nil {
			return nil, time.Time{}, fmt.Errorf("%w: %s.proofValue is not base58btc: %v", credentials.ErrMalformed, path, err)
		}
	}

	// The document as this proof signed it: its @context (the proof's own,
	// if it has one) and, for a chained proof, the proofs it follows.
	useContext := docContext
	cacheKey := ""
	if pc, ok := p.fields["@context"]; ok {
		list, err := contextList(pc, path+".@context")
		if err != nil {
			return nil, time.Time{}, err
		}
		if !startsWith(docContext, list) {
			return nil, time.Time{}, fmt.Errorf("%w: %s.@context is not the beginning of the document's @context", credentials.ErrInvalidProof, path)
		}
		useContext = list
		b, _ := json.Marshal(list)
		cacheKey = string(b)
	}
	doc := unsecured
	if len(p.previous) > 0 {
		var chain []any
		for _, id := range p.previous {
			i := slices.IndexFunc(all, func(q *proof) bool { return q.id == id })
			if i < 0 {
				return nil, time.Time{}, fmt.Errorf("%w: %s.previousProof %q names no proof of this document", credentials.ErrInvalidProof, path, id)
			}
			chain = append(chain, proofObject(all[i]))
		}
		var err error
		if doc, err = doc.with("proof", chain); err != nil {
			return nil, time.Time{}, err
		}
		cacheKey += "\x00" + strings.Join(p.previous, "\x00")
	}
	if _, ok := p.fields["@context"]; ok {
		var err error
		if doc, err = doc.with("@context", useContext); err != nil {
			return nil, time.Time{}, err
		}
	}

	vm, err := r.ResolveKey(ctx, p.verificationMethod)
	if err != nil {
		if !errors.Is(err, credentials.ErrUnknownKey) {
			err = fmt.Errorf("%w: %w", credentials.ErrUnknownKey, err)
		}
		return nil, time.Time{}, fmt.Errorf("%s.verificationMethod %s: %w", path, p.verificationMethod, err)
	}
	if vm == nil || vm.Key == nil {
		return nil, time.Time{}, fmt.Errorf("%w: %s.verificationMethod %s resolved to no key", credentials.ErrUnknownKey, path, p.verificationMethod)
	}
	alg, err := algorithmFor(p.cryptosuite, vm.Key)
	if err != nil {
		return nil, time.Time{}, fmt.Errorf("%s.verificationMethod %s: %w", path, p.verificationMethod, err)
	}
	cacheKey += "\x00" + alg.hash.String()
	if p.cryptosuite == ECDSASD2023 {
		if len(p.previous) > 0 {
			return nil, time.Time{}, fmt.Errorf("%w: %s: an %s proof cannot be chained", credentials.ErrInvalidProof, path, ECDSASD2023)
		}
		if doc.m == nil {
			return nil, time.Time{}, fmt.Errorf("%w: %s: not read as generic values", ErrCanonicalize, path) // treeProofs prevents it
		}
		if err := s.verifySD(ctx, doc.m, p, path, useContext, vm.Key, alg); err != nil {
			return nil, time.Time{}, err
		}
		return vm, created, nil
	}
	if len(sig) != alg.sigSize {
		return nil, time.Time{}, fmt.Errorf("%w: %s.proofValue holds %d bytes, a %s signature has %d", credentials.ErrInvalidProof, path, len(sig), p.cryptosuite, alg.sigSize)
	}
	cacheKey += "\x00" + p.cryptosuite
	hashData, err := s.hashData(ctx, p.cryptosuite, func() ([]byte, error) {
		if b, ok := canonCache[cacheKey]; ok {
			return b, nil
		}
		b, err := s.canonicalDocHash(ctx, p.cryptosuite, doc, alg.hash)
		if err == nil {
			canonCache[cacheKey] = b
		}
		return b, err
	}, p.fields, useContext, alg)
	if err != nil {
		return nil, time.Time{}, err
	}
	if !verifySignature(vm.Key, hashData, sig, alg) {
		return nil, time.Time{}, fmt.Errorf("%w: %s: the signature does not verify with %s", credentials.ErrInvalidProof, path, p.verificationMethod)
	}
	return vm, created, nil
}

// document is the unsecured document a proof signed: generic values (m),
// or, when every proof is canonicalised by LDProc, the node root of the
// tree t, read without generic values (treeProofs).
type document struct {
	m    map[string]any
	t    *jsontree.Tree
	root jsontree.Node
}

// treeProofs reports whether every proof can be checked over the tree:
// the Suite canonicalises with LDProc, and no proof is a JCS or
// selective-disclosure one, which read generic values.
func (s *Suite) treeProofs(proofs []*proof) bool {
	if _, ok := s.canon.(*LDProc); !ok {
		return false
	}
	return !slices.ContainsFunc(proofs, func(p *proof) bool { return isJCS(p.cryptosuite) || p.cryptosuite == ECDSASD2023 })
}

// with returns d with the member key set to v (d is not modified).
func (d document) with(key string, v any) (document, error) {
	if d.m != nil {
		m := make(map[string]any, len(d.m)+1)
		for k, e := range d.m {
			m[k] = e
		}
		m[key] = v
		return document{m: m}, nil
	}
	n, err := d.t.FromAny(v)
	if err != nil {
		return document{}, fmt.Errorf("%w: %s: %w", credentials.ErrMalformed, key, err)
	}
	items := d.t.Items(&d.root)
	members := make([]jsontree.Node, 0, len(items)+1)
	for _, e := range items {
		if d.t.Name(&e) != key {
			members = append(members, e)
		}
	}
	members = append(members, d.t.Named(n, key))
	return document{t: d.t, root: d.t.NewObject(members)}, nil
}

// canonicalDocHash is canonicalHash for a document.
func (s *Suite) canonicalDocHash(ctx context.Context, cryptosuite string, d document, h crypto.Hash) ([]byte, error) {
	if d.m != nil {
		return s.canonicalHash(ctx, cryptosuite, d.m, h)
	}
	c, ok := s.canon.(*LDProc)
	if !ok || isJCS(cryptosuite) {
		return nil, fmt.Errorf("%w: %s over a tree", ErrCanonicalize, cryptosuite) // treeProofs prevents it
	}
	return c.digestTree(ctx, d.t, &d.root, h)
}

// proofObject returns the proof as it appears in the document.
func proofObject(p *proof) map[string]any {
	out := make(map[string]any, len(p.fields)+1)
	for k, v := range p.fields {
		out[k] = v
	}
	out["proofValue"] = p.proofValue
	return out
}

// signerRole is who must control the proofs' verification methods.
type signerRole struct {
	role string // "issuer" or "holder"
	id   string // empty: a presentation without holder
}

func signerOf(m map[string]any) (signerRole, error) {
	role := "issuer"
	if isPresentation(m["type"]) {
		role = "holder"
	}
	v, present := m[role]
	if !present {
		if role == "holder" {
			return signerRole{role: role}, nil
		}
		return signerRole{}, fmt.Errorf("%w: the credential has no issuer", credentials.ErrMalformed)
	}
	switch x := v.(type) {
	case string:
		if x != "" {
			return signerRole{role, x}, nil
		}
	case map[string]any:
		if id, ok := x["id"].(string); ok && id != "" {
			return signerRole{role, id}, nil
		}
	}
	return signerRole{}, fmt.Errorf("%w: %s must be a URL or an object with an id", credentials.ErrMalformed, role)
}

func isPresentation(t any) bool {
	switch x := t.(type) {
	case string:
		return x == "VerifiablePresentation"
	case []any:
		return slices.Contains(x, any("VerifiablePresentation"))
	}
	return false
}

// check requires the verification method's controller to be the signer.
func (s signerRole) check(vm *credentials.VerificationMethod, method, path string) error {
	if s.id == "" {
		return nil
	}
	id := vm.ID
	if id == "" {
		id = method
	}
	c := controllerOf(id, vm.Controller)
	if c != s.id {
		return fmt.Errorf("%w: %s is made with a key of %s, but the %s is %s", credentials.ErrInvalidProof, path, orNone(c), s.role, s.id)
	}
	return nil
}

// controllerOf is the controller a resolver reported, or else the DID of the
// verification method id.
func controllerOf(id, controller string) string {
	if controller != "" {
		return controller
	}
	if strings.HasPrefix(id, "did:") {
		did, _, _ := strings.Cut(id, "#")
		return did
	}
	return ""
}

func orNone(s string) string {
	if s == "" {
		return "an unknown controller"
	}
	return s
}
