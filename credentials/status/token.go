package status

import (
	"bytes"
	"compress/zlib"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"strconv"
	"strings"
	"time"

	"github.com/diplomat-edu/diplomat/credentials"
	"github.com/diplomat-edu/diplomat/internal/jsonx"
)

// This file is the IETF Token Status List (draft-ietf-oauth-status-list,
// "TSL"), the status mechanism of SD-JWT VC that EUDI wallets and HAIP
// verifiers read: the status list (§4), the claims of the Status List Token
// in JWT form (§5.1) and the status claim of a referenced token (§6).
// Signing and verifying the token's JWS is sdjwt.StatusListJWT's.

// TypStatusListJWT is the typ of a Status List Token in JWT form, and
// MediaTypeStatusListJWT the media type it is served with.
const (
	TypStatusListJWT       = "statuslist+jwt"
	MediaTypeStatusListJWT = "application/statuslist+jwt"
)

// The status values of §7.1. Values 0x03 and 0x0C to 0x0F are left to
// applications; others are reserved.
const (
	TokenValid     byte = 0x00
	TokenInvalid   byte = 0x01 // revoked: final
	TokenSuspended byte = 0x02
)

// ErrUnsupported is wrapped by ParseStatusClaim errors for a status claim
// that names no mechanism this package reads (no status_list member).
var ErrUnsupported = errors.New("unsupported status mechanism")

// TokenList is a Token Status List (§4.1): one status of Bits bits (1, 2, 4
// or 8) per referenced token, packed in bytes, the status of index 0 in the
// least significant bits of byte 0. Decoding is safe on untrusted input: the
// decompressed size is bounded by MaxBytes.
type TokenList struct {
	bits int
	b    []byte
}

func checkBits(bits int) error {
	switch bits {
	case 1, 2, 4, 8:
		return nil
	}
	return fmt.Errorf("status: bits %d: %w (1, 2, 4 or 8)", bits, ErrRange)
}

// NewTokenList returns a list of at least size statuses of bits bits each,
// all 0 (valid), rounded up to a whole byte.
func NewTokenList(size, bits int) (*TokenList, error) {
	if err := checkBits(bits); err != nil {
		return nil, err
	}
	if size < 0 || size > MaxBytes*8/bits {
		return nil, fmt.Errorf("status: list size %d: %w (0 to %d)", size, ErrRange, MaxBytes*8/bits)
	}
	return &TokenList{bits: bits, b: make([]byte, (size*bits+7)/8)}, nil
}

// Bits returns the number of bits of each status.
func (l *TokenList) Bits() int { return l.bits }

// Len returns the number of statuses the list holds.
func (l *TokenList) Len() int { return len(l.b) * 8 / l.bits }

// Status returns the status of index i.
func (l *TokenList) Status(i int) (byte, error) {
	if i < 0 || i >= l.Len() {
		return 0, fmt.Errorf("status: index %d: %w (list of %d statuses)", i, ErrRange, l.Len())
	}
	bit := i * l.bits
	mask := byte(1<<l.bits - 1)
	return l.b[bit/8] >> (bit % 8) & mask, nil
}

// SetStatus sets the status of index i to v, which must fit in Bits bits.
func (l *TokenList) SetStatus(i int, v byte) error {
	if i < 0 || i >= l.Len() {
		return fmt.Errorf("status: index %d: %w (list of %d statuses)", i, ErrRange, l.Len())
	}
	mask := byte(1<<l.bits - 1)
	if v&^mask != 0 {
		return fmt.Errorf("status: value %d does not fit in %d bits: %w", v, l.bits, ErrRange)
	}
	bit := i * l.bits
	l.b[bit/8] = l.b[bit/8]&^(mask<<(bit%8)) | v<<(bit%8)
	return nil
}

// Encode returns the lst member: the base64url, without padding, of the
// ZLIB (RFC 1950) DEFLATE stream of the list, at the best compression.
func (l *TokenList) Encode() (string, error) {
	var buf bytes.Buffer
	w, err := zlib.NewWriterLevel(&buf, zlib.BestCompression)
	if err != nil {
		return "", err
	}
	if _, err := w.Write(l.b); err != nil {
		return "", err
	}
	if err := w.Close(); err != nil {
		return "", err
	}
	return base64.RawURLEncoding.EncodeToString(buf.Bytes()), nil
}

