package dataintegrity

import (
	"bytes"
	"context"
	"crypto"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/rand"
	"encoding/asn1"
	"encoding/json"
	"errors"
	"fmt"
	"math/big"
	"runtime"
	"time"

	"github.com/mr-tron/base58"

	"github.com/diplomat-edu/diplomat/credentials"
	"github.com/diplomat-edu/diplomat/credentials/internal/jcs"
	"github.com/diplomat-edu/diplomat/credentials/internal/jsontree"
	"github.com/diplomat-edu/diplomat/internal/jsonx"
	"github.com/diplomat-edu/diplomat/internal/par"
)

// Sign implements credentials.Mechanism. It adds a DataIntegrityProof of the
// Suite's cryptosuite to doc, keeping the document's bytes and member order,
// and returns the secured document. If doc already has proofs, the new one is
// added to them (a proof set: each proof signs the document without any
// proof). If doc's @context defines neither VC 2.0 nor Data Integrity v2,
// ContextV2 is appended to it first; a document that already carries proofs
// cannot be changed that way and is refused.
//
// key.ID becomes proof.verificationMethod and must not be empty. Keys the
// cryptosuite cannot use return an error wrapping credentials.ErrUnsupportedKey.
func (s *Suite) Sign(ctx context.Context, doc []byte, key credentials.SigningKey, opts credentials.SignOptions) ([]byte, error) {
	if key.Signer == nil {
		return nil, fmt.Errorf("%w: no signer", credentials.ErrUnsupportedKey)
	}
	alg, err := algorithmFor(s.name, key.Signer.Public())
	if err != nil {
		return nil, err
	}
	if key.ID == "" {
		return nil, fmt.Errorf("%w: the key has no verification method id (SigningKey.ID)", credentials.ErrUnsupportedKey)
	}
	m, members, err := s.decodeMembers(doc)
	if err != nil {
		return nil, err
	}
	var ctxList []any
	if _, has := m["@context"]; has || !isJCS(s.name) {
		// A JCS proof needs no JSON-LD context, but one given is checked.
		if ctxList, err = contextList(m["@context"], "@context"); err != nil {
			return nil, err
		}
	}
	existing, hasProofs := m["proof"]
	var previous []any
	if hasProofs {
		switch p := existing.(type) {
		case map[string]any:
			previous = []any{p}
		case []any:
			previous = p
		default:
			return nil, fmt.Errorf("%w: proof must be an object or an array of objects", credentials.ErrMalformed)
		}
	}
	set := map[string][]byte{}
	if !isJCS(s.name) && !hasContext(ctxList, credentialsV2) && !hasContext(ctxList, ContextV2) {
		if len(previous) > 0 {
			return nil, fmt.Errorf("%w: @context defines no Data Integrity terms and the document already has proofs; adding %s would break them", credentials.ErrMalformed, ContextV2)
		}
		ctxList = append(ctxList, ContextV2)
		b, err := json.Marshal(ctxList)
		if err != nil {
			return nil, fmt.Errorf("%w: %v", credentials.ErrMalformed, err)
		}
		set["@context"] = b
	}
	unsecured := make(map[string]any, len(m))
	for k, v := range m {
		unsecured[k] = v
	}
	delete(unsecured, "proof")
	if ctxList != nil {
		unsecured["@context"] = ctxList
	}

	now := time.Now
	if opts.Now != nil {
		now = opts.Now
	}
	purpose := opts.Purpose
	if purpose == "" {
		purpose = "assertionMethod"
	}
	proof := map[string]any{
		"type":               ProofType,
		"cryptosuite":        s.name,
		"created":            now().UTC().Truncate(time.Second).Format(time.RFC3339),
		"verificationMethod": key.ID,
		"proofPurpose":       purpose,
	}
	if opts.Challenge != "" {
		proof["challenge"] = opts.Challenge
	}
	if opts.Domain != "" {
		proof["domain"] = opts.Domain
	}

	if isJCS(s.name) && ctxList != nil {
		// The proof carries the document's context (the JCS suites'
		// proof configuration).
		proof["@context"] = ctxList
	}
	if s.name == ECDSASD2023 {
		if len(previous) > 0 {
			return nil, fmt.Errorf("%w: an %s proof must be the credential's only proof", credentials.ErrMalformed, ECDSASD2023)
		}
		pv, err := s.signSD(ctx, unsecured, proof, ctxList, key, alg)
		if err != nil {
			return nil, err
		}
		proof["proofValue"] = pv
	} else {
		hashData, err := s.hashData(ctx, s.name, func() ([]byte, error) { return s.canonicalHash(ctx, s.name, unsecured, alg.hash) }, proof, ctxList, alg)
		if err != nil {
			return nil, err
		}
		sig, err := sign(key.Signer, hashData, alg)
		if err != nil {
			return nil, err
		}
		proof["proofValue"] = "z" + base58.Encode(sig)
	}

	var proofJSON []byte
	if len(previous) > 0 {
		proofJSON, err = json.Marshal(append(previous, proof))
	} else {
		proofJSON, err = json.Marshal(proof)
	}
	if err != nil {
		return nil, fmt.Errorf("%w: %v", credentials.ErrMalformed, err)
	}
	set["proof"] = proofJSON
	return setMembers(doc, members, set)
}

