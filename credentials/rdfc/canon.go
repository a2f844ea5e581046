package rdfc

import (
	"bytes"
	"context"
	"crypto"
	_ "crypto/sha256" // the default hash
	_ "crypto/sha512" // SHA-384
	"encoding/hex"
	"errors"
	"fmt"
	"hash"
	"hash/maphash"
	"maps"
	"slices"
	"strconv"
	"time"
)

// ErrTooComplex is wrapped by Canonicalize errors for a dataset whose blank
// nodes would take more work, or more time, than Options allow (a "poison
// graph" in RDFC-1.0's words).
var ErrTooComplex = errors.New("dataset too complex to canonicalize")

// Defaults of Options.
const (
	// DefaultWorkPerQuad is the work allowed per (distinct) quad of the
	// dataset. One unit is about one small hash or one step of a
	// permutation.
	DefaultWorkPerQuad = 100
	// DefaultMinWork is the work allowed to any dataset, however small.
	DefaultMinWork = 100000
	// DefaultTimeout bounds the time one canonicalisation may take.
	DefaultTimeout = 3 * time.Second
)

// Options configure Canonicalize. The zero value canonicalises with SHA-256
// and the default bounds.
type Options struct {
	// Hash is RDFC-1.0's hash function. Zero: SHA-256.
	Hash crypto.Hash
	// WorkPerQuad and MinWork bound the work: a dataset of n distinct quads
	// may spend max(MinWork, n*WorkPerQuad) units. Zero: DefaultWorkPerQuad
	// and DefaultMinWork. A dataset whose blank nodes all differ in their
	// own quads (every credential Diplomat issues) needs a few units per
	// blank node.
	WorkPerQuad, MinWork int
	// Timeout bounds the wall-clock time, on top of ctx's deadline. Zero:
	// DefaultTimeout.
	Timeout time.Duration
	// Quads asks for Result.Quads. False: only NQuads and Labels are
	// made, which is all a signature needs.
	Quads bool
}

// Result is a canonicalised dataset.
type Result struct {
	// NQuads is the canonical N-Quads document: one line per distinct
	// quad, sorted.
	NQuads []byte
	// Quads are the quads with their canonical blank node labels
	// ("c14n0", ...), in the order of the lines of NQuads; only when
	// Options.Quads asked for them.
	Quads []Quad
	// Labels maps every blank node label of the input to its canonical
	// label.
	Labels map[string]string
}

// Canonicalize runs RDFC-1.0 on quads (duplicates are removed first; quads
// is not modified). It returns an error wrapping ErrTooComplex when the
// work or time bound of opts is reached, and ctx's error when ctx ends.
func Canonicalize(ctx context.Context, quads []Quad, opts Options) (*Result, error) {
	h := opts.Hash
	if h == 0 {
		h = crypto.SHA256
	}
	if h != crypto.SHA256 && h != crypto.SHA384 {
		return nil, fmt.Errorf("rdfc: hash %v (RDFC-1.0 here uses SHA-256 or SHA-384)", h)
	}
	perQuad, minWork, timeout := opts.WorkPerQuad, opts.MinWork, opts.Timeout
	if perQuad <= 0 {
		perQuad = DefaultWorkPerQuad
	}
	if minWork <= 0 {
		minWork = DefaultMinWork
	}
	if timeout <= 0 {
		timeout = DefaultTimeout
	}
	c := &canon{ctx: ctx, hasher: h.New(), blankIdx: map[string]int32{}}
	c.dedupe(quads)
	c.budget = max(int64(minWork), int64(perQuad)*int64(len(c.quads)+len(c.plain)))
	c.deadline = time.Now().Add(timeout)
	if err := c.run(); err != nil {
		return nil, err
	}
	return c.result(opts.Quads), nil
}

