package rdfc

import (
	"bytes"
	"cmp"
	"context"
	"crypto"
	_ "crypto/sha256" // the default hash
	_ "crypto/sha512" // SHA-384
	"encoding/binary"
	"encoding/hex"
	"errors"
	"fmt"
	"hash"
	"math/bits"
	"slices"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/diplomat-edu/diplomat/internal/par"
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
	// Digest, when set (crypto.SHA256 or crypto.SHA384), asks for the
	// hash of the canonical N-Quads (Result.Digest) instead of the N-Quads
	// themselves: the lines are hashed as they are sorted, never all kept
	// at once, and Result.NQuads and Result.Labels are nil.
	Digest crypto.Hash
}

// Result is a canonicalised dataset.
type Result struct {
	// NQuads is the canonical N-Quads document: one line per distinct
	// quad, sorted. Nil when Options.Digest is set.
	NQuads []byte
	// Digest is the hash of NQuads by Options.Digest, when set.
	Digest []byte
	// Quads are the quads with their canonical blank node labels
	// ("c14n0", ...), in the order of the lines of NQuads; only when
	// Options.Quads asked for them.
	Quads []Quad
	// Labels maps every blank node label of the input to its canonical
	// label (nil with Options.Digest).
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
	if opts.Digest != 0 && opts.Digest != crypto.SHA256 && opts.Digest != crypto.SHA384 {
		return nil, fmt.Errorf("rdfc: digest %v (SHA-256 or SHA-384 here)", opts.Digest)
	}
	m, _ := memPool.Get().(*memory)
	if m == nil {
		m = &memory{}
	}
	defer m.release()
	c := &canon{ctx: ctx, newHash: h.New, mem: m}
	if m.hash != h {
		m.hash, m.ws = h, [2]worker{}
	}
	c.ws = &m.ws
	m.ws[0].owed, m.ws[1].owed = 0, 0
	if opts.Digest != 0 {
		c.sink = opts.Digest.New()
	}
	c.dedupe(quads)
	c.budget = max(int64(minWork), int64(perQuad)*int64(len(c.quads)+len(c.plain)))
	c.deadline = time.Now().Add(timeout)
	if err := c.run(); err != nil {
		return nil, err
	}
	return c.result(opts.Quads), nil
}

// canon is one run of the algorithm. Blank nodes are numbered in the order
// they first appear (their index); quads are referred to by their index in
// quads, and nothing is serialised before a hash or the result needs it.
type canon struct {
	ctx     context.Context
	newHash func() hash.Hash
	mem     *memory             // reused: see memory
	sink    hash.Hash           // Options.Digest's, or nil
	names   func(id int) string // blank node index → canonical label, once all are issued (result)
	in      []Quad              // the input
	plain   []int32             // indices in in of the quads without blank nodes, duplicates included
	quads   []int32             // indices in in of the quads with blank nodes, without duplicates
	pos     [][4]int32          // per quad: the blank node index at each position, or -1
	labels  []string            // blank node index → input label
	// byLabel maps labels to indices; byNumber does for labels "b<n>"
	// (what JSON-LD processors make), n → index+1, without hashing.
	byLabel  map[string]int32
	byNumber []int32
	// The quads of blank node i are nodeQuads[nodeStart[i]:nodeStart[i+1]]
	// (indices in quads, ascending).
	nodeStart []int32
	nodeQuads []int32
	canonID   []int32 // blank node index → canonical number, or -1
	issued    int32
	first     []digest // blank node index → first-degree hash, zero until computed

	work     atomic.Int64 // settled by the workers (spend)
	budget   int64
	deadline time.Time
	ws       *[2]worker // the caller's and a helper's (par.Pieces)
}

// memory is the memory of a run, kept for the next one (memPool): a large
// credential's canonicalisation would otherwise allocate a megabyte, and
// the garbage collector's work is then a good part of a verification's.
// A run takes its slices with take; those it grows by append (labels,
// byNumber, names, subj, subjEnd) it stores back itself.
type memory struct {
	hash crypto.Hash // of the workers' hashers
	ws   [2]worker
	// dedupe
	plain, blank, firstNode, start, order, fill, nodeQuads, canonID, byNumber []int32
	pos                                                                       [][4]int32
	dup                                                                       []bool
	labels                                                                    []string
	first                                                                     []digest
	// result and writeBySubject
	ends                                                 []int
	names, subj, out                                     []byte
	bucket, subjEnd, rank, rorder, rstart, byRank, rfill []int32
	pieceBufs                                            [][]byte
}

// maxKept bounds the memory kept for the next run: the slices of a run on
// a dataset of over maxKept quads are dropped.
const maxKept = 1 << 16

var memPool sync.Pool

// take returns (*p)[:n], zeroed, *p grown to hold it if needed.
func take[T any](p *[]T, n int) []T {
	if cap(*p) < n {
		*p = make([]T, n, n+n/8)
	}
	s := (*p)[:n]
	clear(s)
	return s
}

// release clears what the run left (strings of the input) and puts m
// back in memPool, unless the run was too large.
func (m *memory) release() {
	if cap(m.plain) > maxKept || cap(m.blank) > maxKept || cap(m.labels) > maxKept {
		return
	}
	clear(m.labels[:cap(m.labels)])
	memPool.Put(m)
}

// worker is the memory of the hashing algorithms and of writeRanks, one
// per goroutine.
type worker struct {
	firstDegree
	owed int64 // work not yet added to canon.work (spend)
	// Hash N-Degree Quads' related nodes, paths and lists of nodes: stacks
	// shared by the recursion.
	rel   []relHash
	parts []pathPart
	nodes []int32
	ranks rankScratch
}