// DecodeTokenList reads the lst and bits members of a status_list. Errors
// wrap credentials.ErrMalformed (or ErrRange for bits); a stream that
// decompresses to more than MaxBytes is refused without being read further.
func DecodeTokenList(lst string, bits int) (*TokenList, error) {
	if err := checkBits(bits); err != nil {
		return nil, fmt.Errorf("%w: %w", credentials.ErrMalformed, err)
	}
	z, err := base64.RawURLEncoding.Strict().DecodeString(lst)
	if err != nil {
		return nil, fmt.Errorf("status: lst %w: not base64url without padding: %v", credentials.ErrMalformed, err)
	}
	r, err := zlib.NewReader(bytes.NewReader(z))
	if err != nil {
		return nil, fmt.Errorf("status: lst %w: not a ZLIB stream: %v", credentials.ErrMalformed, err)
	}
	b, err := io.ReadAll(io.LimitReader(r, MaxBytes+1))
	if err != nil {
		return nil, fmt.Errorf("status: lst %w: ZLIB stream: %v", credentials.ErrMalformed, err)
	}
	if len(b) > MaxBytes {
		return nil, fmt.Errorf("status: lst %w: decompresses to more than %d bytes", credentials.ErrMalformed, MaxBytes)
	}
	if len(b) == 0 {
		return nil, fmt.Errorf("status: lst %w: the list is empty", credentials.ErrMalformed)
	}
	return &TokenList{bits: bits, b: b}, nil
}

// ListToken is the claims set of a Status List Token (§5.1).
type ListToken struct {
	// Subject (sub) is the URI of the token, which must be the uri of the
	// referenced token's status_list.
	Subject string
	// Issuer (iss) is optional in the token; "" when absent.
	Issuer string
	// IssuedAt (iat) is required.
	IssuedAt time.Time
	// Expires (exp) is when the token is no longer valid; zero when
	// absent.
	Expires time.Time
	// TTL (ttl) is how long the token may be cached; zero when absent.
	TTL time.Duration
	// List is the status list (status_list bits and lst).
	List *TokenList
	// AggregationURI (status_list.aggregation_uri) is optional.
	AggregationURI string
}

// maxClaimsBytes bounds the claims set ParseListToken reads: a list of
// MaxBytes compressed can be at most about that, in base64url.
const maxClaimsBytes = MaxBytes*4/3 + 64<<10

// ParseListToken reads the claims set of a Status List Token, the payload
// of a statuslist+jwt its caller has verified. Member names are matched
// exactly; sub, iat and status_list (bits and lst) are required, exp and
// ttl optional. Errors wrap credentials.ErrMalformed and say which claim.
func ParseListToken(claims []byte) (*ListToken, error) {
	m, err := object(claims, "the status list token's claims", maxClaimsBytes)
	if err != nil {
		return nil, err
	}
	t := &ListToken{}
	if t.Subject, err = stringMember(m, "sub", true); err != nil {
		return nil, err
	}
	if t.Issuer, err = stringMember(m, "iss", false); err != nil {
		return nil, err
	}
	if t.IssuedAt, err = dateMember(m, "iat", true); err != nil {
		return nil, err
	}
	if t.Expires, err = dateMember(m, "exp", false); err != nil {
		return nil, err
	}
	if raw, ok := m["ttl"]; ok {
		n, err := number(raw)
		if err != nil || n <= 0 || n > math.MaxInt32 {
			return nil, malformed("claim ttl must be a positive number of seconds")
		}
		t.TTL = time.Duration(n * float64(time.Second))
	}
	raw, ok := m["status_list"]
	if !ok {
		return nil, malformed("claim status_list is missing")
	}
	sl, err := object(raw, "claim status_list", maxClaimsBytes)
	if err != nil {
		return nil, err
	}
	bits, err := intMember(sl, "status_list.bits", 1, 8)
	if err != nil {
		return nil, err
	}
	lst, err := stringMember(sl, "lst", true)
	if err != nil {
		return nil, fmt.Errorf("status_list: %w", err)
	}
	if t.AggregationURI, err = stringMember(sl, "aggregation_uri", false); err != nil {
		return nil, fmt.Errorf("status_list: %w", err)
	}
	if t.List, err = DecodeTokenList(lst, bits); err != nil {
		return nil, err
	}
	return t, nil
}

