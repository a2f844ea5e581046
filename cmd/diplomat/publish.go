package main

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/diplomat-edu/diplomat/credentials/did"
	"github.com/diplomat-edu/diplomat/internal/webpath"
	"github.com/diplomat-edu/diplomat/issuer"
	"github.com/diplomat-edu/diplomat/keys"
)

// writeWebLayout writes what an issuer publishes on the web under out, laid
// out as HOST/PATH for the URL each is served at (internal/webpath): the
// signed status lists of pubs, and the did:web document of the issuer
// (the configured institution's did:web, else the store's) when there is
// one. A static web server serves out as it is (one virtual host per HOST
// folder), and 'diplomat verify --documents out' reads it offline. It
// returns the paths written, relative to out.
func writeWebLayout(s *keys.Store, out string, pubs []issuer.Published) ([]string, error) {
	var written []string
	put := func(url string, data []byte) error {
		rel, err := webpath.Rel(url)
		if err != nil {
			return err
		}
		path := filepath.Join(out, filepath.FromSlash(rel))
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			return err
		}
		if err := os.WriteFile(path, data, 0o644); err != nil {
			return err
		}
		written = append(written, rel)
		return nil
	}
	for _, p := range pubs {
		if err := put(p.List.URL, p.Credential); err != nil {
			return written, fmt.Errorf("writing the status list %s: %w", p.List.URL, err)
		}
	}
	webDID, err := s.WebDID()
	if err != nil {
		return written, err
	}
	if cfg, err := issuer.LoadConfig(s); err == nil && strings.HasPrefix(cfg.Institution.DID, "did:web:") {
		webDID = cfg.Institution.DID
	}
	if webDID == "" {
		return written, nil
	}
	doc, err := s.WebDocument(webDID)
	if err != nil {
		return written, err
	}
	data, err := json.MarshalIndent(doc, "", "  ")
	if err != nil {
		return written, err
	}
	url, err := did.WebURL(webDID)
	if err != nil {
		return written, err
	}
	if err := put(url, append(data, '\n')); err != nil {
		return written, fmt.Errorf("writing the DID document of %s: %w", webDID, err)
	}
	return written, nil
}

// hosts lists the HOST folders of paths written by writeWebLayout.
func hosts(paths []string) []string {
	var out []string
	for _, p := range paths {
		h, _, _ := strings.Cut(p, "/")
		if !slices.Contains(out, h) {
			out = append(out, h)
		}
	}
	return out
}