// canonical is the transformation of cryptosuite: RDFC-1.0 N-Quads, or JCS.
func (s *Suite) canonical(ctx context.Context, cryptosuite string, doc any, h crypto.Hash) ([]byte, error) {
	if isJCS(cryptosuite) {
		b, err := jcs.Marshal(doc)
		if err != nil {
			return nil, fmt.Errorf("%w: %w", credentials.ErrMalformed, err)
		}
		return b, nil
	}
	return s.canon.Canonicalize(ctx, doc, h)
}

// canonicalHash is the hash by h of canonical (by LDProc, without keeping
// the N-Quads).
func (s *Suite) canonicalHash(ctx context.Context, cryptosuite string, doc any, h crypto.Hash) ([]byte, error) {
	if c, ok := s.canon.(*LDProc); ok && !isJCS(cryptosuite) {
		return c.digest(ctx, doc, h)
	}
	b, err := s.canonical(ctx, cryptosuite, doc, h)
	if err != nil {
		return nil, err
	}
	return hashOf(b, h), nil
}

func hashOf(b []byte, h crypto.Hash) []byte {
	d := h.New()
	d.Write(b)
	return d.Sum(nil)
}

// hashData canonicalises the proof configuration (proof without proofValue;
// with the document's @context for the RDFC suites, as the proof has it for
// the JCS ones) while docHash hashes the canonical document, and returns
// hash(proof config) ‖ hash(doc).
func (s *Suite) hashData(ctx context.Context, cryptosuite string, docHash func() ([]byte, error), proof map[string]any, docContext []any, alg algorithm) ([]byte, error) {
	config := make(map[string]any, len(proof)+1)
	for k, v := range proof {
		if k != "proofValue" {
			config[k] = v
		}
	}
	if !isJCS(cryptosuite) {
		config["@context"] = docContext
	}
	type result struct {
		b   []byte
		err error
	}
	done := make(chan result, 1)
	go func() {
		b, err := s.canonical(ctx, cryptosuite, config, alg.hash)
		done <- result{b, err}
	}()
	doc, docErr := docHash()
	cfg := <-done
	if docErr != nil {
		return nil, docErr
	}
	if cfg.err != nil {
		return nil, fmt.Errorf("proof configuration: %w", cfg.err)
	}
	return append(hashOf(cfg.b, alg.hash), doc...), nil
}

// sign signs hashData: Ed25519 over the bytes themselves, ECDSA over their
// hash, returned as r ‖ s of the curve's size (IEEE P1363).
func sign(signer crypto.Signer, hashData []byte, alg algorithm) ([]byte, error) {
	switch signer.Public().(type) {
	case ed25519.PublicKey:
		sig, err := signer.Sign(rand.Reader, hashData, crypto.Hash(0))
		if err != nil {
			return nil, fmt.Errorf("signing: %w", err)
		}
		return sig, nil
	case *ecdsa.PublicKey:
		h := alg.hash.New()
		h.Write(hashData)
		der, err := signer.Sign(rand.Reader, h.Sum(nil), alg.hash)
		if err != nil {
			return nil, fmt.Errorf("signing: %w", err)
		}
		var rs struct{ R, S *big.Int }
		if rest, err := asn1.Unmarshal(der, &rs); err != nil || len(rest) != 0 {
			return nil, errors.New("signing: the ECDSA signer returned a signature that is not ASN.1 DER")
		}
		n := alg.sigSize / 2
		if rs.R == nil || rs.S == nil || rs.R.Sign() <= 0 || rs.S.Sign() <= 0 || rs.R.BitLen() > n*8 || rs.S.BitLen() > n*8 {
			return nil, errors.New("signing: the ECDSA signer returned an out-of-range signature")
		}
		out := make([]byte, alg.sigSize)
		rs.R.FillBytes(out[:n])
		rs.S.FillBytes(out[n:])
		return out, nil
	}
	return nil, fmt.Errorf("%w: %s", credentials.ErrUnsupportedKey, keyKind(signer.Public()))
}