// worker returns worker w (0: the caller's), made ready. Each goroutine
// of par.Pieces makes its own ready.
func (c *canon) worker(w int) *worker {
	if c.ws == nil {
		c.ws = new([2]worker)
	}
	if c.ws[w].hasher == nil {
		c.ws[w].hasher = c.newHash()
	}
	return &c.ws[w]
}

// relHash is a related blank node and its hash.
type relHash struct {
	h    digest
	node int32
}

func (c *canon) nodeQs(id int32) []int32 { return c.nodeQuads[c.nodeStart[id]:c.nodeStart[id+1]] }

// blankID returns the index of the blank node labelled l, numbering it if
// it is new.
func (c *canon) blankID(l string) int32 {
	if n, ok := labelNumber(l); ok && n < 4*len(c.in)+1024 {
		if n < len(c.byNumber) {
			if id := c.byNumber[n]; id > 0 {
				return id - 1
			}
		} else {
			c.byNumber = append(c.byNumber, make([]int32, n+1-len(c.byNumber))...)
			c.mem.byNumber = c.byNumber
		}
		id := c.newBlank(l)
		c.byNumber[n] = id + 1
		return id
	}
	if id, ok := c.byLabel[l]; ok {
		return id
	}
	if c.byLabel == nil {
		c.byLabel = map[string]int32{}
	}
	id := c.newBlank(l)
	c.byLabel[l] = id
	return id
}

func (c *canon) newBlank(l string) int32 {
	c.labels = append(c.labels, l)
	c.mem.labels = c.labels
	return int32(len(c.labels) - 1)
}

// labelNumber returns n for a label "b<n>", n in decimal without leading
// zeros, and whether l is one.
func labelNumber(l string) (int, bool) {
	if len(l) < 2 || len(l) > 8 || l[0] != 'b' || (l[1] == '0' && len(l) > 2) {
		return 0, false
	}
	n := 0
	for i := 1; i < len(l); i++ {
		d := l[i] - '0'
		if d > 9 {
			return 0, false
		}
		n = n*10 + int(d)
	}
	return n, true
}

// maxBucket is the number of quads sharing a first blank node above which
// dedupe finds duplicates with a map rather than by comparing every pair.
const maxBucket = 32

// dedupe splits the quads: those without blank nodes need no work and lose
// their duplicates when the lines are sorted; the others lose theirs here,
// since a duplicate would change their hashes.
func (c *canon) dedupe(in []Quad) {
	m := c.mem
	if m == nil {
		m = &memory{}
		c.mem = m
	}
	c.in = in
	c.labels, c.byNumber = m.labels[:0], m.byNumber[:0]
	c.plain = take(&m.plain, len(in))[:0]
	blank := take(&m.blank, len(in))[:0]
	for i := range in {
		q := &in[i]
		if q[0].Kind != Blank && q[2].Kind != Blank && q[3].Kind != Blank && q[1].Kind != Blank {
			c.plain = append(c.plain, int32(i))
			continue
		}
		blank = append(blank, int32(i))
	}
	// Blank node indices, in order of first appearance (duplicates only
	// repeat what came before them), and each quad's first blank node.
	pos := take(&m.pos, len(blank))
	firstNode := take(&m.firstNode, len(blank))
	for n, qi := range blank {
		q := &in[qi]
		f := int32(-1)
		for k := range q {
			pos[n][k] = -1
			if q[k].Kind == Blank {
				pos[n][k] = c.blankID(q[k].Value)
				if f < 0 {
					f = pos[n][k]
				}
			}
		}
		firstNode[n] = f
	}
	// Equal quads have the same first blank node: compare within those
	// buckets only.
	nb := len(c.labels)
	start := take(&m.start, nb+1)
	for _, f := range firstNode {
		start[f+1]++
	}
	for i := range nb {
		start[i+1] += start[i]
	}
	order := take(&m.order, len(blank))
	fill := append(take(&m.fill, nb)[:0], start[:nb]...)
	for n, f := range firstNode {
		order[fill[f]] = int32(n)
		fill[f]++
	}
	dup := take(&m.dup, len(blank))
	for id := range nb {
		b := order[start[id]:start[id+1]]
		if len(b) <= maxBucket {
			for x := 1; x < len(b); x++ {
				qx := &in[blank[b[x]]]
				for y := 0; y < x; y++ {
					if !dup[b[y]] && in[blank[b[y]]] == *qx {
						dup[b[x]] = true
						break
					}
				}
			}
			continue
		}
		seen := make(map[Quad]struct{}, len(b))
		for _, n := range b {
			q := in[blank[n]]
			if _, ok := seen[q]; ok {
				dup[n] = true
			} else {
				seen[q] = struct{}{}
			}
		}
	}
	kept := 0
	for n := range blank {
		if !dup[n] {
			blank[kept], pos[kept] = blank[n], pos[n]
			kept++
		}
	}
	c.quads, c.pos = blank[:kept], pos[:kept]
	// The quads of each blank node, each once.
	clear(start)
	for i := range c.pos {
		p := &c.pos[i]
		for k, id := range p {
			if id >= 0 && !slices.Contains(p[:k], id) {
				start[id+1]++
			}
		}
	}
	for i := range nb {
		start[i+1] += start[i]
	}
	c.nodeStart = start
	c.nodeQuads = take(&m.nodeQuads, int(start[nb]))
	fill = append(fill[:0], start[:nb]...)
	for i := range c.pos {
		p := &c.pos[i]
		for k, id := range p {
			if id >= 0 && !slices.Contains(p[:k], id) {
				c.nodeQuads[fill[id]] = int32(i)
				fill[id]++
			}
		}
	}
	c.canonID = take(&m.canonID, nb)
	for i := range c.canonID {
		c.canonID[i] = -1
	}
	c.first = take(&m.first, nb)
}