type canon struct {
	ctx      context.Context
	hasher   hash.Hash
	in       []Quad     // the input
	plain    []int32    // indices in in of the quads without blank nodes, duplicates included
	quads    []int32    // indices in in of the quads with blank nodes, without duplicates
	pos      [][4]int32 // per quad: the blank node index at each position, or -1
	labels   []string   // blank node index → input label
	blankIdx map[string]int32
	nodeQs   [][]int32 // blank node index → indices of the quads it is in
	canonID  []int32   // blank node index → canonical number, or -1
	issued   int32
	first    []digest // blank node index → first-degree hash, zero until computed

	work, budget int64
	deadline     time.Time
	buf          []byte
	lines        [][]byte
}

// dedupe splits the quads: those without blank nodes need no work and lose
// their duplicates when the lines are sorted; the others lose theirs here,
// since a duplicate would change their hashes.
func (c *canon) dedupe(in []Quad) {
	c.in = in
	c.plain = make([]int32, 0, len(in))
	var blank []int32
	for i := range in {
		q := &in[i]
		if q[0].Kind != Blank && q[2].Kind != Blank && q[3].Kind != Blank && q[1].Kind != Blank {
			c.plain = append(c.plain, int32(i))
			continue
		}
		blank = append(blank, int32(i))
	}
	// Duplicates are found by sorting the quads' hashes, then comparing
	// the quads whose hashes are equal.
	type keyed struct {
		h uint64
		i int32
	}
	keys := make([]keyed, len(blank))
	for n, qi := range blank {
		keys[n] = keyed{hashQuad(&in[qi]), qi}
	}
	slices.SortFunc(keys, func(a, b keyed) int {
		switch {
		case a.h < b.h:
			return -1
		case a.h > b.h:
			return 1
		}
		return int(a.i - b.i)
	})
	blank = blank[:0]
	for n, k := range keys {
		dup := false
		for m := n - 1; m >= 0 && keys[m].h == k.h; m-- {
			if in[keys[m].i] == in[k.i] {
				dup = true
				break
			}
		}
		if !dup {
			blank = append(blank, k.i)
		}
	}
	slices.Sort(blank) // keep the input order
	c.quads = blank
	c.pos = make([][4]int32, len(c.quads))
	for i, qi := range c.quads {
		q := &in[qi]
		for k := range q {
			c.pos[i][k] = -1
			if q[k].Kind != Blank {
				continue
			}
			id, ok := c.blankIdx[q[k].Value]
			if !ok {
				id = int32(len(c.labels))
				c.blankIdx[q[k].Value] = id
				c.labels = append(c.labels, q[k].Value)
				c.nodeQs = append(c.nodeQs, nil)
			}
			c.pos[i][k] = id
			if l := c.nodeQs[id]; len(l) == 0 || l[len(l)-1] != int32(i) {
				c.nodeQs[id] = append(l, int32(i))
			}
		}
	}
	c.canonID = make([]int32, len(c.labels))
	for i := range c.canonID {
		c.canonID[i] = -1
	}
	c.first = make([]digest, len(c.labels))
}

// spend accounts for n units of work.
func (c *canon) spend(n int) error {
	before := c.work
	c.work += int64(n)
	if c.work > c.budget {
		return fmt.Errorf("%w: blank nodes need more than %d units of work (%d distinct quads); see RDFC-1.0 on poison graphs", ErrTooComplex, c.budget, len(c.quads))
	}
	if before>>10 != c.work>>10 {
		if err := c.ctx.Err(); err != nil {
			return err
		}
		if time.Now().After(c.deadline) {
			return fmt.Errorf("%w: canonicalisation ran out of time", ErrTooComplex)
		}
	}
	return nil
}

func (c *canon) issueCanonical(id int32) {
	if c.canonID[id] < 0 {
		c.canonID[id] = c.issued
		c.issued++
	}
}