// verifySignature checks sig over hashData with pub.
func verifySignature(pub crypto.PublicKey, hashData, sig []byte, alg algorithm) bool {
	switch k := pub.(type) {
	case ed25519.PublicKey:
		return len(sig) == ed25519.SignatureSize && ed25519.Verify(k, hashData, sig)
	case *ecdsa.PublicKey:
		if len(sig) != alg.sigSize {
			return false
		}
		h := alg.hash.New()
		h.Write(hashData)
		n := alg.sigSize / 2
		r := new(big.Int).SetBytes(sig[:n])
		s := new(big.Int).SetBytes(sig[n:])
		return ecdsa.Verify(k, h.Sum(nil), r, s)
	}
	return false
}

// decode reads a document: a JSON object within the Suite's limits, with
// no inline context unless they are allowed.
func (s *Suite) decode(doc []byte) (map[string]any, error) {
	m, _, err := s.decodeMembers(doc)
	return m, err
}

// decodeMembers is decode returning the document's top-level members too.
func (s *Suite) decodeMembers(doc []byte) (map[string]any, []jsontree.Member, error) {
	if err := jsonx.Check(doc, s.limits); err != nil {
		return nil, nil, fmt.Errorf("%w: %w", credentials.ErrMalformed, err)
	}
	m, members, err := jsontree.DecodeObject(doc)
	if errors.Is(err, jsontree.ErrNotObject) {
		return nil, nil, fmt.Errorf("%w: the document must be a JSON object", credentials.ErrMalformed)
	}
	if err != nil {
		return nil, nil, fmt.Errorf("%w: %w", credentials.ErrMalformed, err)
	}
	if !s.inline {
		var v any = m
		if onlyTopContext(doc, m) {
			v = map[string]any{"@context": m["@context"]}
		}
		if err := checkInline(v, "$"); err != nil {
			return nil, nil, err
		}
	}
	return m, members, nil
}

// parallelParse is the size from which parse, with two processors, has
// the document checked and parsed at once.
const parallelParse = 32 << 10

// parse reads a document as decode does, into a jsontree.Tree, checked by
// jsonx.Check (its errors): in the same pass (jsontree.ParseChecked), or,
// for a large document with two processors, by a helper goroutine while
// the caller parses (par.Pieces), which takes less time and more work.
// The tree is used only if the check passes (Parse, given bytes Check
// refuses, returns an error or garbage, never panics, and its work is
// bounded by the size).
func (s *Suite) parse(doc []byte) (*jsontree.Tree, error) {
	var t *jsontree.Tree
	var err error
	if len(doc) >= parallelParse && runtime.GOMAXPROCS(0) > 1 {
		var cerr error
		par.Pieces(2, func(_, i int) {
			if i == 0 {
				cerr = jsonx.Check(doc, s.limits)
			} else {
				t, err = jsontree.Parse(doc)
			}
		})
		if cerr != nil {
			err = cerr
		}
	} else {
		t, err = jsontree.ParseChecked(doc, s.limits)
	}
	if err != nil {
		return nil, fmt.Errorf("%w: %w", credentials.ErrMalformed, err)
	}
	if t.Root().Kind() != jsontree.Object {
		return nil, fmt.Errorf("%w: the document must be a JSON object", credentials.ErrMalformed)
	}
	if !s.inline && t.InlineContexts > 0 {
		// Rare: the generic values say where.
		if err := checkInline(t.Any(t.Root()), "$"); err != nil {
			return nil, err
		}
		return nil, fmt.Errorf("%w: %w: only pinned context URLs are accepted", credentials.ErrMalformed, ErrInlineContext)
	}
	return t, nil
}

// marshalJSON writes v without escaping <, > and &.
func marshalJSON(v any) ([]byte, error) {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return nil, fmt.Errorf("%w: %v", credentials.ErrMalformed, err)
	}
	return bytes.TrimSuffix(b.Bytes(), []byte("\n")), nil
}