// spend accounts for n units of work.
// A worker counts its work, and adds it to the run's (shared with the
// other worker) by spendBatch units at least, when it also checks the
// context and the deadline.
func (c *canon) spend(w *worker, n int) error {
	w.owed += int64(n)
	if w.owed < spendBatch {
		return nil
	}
	return c.settle(w)
}

const spendBatch = 256

// settle adds w's work to the run's and checks the bounds.
func (c *canon) settle(w *worker) error {
	work := c.work.Add(w.owed)
	w.owed = 0
	if work > c.budget {
		return fmt.Errorf("%w: blank nodes need more than %d units of work (%d distinct quads); see RDFC-1.0 on poison graphs", ErrTooComplex, c.budget, len(c.quads))
	}
	if err := c.ctx.Err(); err != nil {
		return err
	}
	if time.Now().After(c.deadline) {
		return fmt.Errorf("%w: canonicalisation ran out of time", ErrTooComplex)
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
	// Hash First Degree Quads for every blank node, grouped by hash (the
	// nodes of a group in index order).
	if err := c.hashAllFirstDegree(); err != nil {
		return err
	}
	ids := c.byFirstDegree()
	var shared [][]int32
	for i := 0; i < len(ids); {
		j := i + 1
		for j < len(ids) && c.first[ids[j]] == c.first[ids[i]] {
			j++
		}
		if j == i+1 {
			c.issueCanonical(ids[i])
		} else {
			shared = append(shared, ids[i:j])
		}
		i = j
	}
	// The nodes of a group are hashed independently of each other (the
	// canonical issuer changes only once they all are): a large group is
	// shared with a helper goroutine (par), in pieces of nDegreePiece.
	type result struct {
		hash digest
		is   tmpIssuer
		err  error
	}
	var paths []result
	var todo []int32
	var order []int
	for _, group := range shared {
		todo = todo[:0]
		for _, id := range group {
			if c.canonID[id] < 0 {
				todo = append(todo, id)
			}
		}
		paths = append(paths[:0], make([]result, len(todo))...)
		hash := func(w, k int) {
			wk := c.worker(w)
			for i := k * nDegreePiece; i < min(len(todo), (k+1)*nDegreePiece); i++ {
				var tmp tmpIssuer
				tmp.issue(todo[i])
				p := &paths[i]
				p.hash, p.is, p.err = c.hashNDegree(wk, todo[i], tmp)
			}
		}
		pieces := (len(todo) + nDegreePiece - 1) / nDegreePiece
		if len(todo) < parallelNDegree {
			for k := range pieces {
				hash(0, k)
			}
		} else {
			par.Pieces(pieces, hash)
		}
		order = order[:0]
		for i := range paths {
			if paths[i].err != nil {
				return paths[i].err
			}
			order = append(order, i)
		}
		slices.SortStableFunc(order, func(a, b int) int { return cmpDigest(&paths[a].hash, &paths[b].hash) })
		for _, i := range order {
			for _, old := range paths[i].is.order {
				c.issueCanonical(old)
			}
		}
	}
	for w := range c.ws {
		if err := c.settle(&c.ws[w]); err != nil {
			return err
		}
	}
	return nil
}

// parallelNDegree is the size of a group of nodes from which run shares
// its Hash N-Degree Quads with a helper, in pieces of nDegreePiece nodes.
const (
	parallelNDegree = 16
	nDegreePiece    = 4
)

// byFirstDegree returns the blank nodes in the order of their first-degree
// hashes, then of their indices. They are sorted by the hashes' first
// eight bytes (a comparison of integers), and only runs of equal keys
// whose hashes differ further (as good as never) by the whole hashes.
func (c *canon) byFirstDegree() []int32 {
	type keyed struct {
		key uint64
		id  int32
	}
	ks := make([]keyed, len(c.labels))
	for id := range ks {
		ks[id] = keyed{c.first[id].key, int32(id)}
	}
	slices.SortFunc(ks, func(a, b keyed) int {
		if a.key != b.key {
			return cmp.Compare(a.key, b.key)
		}
		return cmp.Compare(a.id, b.id)
	})
	ids := make([]int32, len(ks))
	for i, k := range ks {
		ids[i] = k.id
	}
	for i := 0; i < len(ks); {
		j := i + 1
		mixed := false
		for j < len(ks) && ks[j].key == ks[i].key {
			mixed = mixed || c.first[ks[j].id] != c.first[ks[i].id]
			j++
		}
		if mixed {
			slices.SortFunc(ids[i:j], func(a, b int32) int {
				if x := cmpDigest(&c.first[a], &c.first[b]); x != 0 {
					return x
				}
				return cmp.Compare(a, b)
			})
		}
		i = j
	}
	return ids
}

// digest is a hash, kept in an array so that hashing allocates nothing.
// RDFC-1.0 compares and concatenates hashes in hexadecimal: lowercase hex
// orders as the bytes do, so they are compared as bytes, and written in
// hex only where a hash goes into another (most first-degree hashes never
// do).
type digest struct {
	key uint64 // the first 8 bytes of the hash, big-endian
	n   int8
	raw [48]byte
}

// appendHex appends d in lowercase hexadecimal.
func (d *digest) appendHex(b []byte) []byte { return hex.AppendEncode(b, d.raw[:d.n]) }

func cmpDigest(a, b *digest) int {
	switch {
	case a.key < b.key:
		return -1
	case a.key > b.key:
		return 1
	}
	return bytes.Compare(a.raw[:a.n], b.raw[:b.n])
}

func (w *firstDegree) sum(data []byte) digest {
	w.hasher.Reset()
	w.hasher.Write(data)
	// Into w.raw: the hasher keeps the bytes it is given, so a stack array
	// would move to the heap on every call.
	w.raw = w.hasher.Sum(w.raw[:0])
	return digestOf(w.raw)
}

func digestOf(raw []byte) digest {
	var d digest
	d.key = binary.BigEndian.Uint64(raw)
	d.n = int8(copy(d.raw[:], raw))
	return d
}

// appendQuad appends quad i as an N-Quads line. With self >= 0, blank node
// self is named "a" and every other "z" (Hash First Degree Quads);
// otherwise blank nodes have their canonical labels.
func (c *canon) appendQuad(b []byte, i int, self int32) []byte {
	q := &c.in[c.quads[i]]
	for k := range q {
		if q[k].Kind == DefaultGraph {
			continue
		}
		if k > 0 {
			b = append(b, ' ')
		}
		switch id := c.pos[i][k]; {
		case id < 0:
			b = AppendTerm(b, q[k])
		case self < 0:
			b = append(b, "_:c14n"...)
			b = strconv.AppendInt(b, int64(c.canonID[id]), 10)
		case id == self:
			b = append(b, "_:a"...)
		default:
			b = append(b, "_:z"...)
		}
	}
	return append(b, " .\n"...)
}

// firstDegree is the memory of Hash First Degree Quads.
type firstDegree struct {
	hasher hash.Hash
	buf    []byte
	lines  [][]byte
	raw    []byte
}

// firstDegree computes (and records) the first-degree hash of id with w,
// spending nothing: hashAllFirstDegree has.
func (c *canon) firstDegree(w *firstDegree, id int32) digest {
	qs := c.nodeQs(id)
	lines := w.lines[:0]
	buf := w.buf[:0]
	for _, qi := range qs {
		start := len(buf)
		buf = c.appendQuad(buf, int(qi), id)
		lines = append(lines, buf[start:len(buf):len(buf)])
	}
	slices.SortFunc(lines, bytes.Compare)
	w.hasher.Reset()
	for _, l := range lines {
		w.hasher.Write(l)
	}
	w.raw = w.hasher.Sum(w.raw[:0])
	hf := digestOf(w.raw)
	c.first[id] = hf
	w.buf, w.lines = buf[:0], lines[:0]
	return hf
}

// parallelFirstDegree is the number of blank nodes from which
// hashAllFirstDegree shares the work with a helper goroutine (par), in
// pieces of firstDegreePiece nodes.
const (
	parallelFirstDegree = 256
	firstDegreePiece    = 32
)

// hashAllFirstDegree computes the first-degree hash of every blank node.
// The hashes are independent, and their work known in advance (one unit
// per quad of each node, spent here).
func (c *canon) hashAllFirstDegree() error {
	if err := c.spend(c.worker(0), len(c.nodeQuads)); err != nil {
		return err
	}
	nb := len(c.labels)
	pieces := (nb + firstDegreePiece - 1) / firstDegreePiece
	hash := func(w, i int) {
		fd := &c.worker(w).firstDegree
		for id := i * firstDegreePiece; id < min(nb, (i+1)*firstDegreePiece); id++ {
			c.firstDegree(fd, int32(id))
		}
	}
	if nb < parallelFirstDegree {
		for i := range pieces {
			hash(0, i)
		}
	} else {
		par.Pieces(pieces, hash)
	}
	return c.ctx.Err()
}

// tmpIssuer is an identifier issuer with prefix "_:b": the number issued
// to a blank node is its position in order. Issuers are small (the blank
// nodes reachable in one Hash N-Degree Quads call) and copied often, so a
// slice does better than a map. A copy shares the array: clone before
// issuing into one that another holds.
type tmpIssuer struct {
	order []int32
}

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

// clone copies t with room for n more.
func (t tmpIssuer) clone(n int) tmpIssuer {
	return tmpIssuer{order: append(make([]int32, 0, len(t.order)+n), t.order...)}
}

// hashRelated is the Hash Related Blank Node algorithm.
func (c *canon) hashRelated(w *worker, related int32, qi int, is *tmpIssuer, position byte) (digest, error) {
	if err := c.spend(w, 1); err != nil {
		return digest{}, err
	}
	n, issued := is.lookup(related)
	hf := c.first[related] // every node's is computed first (hashAllFirstDegree)
	b := append(w.buf[:0], position)
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
		b = hf.appendHex(b)
	}
	w.buf = b[:0]
	return w.sum(b), nil
}

