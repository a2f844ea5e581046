package jsonld

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/diplomat-edu/diplomat/internal/jsonx"
)

// Imported describes one context Import stored.
type Imported struct {
	URL    string // the context URL
	File   string // the file it was read from, relative to the folder
	SHA256 string // lower-case hex digest of its bytes (one of the pinned ones)
	Size   int    // its length in bytes
}

// ErrImport is wrapped by Import errors about the folder itself (a missing
// or malformed index.json, an unreadable file, a path outside the folder).
var ErrImport = errors.New("importing contexts")

// Import reads the folder dir, whose index.json maps context URL → file name
// (relative to dir), checks every file against the pin table and, only if all
// of them pass, writes them to w. A file whose digest does not match returns
// a *ContextError wrapping ErrContextMismatch, a URL that is not pinned one
// wrapping ErrUnknownContext; nothing is written then.
//
// Writes happen one PutContext at a time: if w fails part way, the error
// names the URL, and the contexts written before it are already stored (each
// was pin-checked, so storing them again is harmless).
func Import(dir string, w CacheWriter) ([]Imported, error) {
	indexPath := filepath.Join(dir, "index.json")
	raw, err := os.ReadFile(indexPath)
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrImport, err)
	}
	var index map[string]string
	if err := jsonx.Decode(raw, &index, jsonx.Limits{MaxBytes: 1 << 20}); err != nil {
		return nil, fmt.Errorf("%w: %s: expected an object of context URL to file name: %w", ErrImport, indexPath, err)
	}
	if len(index) == 0 {
		return nil, fmt.Errorf("%w: %s lists no contexts", ErrImport, indexPath)
	}
	urls := make([]string, 0, len(index))
	for u := range index {
		urls = append(urls, u)
	}
	slices.Sort(urls)

	type item struct {
		Imported
		data []byte
	}
	items := make([]item, 0, len(urls))
	for _, u := range urls {
		name := index[u]
		if name == "" || filepath.IsAbs(name) || strings.HasPrefix(filepath.Clean(filepath.FromSlash(name)), "..") {
			return nil, fmt.Errorf("%w: %s: file %q for %s must be a path inside the folder", ErrImport, indexPath, name, u)
		}
		data, err := os.ReadFile(filepath.Join(dir, filepath.FromSlash(name)))
		if err != nil {
			return nil, fmt.Errorf("%w: %s: %w", ErrImport, u, err)
		}
		if err := check(u, name, data); err != nil {
			return nil, err
		}
		if err := jsonx.Check(data, jsonx.Limits{}); err != nil {
			return nil, fmt.Errorf("%w: %s (%s): %w", ErrImport, name, u, err)
		}
		items = append(items, item{Imported{URL: u, File: name, SHA256: Digest(data), Size: len(data)}, data})
	}
	out := make([]Imported, 0, len(items))
	for _, it := range items {
		if err := w.PutContext(it.URL, it.data); err != nil {
			return out, fmt.Errorf("%w: storing %s: %w", ErrImport, it.URL, err)
		}
		out = append(out, it.Imported)
	}
	return out, nil
}
