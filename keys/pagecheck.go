package keys

import (
	"encoding/binary"
	"errors"
	"fmt"
	"hash/fnv"
	"io"
	"os"
)

// checkPages reads the B+tree of a bbolt file from its bytes, before bbolt
// maps it, and returns an error naming what is wrong when bbolt could not
// walk it safely. bbolt trusts its page headers: a page that points at
// itself sends its cursor into an endless descent that exhausts memory (a
// fatal error no recover catches), and a count or a position that points
// past the page makes it read outside the map. So every page reachable
// from the meta page bbolt would use is checked here: its id and type, its
// element table and every key and value inside the page and its overflow,
// each child page below the high-water mark and reached once only (no
// cycle, no page shared by two parents), buckets nested inline or not; and
// the freelist, whose pages must be below the mark and not in use.
//
// It reads through ReadAt, never a memory map, so a truncated file is a
// short read and an error here. A file whose meta pages are both invalid is
// left to bbolt, which refuses it with its own error. Only the structure is
// read, not the contents of keys and values.
func checkPages(path string) error {
	f, err := os.Open(path)
	if err != nil {
		return err
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return err
	}
	c := &pageChecker{f: f, size: st.Size()}
	m, ok := c.meta()
	if !ok {
		return nil // bbolt says why
	}
	c.pageSize, c.hwm = int64(m.pageSize), m.pgid
	if c.hwm < 2 || c.pageSize < 1024 {
		return errors.New("its meta page has an impossible size")
	}
	if need := int64(c.hwm) * c.pageSize; need > c.size || need/c.pageSize != int64(c.hwm) {
		return fmt.Errorf("it is truncated: %d bytes, the store needs %d", c.size, need)
	}
	c.seen = make(map[uint64]bool)
	if err := c.tree(m.root, 0); err != nil {
		return err
	}
	if m.freelist != noFreelist {
		return c.freelist(m.freelist)
	}
	return nil
}

// bbolt's page format (go.etcd.io/bbolt/internal/common), native byte order.
const (
	pageHeaderSize  = 16 // id uint64, flags uint16, count uint16, overflow uint32
	elementSize     = 16 // branch: pos, ksize uint32, pgid uint64; leaf: flags, pos, ksize, vsize uint32
	bucketHeaderLen = 16 // root pgid uint64, sequence uint64
	branchPage      = 0x01
	leafPage        = 0x02
	freelistPage    = 0x10
	bucketLeafFlag  = 0x01
	boltMagic       = 0xED0CDAED
	boltVersion     = 2
	metaSize        = 64 // up to and with the checksum
	metaSumLen      = 56 // the bytes the checksum covers
	noFreelist      = ^uint64(0)
	maxTreeDepth    = 64
)

var ne = binary.NativeEndian

type metaPage struct {
	pageSize uint32
	root     uint64
	freelist uint64
	pgid     uint64
	txid     uint64
}

type pageChecker struct {
	f        io.ReaderAt
	size     int64
	pageSize int64
	hwm      uint64 // pages with an id from here on do not exist
	seen     map[uint64]bool
}

// readMeta reads a meta page at off; ok is false when it is not valid.
func (c *pageChecker) readMeta(off int64) (metaPage, bool) {
	var b [pageHeaderSize + metaSize]byte
	if _, err := c.f.ReadAt(b[:], off); err != nil {
		return metaPage{}, false
	}
	m := b[pageHeaderSize:]
	h := fnv.New64a()
	h.Write(m[:metaSumLen])
	if ne.Uint32(m[0:]) != boltMagic || ne.Uint32(m[4:]) != boltVersion || ne.Uint64(m[56:]) != h.Sum64() {
		return metaPage{}, false
	}
	return metaPage{pageSize: ne.Uint32(m[8:]), root: ne.Uint64(m[16:]), freelist: ne.Uint64(m[32:]), pgid: ne.Uint64(m[40:]), txid: ne.Uint64(m[48:])}, true
}