// hashNDegree is the Hash N-Degree Quads algorithm. It does not modify
// is's array; the issuer it returns may share it.
func (c *canon) hashNDegree(w *worker, id int32, is tmpIssuer) (digest, tmpIssuer, error) {
	qs := c.nodeQs(id)
	if err := c.spend(w, 1+len(qs)); err != nil {
		return digest{}, tmpIssuer{}, err
	}
	// The related nodes and their hashes go on w.rel; the recursion below
	// pushes above them, and a reallocation leaves this view intact.
	base := len(w.rel)
	defer func() { w.rel = w.rel[:base] }()
	for _, qi := range qs {
		for k, pos := range [4]byte{'s', 0, 'o', 'g'} {
			r := c.pos[qi][k]
			if pos == 0 || r < 0 || r == id {
				continue
			}
			rh, err := c.hashRelated(w, r, int(qi), &is, pos)
			if err != nil {
				return digest{}, tmpIssuer{}, err
			}
			w.rel = append(w.rel, relHash{rh, r})
		}
	}
	rel := w.rel[base:]
	slices.SortFunc(rel, func(a, b relHash) int {
		if x := cmpDigest(&a.h, &b.h); x != 0 {
			return x
		}
		return int(a.node - b.node)
	})
	rel = slices.Compact(rel)
	// The hash of each group and its chosen path go on w.parts, and the
	// group's nodes on w.nodes, stacks like w.rel.
	pbase, nbase := len(w.parts), len(w.nodes)
	defer func() { w.parts, w.nodes = w.parts[:pbase], w.nodes[:nbase] }()
	for g := 0; g < len(rel); {
		e := g + 1
		for e < len(rel) && rel[e].h == rel[g].h {
			e++
		}
		w.nodes = w.nodes[:nbase]
		for _, r := range rel[g:e] {
			w.nodes = append(w.nodes, r.node) // in order: sorted by node
		}
		path, chosen, err := c.choosePath(w, w.nodes[nbase:], is)
		if err != nil {
			return digest{}, tmpIssuer{}, err
		}
		w.parts = append(w.parts, pathPart{rel[g].h, path})
		is = chosen
		g = e
	}
	data := w.buf[:0]
	for _, p := range w.parts[pbase:] {
		data = p.h.appendHex(data)
		data = append(data, p.path...)
	}
	w.buf = data[:0]
	return w.sum(data), is, nil
}