func (c *canon) run() error {
	// Hash First Degree Quads for every blank node, grouped by hash.
	byHash := map[digest][]int32{}
	for id := range c.labels {
		hf, err := c.hashFirstDegree(int32(id))
		if err != nil {
			return err
		}
		byHash[hf] = append(byHash[hf], int32(id))
	}
	hashes := slices.SortedFunc(maps.Keys(byHash), cmpDigest)
	var shared []digest
	for _, hf := range hashes {
		if ids := byHash[hf]; len(ids) == 1 {
			c.issueCanonical(ids[0])
		} else {
			shared = append(shared, hf)
		}
	}
	for _, hf := range shared {
		type result struct {
			hash digest
			is   *tmpIssuer
		}
		var paths []result
		for _, id := range byHash[hf] {
			if c.canonID[id] >= 0 {
				continue
			}
			tmp := newTmpIssuer()
			tmp.issue(id)
			hn, is, err := c.hashNDegree(id, tmp)
			if err != nil {
				return err
			}
			paths = append(paths, result{hn, is})
		}
		slices.SortStableFunc(paths, func(a, b result) int { return cmpDigest(a.hash, b.hash) })
		for _, r := range paths {
			for _, old := range r.is.order {
				c.issueCanonical(old)
			}
		}
	}
	return nil
}

// digest is a hash in hexadecimal, as RDFC-1.0 compares and concatenates
// them, kept in an array so that hashing allocates nothing.
type digest struct {
	n int8
	h [96]byte
}

func (d *digest) hex() []byte { return d.h[:d.n] }

func cmpDigest(a, b digest) int { return bytes.Compare(a.hex(), b.hex()) }

func cmpString(a, b string) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

func (c *canon) sum(data []byte) digest {
	c.hasher.Reset()
	c.hasher.Write(data)
	var raw [48]byte
	sum := c.hasher.Sum(raw[:0])
	var d digest
	d.n = int8(hex.Encode(d.h[:], sum))
	return d
}

// appendQuadWith appends quad i as an N-Quads line, naming its blank nodes
// with name.
func (c *canon) appendQuadWith(b []byte, i int, name func(int32) string) []byte {
	q := &c.in[c.quads[i]]
	for k := range q {
		if q[k].Kind == DefaultGraph {
			continue
		}
		if k > 0 {
			b = append(b, ' ')
		}
		if id := c.pos[i][k]; id >= 0 {
			b = append(b, "_:"...)
			b = append(b, name(id)...)
			continue
		}
		b = AppendTerm(b, q[k])
	}
	return append(b, " .\n"...)
}

// hashFirstDegree is the Hash First Degree Quads algorithm.
func (c *canon) hashFirstDegree(id int32) (digest, error) {
	if hf := c.first[id]; hf.n != 0 {
		return hf, nil
	}
	qs := c.nodeQs[id]
	if err := c.spend(len(qs)); err != nil {
		return digest{}, err
	}
	name := func(b int32) string {
		if b == id {
			return "a"
		}
		return "z"
	}
	lines := c.lines[:0]
	buf := c.buf[:0]
	for _, qi := range qs {
		start := len(buf)
		buf = c.appendQuadWith(buf, int(qi), name)
		lines = append(lines, buf[start:len(buf):len(buf)])
	}
	slices.SortFunc(lines, bytes.Compare)
	c.hasher.Reset()
	for _, l := range lines {
		c.hasher.Write(l)
	}
	var raw [48]byte
	var hf digest
	hf.n = int8(hex.Encode(hf.h[:], c.hasher.Sum(raw[:0])))
	c.first[id] = hf
	c.buf, c.lines = buf[:0], lines[:0]
	return hf, nil
}

// tmpIssuer is an identifier issuer with prefix "_:b": the number issued
// to a blank node is its position in order. Issuers are small (the blank
// nodes reachable in one Hash N-Degree Quads call) and copied often, so a
// slice does better than a map.
type tmpIssuer struct {
	order []int32
}

func newTmpIssuer() *tmpIssuer { return &tmpIssuer{} }