// Claims returns the claims set of t, to be signed as a statuslist+jwt.
func (t *ListToken) Claims() ([]byte, error) {
	if t.Subject == "" || t.IssuedAt.IsZero() || t.List == nil {
		return nil, fmt.Errorf("status: a status list token needs sub, iat and a list: %w", credentials.ErrMalformed)
	}
	lst, err := t.List.Encode()
	if err != nil {
		return nil, err
	}
	sl := map[string]any{"bits": t.List.bits, "lst": lst}
	if t.AggregationURI != "" {
		sl["aggregation_uri"] = t.AggregationURI
	}
	m := map[string]any{"sub": t.Subject, "iat": t.IssuedAt.Unix(), "status_list": sl}
	if t.Issuer != "" {
		m["iss"] = t.Issuer
	}
	if !t.Expires.IsZero() {
		m["exp"] = t.Expires.Unix()
	}
	if t.TTL > 0 {
		m["ttl"] = int64(t.TTL / time.Second)
	}
	return json.Marshal(m)
}

// Reference is the status_list member of a referenced token's status claim
// (§6.1): the index of the token in the list at URI.
type Reference struct {
	Index int
	URI   string
}

// ParseStatusClaim reads the status claim of a referenced token (an SD-JWT
// VC's "status"): an object whose status_list member holds idx (a
// non-negative integer) and uri (a string). A status claim that holds no
// status_list (only mechanisms this package does not read) is an error
// wrapping ErrUnsupported and naming them; any other defect an error
// wrapping credentials.ErrMalformed.
func ParseStatusClaim(claim []byte) (*Reference, error) {
	m, err := object(claim, "claim status", 64<<10)
	if err != nil {
		return nil, err
	}
	raw, ok := m["status_list"]
	if !ok {
		var names []string
		for k := range m {
			names = append(names, strconv.Quote(k))
		}
		if len(names) == 0 {
			return nil, malformed("claim status names no status mechanism")
		}
		return nil, fmt.Errorf("status: claim status names no status_list, only %v: %w", names, ErrUnsupported)
	}
	sl, err := object(raw, "status.status_list", 64<<10)
	if err != nil {
		return nil, err
	}
	idx, err := intMember(sl, "status.status_list.idx", 0, MaxBytes*8)
	if err != nil {
		return nil, err
	}
	uri, err := stringMember(sl, "uri", true)
	if err != nil {
		return nil, fmt.Errorf("status.status_list: %w", err)
	}
	return &Reference{Index: idx, URI: uri}, nil
}

func malformed(format string, args ...any) error {
	return fmt.Errorf("status: "+format+": %w", append(args, credentials.ErrMalformed)...)
}

// object decodes a JSON object within limits, its members by exact name.
func object(data []byte, what string, maxBytes int) (map[string]json.RawMessage, error) {
	if err := jsonx.Check(data, jsonx.Limits{MaxBytes: maxBytes, MaxDepth: 8}); err != nil {
		return nil, malformed("%s: %v", what, err)
	}
	var m map[string]json.RawMessage
	if err := json.Unmarshal(data, &m); err != nil || m == nil {
		return nil, malformed("%s is not a JSON object", what)
	}
	return m, nil
}

func stringMember(m map[string]json.RawMessage, name string, required bool) (string, error) {
	raw, ok := m[name]
	if !ok {
		if required {
			return "", malformed("claim %s is missing", name)
		}
		return "", nil
	}
	var s string
	if json.Unmarshal(raw, &s) != nil || s == "" {
		return "", malformed("claim %s must be a non-empty string", name)
	}
	return s, nil
}

func number(raw json.RawMessage) (float64, error) {
	var n json.Number
	if err := json.Unmarshal(raw, &n); err != nil {
		return 0, err
	}
	if len(raw) > 0 && raw[0] == '"' {
		return 0, errors.New("a string, not a number")
	}
	return n.Float64()
}

// intMember reads the integer member of m named by the last part of path,
// from lo to hi.
func intMember(m map[string]json.RawMessage, path string, lo, hi int) (int, error) {
	name := path[strings.LastIndexByte(path, '.')+1:]
	raw, ok := m[name]
	if !ok {
		return 0, malformed("%s is missing", path)
	}
	n, err := number(raw)
	if err != nil || n != math.Trunc(n) || n < float64(lo) || n > float64(hi) {
		return 0, malformed("%s must be an integer from %d to %d", path, lo, hi)
	}
	return int(n), nil
}

// dateMember reads a NumericDate (seconds since the epoch).
func dateMember(m map[string]json.RawMessage, name string, required bool) (time.Time, error) {
	raw, ok := m[name]
	if !ok {
		if required {
			return time.Time{}, malformed("claim %s is missing", name)
		}
		return time.Time{}, nil
	}
	n, err := number(raw)
	if err != nil || n < 0 || n > 1e11 {
		return time.Time{}, malformed("claim %s must be a NumericDate (seconds since 1970)", name)
	}
	sec, frac := math.Modf(n)
	return time.Unix(int64(sec), int64(frac*1e9)).UTC(), nil
}