// meta returns the meta page bbolt would use: of the two, the valid one
// with the higher transaction id.
func (c *pageChecker) meta() (metaPage, bool) {
	m0, ok0 := c.readMeta(0)
	var m1 metaPage
	ok1 := false
	if ok0 {
		m1, ok1 = c.readMeta(int64(m0.pageSize))
	} else {
		for sz := int64(1024); sz <= 16<<20 && sz < c.size; sz <<= 1 {
			if m1, ok1 = c.readMeta(sz); ok1 && int64(m1.pageSize) == sz {
				break
			}
			ok1 = false
		}
	}
	switch {
	case ok0 && ok1 && m1.txid > m0.txid, !ok0 && ok1:
		return m1, true
	case ok0:
		return m0, true
	}
	return metaPage{}, false
}

// span is a page with its overflow pages: n bytes of the file from off,
// of which head, the page header and the element table, are read. Keys
// and values are read only where the checks need them (a bucket's
// header), so that a store of large values is checked without reading
// them. An inline bucket's page is a span whose head is all of it.
type span struct {
	c    *pageChecker
	off  int64
	n    int
	head []byte
}

// bytes returns the n bytes at pos of s, which the caller has checked lie
// within it.
func (s span) bytes(pos, n int) ([]byte, error) {
	if pos+n <= len(s.head) {
		return s.head[pos : pos+n], nil
	}
	b := make([]byte, n)
	if _, err := s.c.f.ReadAt(b, s.off+int64(pos)); err != nil {
		return nil, err
	}
	return b, nil
}

// page reads the head of page id, checking its header, and marks it and
// its overflow pages seen. head holds at least the element table, and at
// most the page and its overflow.
func (c *pageChecker) page(id uint64) (span, uint16, error) {
	if id < 2 || id >= c.hwm {
		return span{}, 0, fmt.Errorf("a page points at page %d, outside the file's %d pages", id, c.hwm)
	}
	if c.seen[id] {
		return span{}, 0, fmt.Errorf("page %d is reached twice (a loop, or two parents)", id)
	}
	off := int64(id) * c.pageSize
	var h [pageHeaderSize]byte
	if _, err := c.f.ReadAt(h[:], off); err != nil {
		return span{}, 0, fmt.Errorf("page %d cannot be read: %v", id, err)
	}
	if got := ne.Uint64(h[0:]); got != id {
		return span{}, 0, fmt.Errorf("page %d says it is page %d", id, got)
	}
	over := uint64(ne.Uint32(h[12:]))
	if id+over >= c.hwm {
		return span{}, 0, fmt.Errorf("page %d runs past the end of the file", id)
	}
	for k := id; k <= id+over; k++ {
		if c.seen[k] {
			return span{}, 0, fmt.Errorf("page %d overlaps page %d", id, k)
		}
		c.seen[k] = true
	}
	s := span{c: c, off: off, n: int(int64(over+1) * c.pageSize)}
	flags, count := ne.Uint16(h[8:]), int(ne.Uint16(h[10:]))
	headLen := pageHeaderSize + count*elementSize
	if flags == freelistPage {
		headLen = pageHeaderSize + 8*(count+1)
	}
	headLen = min(s.n, max(headLen, int(c.pageSize)))
	s.head = make([]byte, headLen)
	if _, err := c.f.ReadAt(s.head, off); err != nil {
		return span{}, 0, fmt.Errorf("page %d cannot be read: %v", id, err)
	}
	return s, flags, nil
}

// tree checks the bucket whose root page is id.
func (c *pageChecker) tree(id uint64, depth int) error {
	if depth > maxTreeDepth {
		return fmt.Errorf("its pages nest more than %d deep", maxTreeDepth)
	}
	s, flags, err := c.page(id)
	if err != nil {
		return err
	}
	return c.node(s, flags, id, depth)
}