// pathPart is a hash of related nodes and the path chosen for them.
type pathPart struct {
	h    digest
	path []byte
}

// choosePath tries every permutation of list (sorted), as Hash N-Degree
// Quads does for the related nodes of one hash, and returns the smallest
// path and the issuer that goes with it.
func (c *canon) choosePath(w *worker, list []int32, is tmpIssuer) ([]byte, tmpIssuer, error) {
	var (
		chosenPath   []byte
		chosenIssuer tmpIssuer
		recursion    []int32
		state        []int
	)
	if len(list) > 1 {
		state = make([]int, len(list))
	}
	for i := 0; ; {
		if err := c.spend(w, len(list)+len(is.order)); err != nil { // the copy of the issuer costs its size
			return nil, tmpIssuer{}, err
		}
		path, issuerCopy, ok, err := c.tryPath(w, list, is, chosenPath, recursion[:0])
		if err != nil {
			return nil, tmpIssuer{}, err
		}
		if ok {
			chosenPath, chosenIssuer = path, issuerCopy
		}
		if len(list) <= 1 {
			return chosenPath, chosenIssuer, nil
		}
		// The next permutation (Heap's algorithm).
		for i < len(list) && state[i] >= i {
			state[i] = 0
			i++
		}
		if i >= len(list) {
			return chosenPath, chosenIssuer, nil
		}
		if i%2 == 0 {
			list[0], list[i] = list[i], list[0]
		} else {
			list[state[i]], list[i] = list[i], list[state[i]]
		}
		state[i]++
		i = 0
	}
}

// tryPath builds the path of one permutation, and says whether it is
// smaller than chosen (nil: none yet); it stops as soon as it cannot be.
func (c *canon) tryPath(w *worker, perm []int32, is tmpIssuer, chosen []byte, recursion []int32) ([]byte, tmpIssuer, bool, error) {
	issuerCopy := is.clone(len(perm))
	path := make([]byte, 0, len(chosen)+8)
	worse := func() bool { return chosen != nil && len(path) >= len(chosen) && bytes.Compare(path, chosen) > 0 }
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
		if worse() {
			return nil, tmpIssuer{}, false, nil
		}
	}
	for _, related := range recursion {
		res, resIssuer, err := c.hashNDegree(w, related, issuerCopy)
		if err != nil {
			return nil, tmpIssuer{}, false, err
		}
		issuerCopy = resIssuer
		path = append(path, "_:b"...)
		path = strconv.AppendInt(path, int64(issuerCopy.issue(related)), 10)
		path = append(path, '<')
		path = res.appendHex(path)
		path = append(path, '>')
		if worse() {
			return nil, tmpIssuer{}, false, nil
		}
	}
	return path, issuerCopy, chosen == nil || bytes.Compare(path, chosen) < 0, nil
}

