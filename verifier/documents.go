package verifier

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"

	"github.com/diplomat-edu/diplomat/internal/webpath"
)

// Documents is a StatusFetcher that answers from a folder instead of the
// network: the document at https://HOST/PATH is the file DIR/HOST/PATH, as
// diplomat demo --out and diplomat status publish --out write them (and as
// a static web server serves them): registrar.example.edu/.well-known/did.json
// for did:web:registrar.example.edu, registrar.example.edu/status/w3c/1/revocation
// for that status list. It lets a recognition officer verify offline with
// the issuer's published documents in hand. It never touches the network:
// a URL with no file is an error, and the verifier fails closed on it as
// on an unreachable server. It is safe for concurrent use.
type Documents struct {
	dir      string
	maxBytes int64
}

var _ StatusFetcher = (*Documents)(nil)

// NewDocuments returns a Documents reading dir with the size limit of l
// (l.MaxBytes; its other fields do not apply to files). The error is for
// a dir that is not a readable folder.
func NewDocuments(dir string, l FetchLimits) (*Documents, error) {
	fi, err := os.Stat(dir)
	if err != nil {
		return nil, fmt.Errorf("verifier: documents folder: %w", err)
	}
	if !fi.IsDir() {
		return nil, fmt.Errorf("verifier: documents folder %s is not a folder", dir)
	}
	return &Documents{dir: dir, maxBytes: l.maxBytes()}, nil
}

// Fetch returns the file for rawURL. The error wraps ErrFetch when the URL
// cannot name a file in the folder (a query, a fragment, "..", a folder),
// when there is no such regular file, or when it is over the size limit.
// Symbolic links are followed only within the folder.
func (d *Documents) Fetch(ctx context.Context, rawURL string) ([]byte, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	rel, err := webpath.Rel(rawURL)
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrFetch, err)
	}
	name := filepath.FromSlash(rel)
	where := filepath.Join(d.dir, name)
	root, err := os.OpenRoot(d.dir)
	if err != nil {
		return nil, fmt.Errorf("%w: %s: documents folder: %v", ErrFetch, rawURL, err)
	}
	defer root.Close()
	fi, err := root.Stat(name)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return nil, fmt.Errorf("%w: %s: not in the documents folder (no file %s; verifying offline, nothing is fetched)", ErrFetch, rawURL, where)
	case err != nil:
		return nil, fmt.Errorf("%w: %s: %s: %v", ErrFetch, rawURL, where, unwrapPathError(err))
	case !fi.Mode().IsRegular():
		return nil, fmt.Errorf("%w: %s: %s is not a regular file", ErrFetch, rawURL, where)
	case fi.Size() > d.maxBytes:
		return nil, fmt.Errorf("%w: %s: %s is %d bytes, over the limit of %d", ErrFetch, rawURL, where, fi.Size(), d.maxBytes)
	}
	f, err := root.Open(name)
	if err != nil {
		return nil, fmt.Errorf("%w: %s: %s: %v", ErrFetch, rawURL, where, unwrapPathError(err))
	}
	defer f.Close()
	body, err := io.ReadAll(io.LimitReader(f, d.maxBytes+1))
	if err != nil {
		return nil, fmt.Errorf("%w: %s: %s: %v", ErrFetch, rawURL, where, err)
	}
	if int64(len(body)) > d.maxBytes {
		return nil, fmt.Errorf("%w: %s: %s is over the limit of %d bytes", ErrFetch, rawURL, where, d.maxBytes)
	}
	return body, nil
}

func unwrapPathError(err error) error {
	var pe *fs.PathError
	if errors.As(err, &pe) {
		return pe.Err
	}
	return err
}
