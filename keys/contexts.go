package keys

import (
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"fmt"
	"io/fs"
	"net/url"
	"time"
)

// ContextInfo describes one cached JSON-LD context.
type ContextInfo struct {
	URL string `json:"url"`
	// SHA256 is the hex SHA-256 of the cached bytes, to compare with the
	// pinned digest table.
	SHA256   string    `json:"sha256"`
	Size     int       `json:"size"`
	Imported time.Time `json:"imported"`
}

// maxContext is the largest context document cached.
const maxContext = 4 << 20

// PutContext caches data as the JSON-LD context document at url (an
// absolute http or https URL), replacing any previous copy. The store does
// not check data against a pinned digest: that is the JSON-LD loader's job,
// at import and at use. It needs no passphrase.
func (s *Store) PutContext(rawURL string, data []byte) error {
	u, err := url.Parse(rawURL)
	if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
		return fmt.Errorf("keys: context URL %q is not an absolute http(s) URL: %w", rawURL, ErrInvalid)
	}
	if len(data) == 0 || len(data) > maxContext {
		return fmt.Errorf("keys: context %s of %d bytes (1 byte to %d MiB allowed): %w", rawURL, len(data), maxContext>>20, ErrInvalid)
	}
	now := s.now().UTC()
	v := binary.BigEndian.AppendUint64(nil, uint64(now.UnixNano()))
	v = append(v, data...)
	sum := sha256.Sum256(data)
	return s.update(func(tx Tx) error {
		if err := tx.Put(TableContexts, []byte(rawURL), v); err != nil {
			return err
		}
		return appendAudit(tx, now, "contexts.put", rawURL, "", "sha256 "+hex.EncodeToString(sum[:]))
	})
}

// LookupContext returns a copy of the cached context document at url, owned
// by the caller. When none is cached the error wraps fs.ErrNotExist (and
// ErrNotFound).
func (s *Store) LookupContext(rawURL string) ([]byte, error) {
	var data []byte
	err := s.view(func(tx Tx) error {
		v, err := tx.Get(TableContexts, []byte(rawURL))
		if err != nil {
			return err
		}
		if v == nil {
			return fmt.Errorf("keys: context %s is not cached: %w: %w", rawURL, fs.ErrNotExist, ErrNotFound)
		}
		if len(v) < 8 {
			return fmt.Errorf("keys: cached context %s: %w", rawURL, ErrCorrupt)
		}
		data = cloneBytes(v[8:])
		return nil
	})
	return data, err
}

// ListContexts returns every cached context, sorted by URL.
func (s *Store) ListContexts() ([]ContextInfo, error) {
	out := []ContextInfo{}
	err := s.view(func(tx Tx) error {
		return tx.ForEach(TableContexts, nil, func(k, v []byte) error {
			if len(v) < 8 {
				return damagedRecord("cached context")
			}
			sum := sha256.Sum256(v[8:])
			out = append(out, ContextInfo{
				URL:      string(k),
				SHA256:   hex.EncodeToString(sum[:]),
				Size:     len(v) - 8,
				Imported: time.Unix(0, int64(binary.BigEndian.Uint64(v[:8]))).UTC(),
			})
			return nil
		})
	})
	return out, err
}