func (t *tmpIssuer) lookup(id int32) (int32, bool) {
	for n, o := range t.order {
		if o == id {
			return int32(n), true
		}
	}
	return 0, false
}

func (t *tmpIssuer) issue(id int32) int32 {
	if n, ok := t.lookup(id); ok {
		return n
	}
	t.order = append(t.order, id)
	return int32(len(t.order) - 1)
}

func (t *tmpIssuer) clone() *tmpIssuer {
	return &tmpIssuer{order: slices.Clone(t.order)}
}

// hashRelated is the Hash Related Blank Node algorithm.
func (c *canon) hashRelated(related int32, qi int, is *tmpIssuer, position byte) (digest, error) {
	if err := c.spend(1); err != nil {
		return digest{}, err
	}
	var hf digest
	n, issued := is.lookup(related)
	if c.canonID[related] < 0 && !issued {
		var err error
		if hf, err = c.hashFirstDegree(related); err != nil {
			return digest{}, err
		}
	}
	b := append(c.buf[:0], position)
	if position != 'g' {
		b = append(b, '<')
		b = append(b, c.in[c.quads[qi]][1].Value...)
		b = append(b, '>')
	}
	switch {
	case c.canonID[related] >= 0:
		b = append(b, "_:c14n"...)
		b = strconv.AppendInt(b, int64(c.canonID[related]), 10)
	case issued:
		b = append(b, "_:b"...)
		b = strconv.AppendInt(b, int64(n), 10)
	default:
		b = append(b, hf.hex()...)
	}
	c.buf = b[:0]
	return c.sum(b), nil
}

// hashNDegree is the Hash N-Degree Quads algorithm.
func (c *canon) hashNDegree(id int32, is *tmpIssuer) (digest, *tmpIssuer, error) {
	if err := c.spend(1 + len(c.nodeQs[id])); err != nil {
		return digest{}, nil, err
	}
	hn := map[digest][]int32{}
	for _, qi := range c.nodeQs[id] {
		for k, pos := range [4]byte{'s', 0, 'o', 'g'} {
			r := c.pos[qi][k]
			if pos == 0 || r < 0 || r == id {
				continue
			}
			rh, err := c.hashRelated(r, int(qi), is, pos)
			if err != nil {
				return digest{}, nil, err
			}
			if !slices.Contains(hn[rh], r) {
				hn[rh] = append(hn[rh], r)
			}
		}
	}
	var data []byte
	for _, rh := range slices.SortedFunc(maps.Keys(hn), cmpDigest) {
		data = append(data, rh.hex()...)
		var chosenPath []byte
		var chosenIssuer *tmpIssuer
		err := c.permute(hn[rh], func(perm []int32) error {
			if err := c.spend(len(perm) + len(is.order)); err != nil { // the copy of the issuer costs its size
				return err
			}
			issuerCopy := is.clone()
			var path []byte
			var recursion []int32
			for _, related := range perm {
				if n := c.canonID[related]; n >= 0 {
					path = append(path, "_:c14n"...)
					path = strconv.AppendInt(path, int64(n), 10)
				} else {
					if _, ok := issuerCopy.lookup(related); !ok {
						recursion = append(recursion, related)
					}
					path = append(path, "_:b"...)
					path = strconv.AppendInt(path, int64(issuerCopy.issue(related)), 10)
				}
				if chosenPath != nil && len(path) >= len(chosenPath) && bytes.Compare(path, chosenPath) > 0 {
					return nil
				}
			}
			for _, related := range recursion {
				res, resIssuer, err := c.hashNDegree(related, issuerCopy)
				if err != nil {
					return err
				}
				path = append(path, "_:b"...)
				path = strconv.AppendInt(path, int64(issuerCopy.issue(related)), 10)
				path = append(path, '<')
				path = append(path, res.hex()...)
				path = append(path, '>')
				issuerCopy = resIssuer
				if chosenPath != nil && len(path) >= len(chosenPath) && bytes.Compare(path, chosenPath) > 0 {
					return nil
				}
			}
			if chosenPath == nil || bytes.Compare(path, chosenPath) < 0 {
				chosenPath, chosenIssuer = path, issuerCopy
			}
			return nil
		})
		if err != nil {
			return digest{}, nil, err
		}
		data = append(data, chosenPath...)
		is = chosenIssuer
	}
	return c.sum(data), is, nil
}

