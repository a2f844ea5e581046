package status

import (
	"bytes"
	"compress/gzip"
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/diplomat-edu/diplomat/credentials"
)

// MinBits is the smallest status list the specifications allow: 16 KiB of
// statuses (131,072 bits), so that one credential hides among many.
const MinBits = 131072

// MaxBytes is the largest decompressed bitstring Decode accepts: 16 MiB
// (134 million statuses). A GZIP stream that expands beyond it is refused
// without being read further.
const MaxBytes = 16 << 20

// ErrRange is wrapped by errors for an index outside the list, or a status
// size that does not fit.
var ErrRange = errors.New("status index out of range")

// ErrTooShort is wrapped by Decode errors for a list shorter than MinBits.
var ErrTooShort = errors.New("status list shorter than the minimum")

// Bitstring is a status list: a sequence of bits, bit 0 the most significant
// bit of byte 0. The zero value is an empty list; use New. A Bitstring is not
// safe for concurrent modification; concurrent Get calls are safe.
type Bitstring struct {
	b []byte
}

// New returns a list of at least size statuses, all clear: size is raised to
// MinBits and rounded up to a whole byte. A negative size is an error
// wrapping ErrRange.
func New(size int) (*Bitstring, error) {
	if size < 0 || size > MaxBytes*8 {
		return nil, fmt.Errorf("status: list size %d: %w (0 to %d)", size, ErrRange, MaxBytes*8)
	}
	size = max(size, MinBits)
	return &Bitstring{b: make([]byte, (size+7)/8)}, nil
}

// FromBytes returns the list whose bits are b (bit 0 the most significant
// bit of b[0]), a copy: what Bytes returns, read back. A list shorter than
// MinBits or longer than MaxBytes is an error wrapping ErrRange.
func FromBytes(b []byte) (*Bitstring, error) {
	if len(b)*8 < MinBits || len(b) > MaxBytes {
		return nil, fmt.Errorf("status: list of %d bytes: %w (%d to %d)", len(b), ErrRange, MinBits/8, MaxBytes)
	}
	return &Bitstring{b: bytes.Clone(b)}, nil
}

// Len returns the number of bits in the list.
func (s *Bitstring) Len() int { return len(s.b) * 8 }

// Bytes returns the bitstring; the caller must not modify it.
func (s *Bitstring) Bytes() []byte { return s.b }

func (s *Bitstring) check(i int) error {
	if i < 0 || i >= s.Len() {
		return fmt.Errorf("status: index %d: %w (list of %d bits)", i, ErrRange, s.Len())
	}
	return nil
}

// Get returns bit i.
func (s *Bitstring) Get(i int) (bool, error) {
	if err := s.check(i); err != nil {
		return false, err
	}
	return s.b[i>>3]>>(7-uint(i&7))&1 == 1, nil
}

// Set sets bit i to v.
func (s *Bitstring) Set(i int, v bool) error {
	if err := s.check(i); err != nil {
		return err
	}
	mask := byte(1) << (7 - uint(i&7))
	if v {
		s.b[i>>3] |= mask
	} else {
		s.b[i>>3] &^= mask
	}
	return nil
}

// Status reads the status of entry index when each entry takes size bits
// (the statusSize of a Bitstring Status List entry, 1 to 8): the bits from
// index*size on, most significant first, as a number.
func (s *Bitstring) Status(index, size int) (uint, error) {
	if size < 1 || size > 8 {
		return 0, fmt.Errorf("status: statusSize %d: %w (1 to 8)", size, ErrRange)
	}
	if index < 0 || index > (s.Len()/size)-1 {
		return 0, fmt.Errorf("status: index %d with statusSize %d: %w (list of %d bits)", index, size, ErrRange, s.Len())
	}
	var v uint
	for k := range size {
		bit, _ := s.Get(index*size + k)
		v <<= 1
		if bit {
			v |= 1
		}
	}
	return v, nil
}

// Encode returns the Bitstring Status List encodedList: "u" (multibase
// base64url) followed by the base64url, without padding, of the GZIP of the
// bitstring.
func (s *Bitstring) Encode() (string, error) {
	z, err := s.gzip()
	if err != nil {
		return "", err
	}
	return "u" + base64.RawURLEncoding.EncodeToString(z), nil
}

// EncodeStatusList2021 returns the StatusList2021 encodedList: the
// base64url, without padding and without a multibase prefix, of the GZIP of
// the bitstring, as the StatusList2021 draft and EBSI write it.
func (s *Bitstring) EncodeStatusList2021() (string, error) {
	z, err := s.gzip()
	if err != nil {
		return "", err
	}
	return base64.RawURLEncoding.EncodeToString(z), nil
}

func (s *Bitstring) gzip() ([]byte, error) {
	var buf bytes.Buffer
	w, err := gzip.NewWriterLevel(&buf, gzip.BestCompression)
	if err != nil {
		return nil, err
	}
	if _, err := w.Write(s.b); err != nil {
		return nil, err
	}
	if err := w.Close(); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

// Decode reads a Bitstring Status List encodedList: it must start with the
// multibase prefix "u" (base64url, no padding). Errors wrap
// credentials.ErrMalformed, and ErrTooShort for a list under MinBits; a list
// that decompresses to more than MaxBytes is refused.
func Decode(s string) (*Bitstring, error) {
	rest, ok := strings.CutPrefix(s, "u")
	if !ok {
		return nil, fmt.Errorf("status: encodedList %w: it must start with the multibase prefix \"u\" (base64url)", credentials.ErrMalformed)
	}
	z, err := base64.RawURLEncoding.Strict().DecodeString(rest)
	if err != nil {
		return nil, fmt.Errorf("status: encodedList %w: not base64url without padding: %v", credentials.ErrMalformed, err)
	}
	return gunzip(z, MaxBytes)
}

// DecodeStatusList2021 reads a StatusList2021 encodedList. The draft said
// "base64" and implementations differ, so this accepts base64url and standard
// base64, with or without padding, and a multibase "u" prefix (base64url
// then). Errors are as Decode's.
func DecodeStatusList2021(s string) (*Bitstring, error) {
	enc := base64.RawURLEncoding
	if rest, ok := strings.CutPrefix(s, "u"); ok {
		s = rest
	} else if strings.ContainsAny(s, "+/") {
		enc = base64.RawStdEncoding
	}
	z, err := enc.DecodeString(strings.TrimRight(s, "="))
	if err != nil {
		return nil, fmt.Errorf("status: encodedList %w: not base64: %v", credentials.ErrMalformed, err)
	}
	return gunzip(z, MaxBytes)
}

func gunzip(z []byte, limit int) (*Bitstring, error) {
	r, err := gzip.NewReader(bytes.NewReader(z))
	if err != nil {
		return nil, fmt.Errorf("status: encodedList %w: not GZIP: %v", credentials.ErrMalformed, err)
	}
	r.Multistream(false)
	b, err := io.ReadAll(io.LimitReader(r, int64(limit)+1))
	if err != nil {
		return nil, fmt.Errorf("status: encodedList %w: GZIP stream: %v", credentials.ErrMalformed, err)
	}
	if len(b) > limit {
		return nil, fmt.Errorf("status: encodedList %w: decompresses to more than %d bytes", credentials.ErrMalformed, limit)
	}
	if len(b)*8 < MinBits {
		return nil, fmt.Errorf("status: encodedList %w: %w: %d bits, the minimum is %d", credentials.ErrMalformed, ErrTooShort, len(b)*8, MinBits)
	}
	return &Bitstring{b: b}, nil
}