func (c *canon) result(wantQuads bool) *Result {
	// The canonical labels, in one string.
	m := c.mem
	nb := m.names[:0]
	ends := take(&m.ends, len(c.labels))
	for id := range c.labels {
		nb = append(nb, "c14n"...)
		nb = strconv.AppendInt(nb, int64(c.canonID[id]), 10)
		ends[id] = len(nb)
	}
	all := string(nb)
	m.names = nb
	name := func(id int) string {
		s := 0
		if id > 0 {
			s = ends[id-1]
		}
		return all[s:ends[id]]
	}
	c.names = name
	var labels map[string]string
	if c.sink == nil {
		labels = make(map[string]string, len(c.labels))
		for id, l := range c.labels {
			labels[l] = name(id)
		}
	}
	// The size of the lines, but for escapes in literals.
	size := 0
	for i := range c.in {
		for k := range c.in[i] {
			size += termSize(&c.in[i][k])
		}
	}
	o := output{h: c.sink}
	if c.sink != nil {
		o.buf = take(&m.out, 32<<10)[:0]
	} else {
		o.buf = make([]byte, 0, size+size/64)
	}
	var kept []int // the lines written, as line.q
	if !c.writeBySubject(&o, &kept, wantQuads) {
		c.writeSorted(&o, &kept, wantQuads, size)
	}
	r := &Result{Labels: labels}
	if c.sink != nil {
		c.sink.Write(o.buf)
		r.Digest = c.sink.Sum(nil)
	} else {
		r.NQuads = o.buf
	}
	if wantQuads {
		r.Quads = make([]Quad, len(kept))
		for i, lq := range kept {
			if lq >= len(c.quads) {
				r.Quads[i] = c.in[c.plain[lq-len(c.quads)]]
				continue
			}
			q := c.in[c.quads[lq]]
			for k := range q {
				if id := c.pos[lq][k]; id >= 0 {
					q[k].Value = name(int(id))
				}
			}
			r.Quads[i] = q
		}
	}
	return r
}

// output receives the canonical lines: kept in buf, or, with h set,
// hashed by h (buf then holds what is not hashed yet).
type output struct {
	h   hash.Hash
	buf []byte
}

// writeAll writes b, not copied when it is hashed.
func (o *output) writeAll(b []byte) {
	if o.h == nil {
		o.buf = append(o.buf, b...)
		return
	}
	if len(o.buf) > 0 {
		o.h.Write(o.buf)
		o.buf = o.buf[:0]
	}
	o.h.Write(b)
}

func (o *output) write(b []byte) {
	if o.h != nil && len(o.buf)+len(b) > cap(o.buf) {
		o.h.Write(o.buf)
		o.buf = o.buf[:0]
	}
	o.buf = append(o.buf, b...)
}

// writeSorted serialises every line, sorts them all (sortLines) and
// writes them without duplicates.
func (c *canon) writeSorted(o *output, kept *[]int, wantQuads bool, size int) {
	buf := make([]byte, 0, size+size/64)
	lines := make([]line, 0, len(c.quads)+len(c.plain))
	for q := range len(c.quads) + len(c.plain) {
		start := len(buf)
		var sub int
		buf, sub = c.appendLine(buf, q)
		lines = append(lines, line{start, len(buf), q, sub})
	}
	sortLines(buf, lines)
	for i, l := range lines {
		if i > 0 && bytes.Equal(buf[l.start:l.end], buf[lines[i-1].start:lines[i-1].end]) {
			continue
		}
		o.write(buf[l.start:l.end])
		if wantQuads {
			*kept = append(*kept, l.q)
		}
	}
}

// appendLine appends line q (an index in c.quads, or len(c.quads) + an
// index in c.plain) with canonical labels, and returns also where its
// subject ends.
func (c *canon) appendLine(b []byte, q int) ([]byte, int) {
	if q >= len(c.quads) {
		qd := &c.in[c.plain[q-len(c.quads)]]
		b = AppendTerm(b, qd[0])
		sub := len(b)
		return appendRest(b, qd), sub
	}
	qd := &c.in[c.quads[q]]
	if id := c.pos[q][0]; id >= 0 {
		b = append(b, "_:"...)
		b = append(b, c.names(int(id))...)
	} else {
		b = AppendTerm(b, qd[0])
	}
	sub := len(b)
	for k := 1; k < len(qd); k++ {
		if qd[k].Kind == DefaultGraph {
			continue
		}
		b = append(b, ' ')
		if id := c.pos[q][k]; id >= 0 {
			b = append(b, "_:"...)
			b = append(b, c.names(int(id))...)
		} else {
			b = AppendTerm(b, qd[k])
		}
	}
	return append(b, " .\n"...), sub
}

// appendRest is AppendNQuad without the subject.
func appendRest(b []byte, q *Quad) []byte {
	for k := 1; k < len(q); k++ {
		if q[k].Kind == DefaultGraph {
			continue
		}
		b = append(b, ' ')
		b = AppendTerm(b, q[k])
	}
	return append(b, " .\n"...)
}