// permute calls f with every permutation of list (Heap's algorithm), in
// an order that starts from the sorted list, until f returns an error.
func (c *canon) permute(list []int32, f func([]int32) error) error {
	a := slices.Clone(list)
	slices.Sort(a)
	if err := f(a); err != nil {
		return err
	}
	state := make([]int, len(a))
	for i := 0; i < len(a); {
		if state[i] < i {
			if i%2 == 0 {
				a[0], a[i] = a[i], a[0]
			} else {
				a[state[i]], a[i] = a[i], a[state[i]]
			}
			if err := f(a); err != nil {
				return err
			}
			state[i]++
			i = 0
		} else {
			state[i] = 0
			i++
		}
	}
	return nil
}

func (c *canon) result(wantQuads bool) *Result {
	labels := make(map[string]string, len(c.labels))
	names := make([]string, len(c.labels))
	for id, l := range c.labels {
		names[id] = "c14n" + strconv.Itoa(int(c.canonID[id]))
		labels[l] = names[id]
	}
	name := func(id int32) string { return names[id] }
	type line struct {
		start, end int
		q          int // index in c.quads, or len(c.quads)+index in c.plain
	}
	size := 0
	for _, qs := range [][]Quad{c.in} {
		for i := range qs {
			for k := range qs[i] {
				t := &qs[i][k]
				size += len(t.Value) + len(t.Datatype) + len(t.Lang) + 8
			}
		}
	}
	buf := make([]byte, 0, size+size/8)
	lines := make([]line, 0, len(c.quads)+len(c.plain))
	for i := range c.quads {
		start := len(buf)
		buf = c.appendQuadWith(buf, i, name)
		lines = append(lines, line{start, len(buf), i})
	}
	for i, qi := range c.plain {
		start := len(buf)
		buf = AppendNQuad(buf, c.in[qi])
		lines = append(lines, line{start, len(buf), len(c.quads) + i})
	}
	slices.SortFunc(lines, func(a, b line) int { return bytes.Compare(buf[a.start:a.end], buf[b.start:b.end]) })
	lines = slices.CompactFunc(lines, func(a, b line) bool { return bytes.Equal(buf[a.start:a.end], buf[b.start:b.end]) })
	size = 0
	for _, l := range lines {
		size += l.end - l.start
	}
	out := make([]byte, 0, size)
	for _, l := range lines {
		out = append(out, buf[l.start:l.end]...)
	}
	r := &Result{NQuads: out, Labels: labels}
	if wantQuads {
		r.Quads = make([]Quad, len(lines))
		for i, l := range lines {
			if l.q >= len(c.quads) {
				r.Quads[i] = c.in[c.plain[l.q-len(c.quads)]]
				continue
			}
			q := c.in[c.quads[l.q]]
			for k := range q {
				if id := c.pos[l.q][k]; id >= 0 {
					q[k].Value = names[id]
				}
			}
			r.Quads[i] = q
		}
	}
	return r
}

var quadSeed = maphash.MakeSeed()

func hashQuad(q *Quad) uint64 {
	var h maphash.Hash
	h.SetSeed(quadSeed)
	for k := range q {
		h.WriteByte(byte(q[k].Kind))
		h.WriteString(q[k].Value)
		h.WriteByte(0)
		h.WriteString(q[k].Datatype)
		h.WriteByte(0)
		h.WriteString(q[k].Lang)
		h.WriteByte(0)
	}
	return h.Sum64()
}