// node checks the elements of a branch or leaf page (a page with its
// overflow, or an inline bucket's page).
func (c *pageChecker) node(s span, flags uint16, id uint64, depth int) error {
	count := int(ne.Uint16(s.head[10:]))
	if pageHeaderSize+count*elementSize > min(s.n, len(s.head)) {
		return fmt.Errorf("page %d lists %d elements, more than it holds", id, count)
	}
	buf := s.head
	// inside returns where the n bytes at pos from the element at el
	// start, when they lie within the span.
	inside := func(el, pos, n int) (int, bool) {
		start := el + pos
		if pos < 0 || n < 0 || start < el || start+n > s.n || start+n < start {
			return 0, false
		}
		return start, true
	}
	switch flags {
	case branchPage:
		if count == 0 {
			return fmt.Errorf("branch page %d is empty", id)
		}
		for i := range count {
			el := pageHeaderSize + i*elementSize
			pos, ksize := int(ne.Uint32(buf[el:])), int(ne.Uint32(buf[el+4:]))
			if _, ok := inside(el, pos, ksize); !ok {
				return fmt.Errorf("page %d: element %d points outside the page", id, i)
			}
			if err := c.tree(ne.Uint64(buf[el+8:]), depth+1); err != nil {
				return err
			}
		}
	case leafPage:
		for i := range count {
			el := pageHeaderSize + i*elementSize
			eflags, pos := ne.Uint32(buf[el:]), int(ne.Uint32(buf[el+4:]))
			ksize, vsize := int(ne.Uint32(buf[el+8:])), int(ne.Uint32(buf[el+12:]))
			start, ok := inside(el, pos, ksize+vsize)
			if !ok || ksize+vsize < ksize {
				return fmt.Errorf("page %d: element %d points outside the page", id, i)
			}
			if eflags&bucketLeafFlag == 0 {
				continue
			}
			if vsize < bucketHeaderLen {
				return fmt.Errorf("page %d: bucket %d has a short header", id, i)
			}
			v, err := s.bytes(start+ksize, vsize)
			if err != nil {
				return fmt.Errorf("page %d cannot be read: %v", id, err)
			}
			if root := ne.Uint64(v); root != 0 {
				if err := c.tree(root, depth+1); err != nil {
					return err
				}
				continue
			}
			// An inline bucket: its page is the rest of the value.
			inline := v[bucketHeaderLen:]
			if len(inline) < pageHeaderSize {
				return fmt.Errorf("page %d: inline bucket %d is too short", id, i)
			}
			if depth+1 > maxTreeDepth {
				return fmt.Errorf("its pages nest more than %d deep", maxTreeDepth)
			}
			if err := c.node(span{c: c, off: -1, n: len(inline), head: inline}, ne.Uint16(inline[8:]), id, depth+1); err != nil {
				return err
			}
		}
	default:
		return fmt.Errorf("page %d is neither a branch nor a leaf page (flags %#x)", id, flags)
	}
	return nil
}

// freelist checks the freelist page id: every free page exists and none is
// in use.
func (c *pageChecker) freelist(id uint64) error {
	s, flags, err := c.page(id)
	if err != nil {
		return err
	}
	if flags != freelistPage {
		return fmt.Errorf("the freelist page %d is not a freelist page (flags %#x)", id, flags)
	}
	first, count := pageHeaderSize, uint64(ne.Uint16(s.head[10:]))
	if count == 0xFFFF {
		if len(s.head) < pageHeaderSize+8 {
			return fmt.Errorf("the freelist page %d is too short", id)
		}
		count, first = ne.Uint64(s.head[pageHeaderSize:]), pageHeaderSize+8
	}
	if count > uint64(s.n-first)/8 {
		return fmt.Errorf("the freelist page %d lists %d pages, more than it holds", id, count)
	}
	ids, err := s.bytes(first, int(count)*8)
	if err != nil {
		return fmt.Errorf("the freelist page %d cannot be read: %v", id, err)
	}
	for i := range int(count) {
		free := ne.Uint64(ids[8*i:])
		if free < 2 || free >= c.hwm {
			return fmt.Errorf("the freelist names page %d, outside the file's %d pages", free, c.hwm)
		}
		if c.seen[free] {
			return fmt.Errorf("page %d is both in use and free", free)
		}
	}
	return nil
}