// writeBySubject writes the lines in order, by their subjects first:
// canonical N-Quads has one line per quad, and most lines share with
// others a subject, which bytes.Compare (or a multikey sort) reads again
// at every comparison. Subjects are ordered once, the blank nodes' by
// their canonical numbers in decimal (_:c14n1 < _:c14n10 < _:c14n2), and
// only the lines of one subject are serialised together and compared,
// from the subject's end; each subject's lines are written as soon as
// they are sorted, so that no line waits in memory for the others.
//
// That order is bytes order as long as no subject followed by a space is
// the beginning of another subject, and every subject that is not a blank
// node sorts before "_" (IRIs and literals do: '<' and '"'); false, having
// written nothing, when a dataset breaks either rule (an IRI holding "> ",
// say, which JSON-LD never makes).
func (c *canon) writeBySubject(o *output, kept *[]int, wantQuads bool) bool {
	nb := len(c.labels)
	nq := len(c.quads) + len(c.plain)
	// Each line's bucket: a blank node subject's canonical number, or
	// nb + the index of another subject among those met. Other subjects
	// are told apart by term, and serialised once each into subj; terms
	// that serialise alike share a rank below.
	m := c.mem
	bucket := take(&m.bucket, nq)
	subj, subjEnd := m.subj[:0], m.subjEnd[:0]
	defer func() { m.subj, m.subjEnd = subj, subjEnd }()
	var otherIDs map[Term]int32
	for q := range nq {
		var t *Term
		if q < len(c.quads) {
			if id := c.pos[q][0]; id >= 0 {
				bucket[q] = c.canonID[id]
				continue
			}
			t = &c.in[c.quads[q]][0]
		} else {
			t = &c.in[c.plain[q-len(c.quads)]][0]
		}
		id, ok := otherIDs[*t]
		if !ok {
			if otherIDs == nil {
				otherIDs = map[Term]int32{}
			}
			start := len(subj)
			subj = AppendTerm(subj, *t)
			if len(subj) == start || (subj[start] != '<' && subj[start] != '"') {
				return false
			}
			id = int32(len(subjEnd))
			otherIDs[*t] = id
			subjEnd = append(subjEnd, int32(len(subj)))
		}
		bucket[q] = int32(nb) + id
	}
	other := func(i int32) []byte {
		start := int32(0)
		if i > 0 {
			start = subjEnd[i-1]
		}
		return subj[start:subjEnd[i]]
	}
	// The rank of each bucket in line order: other subjects first.
	rank := take(&m.rank, nb+len(subjEnd))
	order := take(&m.rorder, len(subjEnd))
	for i := range order {
		order[i] = int32(i)
	}
	prefixed := false
	slices.SortFunc(order, func(a, b int32) int {
		x, y := other(a), other(b)
		n := min(len(x), len(y))
		if r := bytes.Compare(x[:n], y[:n]); r != 0 || len(x) == len(y) {
			return r
		}
		// One is the beginning of the other: the shorter is followed by
		// a space in its line.
		if len(x) < len(y) {
			if y[n] == ' ' {
				prefixed = true
			}
			return cmpByte(' ', y[n])
		}
		if x[n] == ' ' {
			prefixed = true
		}
		return cmpByte(x[n], ' ')
	})
	if prefixed {
		return false
	}
	r := int32(-1)
	for i, s := range order {
		if i == 0 || !bytes.Equal(other(s), other(order[i-1])) {
			r++
		}
		rank[nb+int(s)] = r
	}
	for i, n := range decimalOrder(nb) {
		rank[n] = r + 1 + int32(i)
	}
	// The lines by rank (a counting sort).
	start := take(&m.rstart, len(rank)+1)
	for _, b := range bucket {
		start[rank[b]+1]++
	}
	for i := range len(rank) {
		start[i+1] += start[i]
	}
	byRank := take(&m.byRank, nq)
	fill := append(take(&m.rfill, len(rank))[:0], start[:len(rank)]...)
	for q, b := range bucket {
		r := rank[b]
		byRank[fill[r]] = int32(q)
		fill[r]++
	}
	// Each rank's lines, serialised, sorted by what follows the subject,
	// and written without duplicates; on a large dataset, in pieces of
	// about linesPiece lines (whole ranks) shared with a helper goroutine
	// (par), each into its own buffer, written in order by the caller as
	// soon as the pieces before are.
	ranks := len(rank)
	if nq < parallelLines {
		c.writeRanks(o, kept, wantQuads, &c.worker(0).ranks, byRank, start, 0, ranks)
		return true
	}
	bounds := []int{0}
	for r := range ranks {
		if int(start[r]-start[bounds[len(bounds)-1]]) >= linesPiece {
			bounds = append(bounds, r)
		}
	}
	bounds = append(bounds, ranks)
	type piece struct {
		out   output
		kept  []int
		ready atomic.Bool
	}
	pieces := make([]piece, len(bounds)-1)
	for len(m.pieceBufs) < len(pieces) {
		m.pieceBufs = append(m.pieceBufs, nil)
	}
	flushed := 0
	flush := func() {
		for ; flushed < len(pieces) && pieces[flushed].ready.Load(); flushed++ {
			p := &pieces[flushed]
			o.writeAll(p.out.buf)
			*kept = append(*kept, p.kept...)
			p.out.buf, p.kept = nil, nil
		}
	}
	par.Pieces(len(pieces), func(w, i int) {
		p := &pieces[i]
		size := 0 // of the piece's lines, but for escapes and long labels
		for _, q := range byRank[start[bounds[i]]:start[bounds[i+1]]] {
			qd := c.quadOf(int(q))
			for k := range qd {
				size += termSize(&qd[k])
			}
		}
		p.out.buf = take(&m.pieceBufs[i], size+size/32)[:0]
		c.writeRanks(&p.out, &p.kept, wantQuads, &c.worker(w).ranks, byRank, start, bounds[i], bounds[i+1])
		p.ready.Store(true)
		if w == 0 {
			flush()
		}
	})
	flush()
	return true
}

// quadOf returns the quad of line q.
func (c *canon) quadOf(q int) *Quad {
	if q >= len(c.quads) {
		return &c.in[c.plain[q-len(c.quads)]]
	}
	return &c.in[c.quads[q]]
}

// parallelLines is the number of lines from which writeBySubject shares
// the work with a helper goroutine, in pieces of about linesPiece lines.
const (
	parallelLines = 2048
	linesPiece    = 256
)

// rankScratch is writeRanks' memory.
type rankScratch struct {
	buf   []byte
	lines []line
}

// writeRanks writes the lines of ranks from to to (byRank[start[r]:
// start[r+1]] for rank r) to o, each rank's lines sorted by what follows
// the subject, without duplicates.
func (c *canon) writeRanks(o *output, kept *[]int, wantQuads bool, s *rankScratch, byRank, start []int32, from, to int) {
	if s.buf == nil {
		// Room for the largest rank's lines, at 128 bytes a line.
		most := 0
		for r := from; r < to; r++ {
			most = max(most, int(start[r+1]-start[r]))
		}
		s.buf, s.lines = make([]byte, 0, 128*most), make([]line, 0, most)
	}
	buf, lines := s.buf, s.lines
	defer func() { s.buf, s.lines = buf[:0], lines[:0] }()
	for r := from; r < to; r++ {
		qs := byRank[start[r]:start[r+1]]
		buf, lines = buf[:0], lines[:0]
		for _, q := range qs {
			at := len(buf)
			var sub int
			buf, sub = c.appendLine(buf, int(q))
			lines = append(lines, line{at, len(buf), int(q), sub})
		}
		if len(lines) > 1 {
			slices.SortFunc(lines, func(a, b line) int { return bytes.Compare(buf[a.sub:a.end], buf[b.sub:b.end]) })
		}
		for i, l := range lines {
			if i > 0 && bytes.Equal(buf[l.sub:l.end], buf[lines[i-1].sub:lines[i-1].end]) {
				continue
			}
			o.write(buf[l.start:l.end])
			if wantQuads {
				*kept = append(*kept, l.q)
			}
		}
	}
}

func cmpByte(a, b byte) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

// decimalOrder returns 0, ..., n-1 in the order of their decimal forms
// as strings (0, 1, 10, 100, 11, ..., 2, 20, ...): a preorder walk of the
// tree of decimal prefixes.
func decimalOrder(n int) []int32 {
	out := make([]int32, 0, n)
	if n == 0 {
		return out
	}
	out = append(out, 0)
	var walk func(x int)
	walk = func(x int) {
		out = append(out, int32(x))
		for d := range 10 {
			y := 10*x + d
			if y >= n {
				return
			}
			walk(y)
		}
	}
	for d := 1; d <= 9 && d < n; d++ {
		walk(d)
	}
	return out
}

// termSize is the size of t in an N-Quads line, with the space or " .\n"
// that follows it, unless it is a literal with characters to escape, or a
// blank node whose canonical label is longer than 8 characters.
func termSize(t *Term) int {
	switch t.Kind {
	case IRI:
		return len(t.Value) + 3
	case Blank:
		return 11
	case Literal:
		n := len(t.Value) + 3
		switch {
		case t.Datatype == RDFLangString && t.Lang != "":
			n += 1 + len(t.Lang)
		case t.Datatype != "" && t.Datatype != XSDString:
			n += 4 + len(t.Datatype)
		}
		return n
	}
	return 2 // the default graph: " .\n" instead of a space
}

// line is an N-Quads line in a buffer, and the quad it is: an index in
// canon.quads, or len(canon.quads) + an index in canon.plain.
type line struct {
	start, end int
	q          int
	sub        int // where the subject ends (sortBySubject)
}

// sortLines sorts lines by their bytes in buf, in the order of
// bytes.Compare, by multikey quicksort (Bentley and Sedgewick) on eight
// bytes at a time: the lines of one subject share a long prefix, which
// this reads a few times per line rather than once per comparison.
func sortLines(buf []byte, lines []line) {
	mkqs(buf, lines, 0, 2*bits.Len(uint(len(lines))))
}

// chunk is the eight bytes of l from depth d, big-endian, zeros past its
// end, and whether l ends before d+8.
func chunk(buf []byte, l *line, d int) (uint64, bool) {
	p := l.start + d
	if p+8 <= l.end {
		return binary.BigEndian.Uint64(buf[p : p+8]), false
	}
	var k uint64
	for i := range 8 {
		k <<= 8
		if p+i < l.end {
			k |= uint64(buf[p+i])
		}
	}
	return k, true
}

// mkqs sorts ls, whose lines share their first d bytes. limit bounds the
// partitions of unlucky pivots, after which pdqsort takes over; so do
// lines that end within the next eight bytes (zeros then stand for their
// end, which is not the same as a zero byte).
func mkqs(buf []byte, ls []line, d, limit int) {
	for len(ls) > 1 {
		if len(ls) <= 12 || limit <= 0 {
			slices.SortFunc(ls, func(a, b line) int { return bytes.Compare(buf[a.start+d:a.end], buf[b.start+d:b.end]) })
			return
		}
		limit--
		k0, _ := chunk(buf, &ls[0], d)
		k1, _ := chunk(buf, &ls[len(ls)/2], d)
		k2, _ := chunk(buf, &ls[len(ls)-1], d)
		p := median3(k0, k1, k2)
		lt, i, gt := 0, 0, len(ls)
		short := false
		for i < gt {
			switch k, ends := chunk(buf, &ls[i], d); {
			case k < p:
				ls[lt], ls[i] = ls[i], ls[lt]
				lt++
				i++
			case k > p:
				gt--
				ls[gt], ls[i] = ls[i], ls[gt]
			default:
				short = short || ends
				i++
			}
		}
		mkqs(buf, ls[:lt], d, limit)
		mkqs(buf, ls[gt:], d, limit)
		ls = ls[lt:gt]
		if short {
			slices.SortFunc(ls, func(a, b line) int { return bytes.Compare(buf[a.start+d:a.end], buf[b.start+d:b.end]) })
			return
		}
		d += 8
		limit = 2 * bits.Len(uint(len(ls)))
	}
}

func median3(a, b, c uint64) uint64 {
	if a > b {
		a, b = b, a
	}
	if b > c {
		b = c
	}
	return max(a, b)
}
