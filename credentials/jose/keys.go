package jose

import (
	"context"
	"crypto"
	"crypto/x509"
	"encoding/base64"
	"errors"
	"fmt"
	"net/url"
	"strings"

	"github.com/diplomat-edu/diplomat/credentials"
	"github.com/diplomat-edu/diplomat/internal/certname"
)

// maxChain bounds the number of certificates read from an x5c header.
const maxChain = 10

// signerKey is the key a token was verified with and how it was found.
type signerKey struct {
	id    string // the verification method id resolved, or "x5c"
	owner string // the DID or URL that controls the key
	key   crypto.PublicKey
	chain []*x509.Certificate
}

// hasScheme reports whether ref is an absolute URI (did:…, https:…), as
// opposed to a bare key id or a fragment.
func hasScheme(ref string) bool {
	i := strings.IndexAny(ref, ":#/")
	return i > 0 && ref[i] == ':'
}

// withoutFragment returns the DID or URL part of a DID URL or URL.
func withoutFragment(ref string) string {
	if i := strings.IndexByte(ref, '#'); i >= 0 {
		return ref[:i]
	}
	return ref
}

// resolveKey finds the key a token names and checks that it belongs to
// owner, the issuer (or holder) the payload names:
//
//   - x5c: the leaf certificate's key; owner must be named by the leaf (a
//     URI subject alternative name, or the host of an https owner as a DNS
//     name). The chain is returned for the caller to judge trust.
//   - kid with a scheme (a DID URL): resolved with r; its DID and the
//     controller r reports must both be owner.
//   - kid without a scheme ("key-1", "#key-1"): a key of owner, resolved as
//     owner#key-1.
//   - neither: owner itself is resolved (a DID's only or first key).
//
// A key that cannot be found wraps credentials.ErrUnknownKey; a key that
// belongs to someone other than owner wraps credentials.ErrInvalidProof.
func resolveKey(ctx context.Context, r credentials.KeyResolver, h *Header, owner string) (*signerKey, error) {
	if len(h.X5c) > 0 {
		return keyFromChain(h.X5c, owner)
	}
	if owner == "" {
		return nil, fmt.Errorf("%w: the payload names no issuer or holder, so the signing key cannot be bound to one", credentials.ErrUnknownKey)
	}
	id := h.Kid
	switch {
	case id == "":
		id = owner
	case !hasScheme(id):
		id = withoutFragment(owner) + "#" + strings.TrimPrefix(id, "#")
	}
	if withoutFragment(id) != owner && id != owner {
		return nil, fmt.Errorf("%w: kid %q is not a key of %q", credentials.ErrInvalidProof, id, owner)
	}
	if r == nil {
		return nil, fmt.Errorf("%w: no key resolver to look up %q", credentials.ErrUnknownKey, id)
	}
	vm, err := r.ResolveKey(ctx, id)
	if err != nil {
		if errors.Is(err, credentials.ErrUnknownKey) {
			return nil, fmt.Errorf("kid %q: %w", id, err)
		}
		return nil, fmt.Errorf("%w: kid %q: %w", credentials.ErrUnknownKey, id, err)
	}
	if vm == nil || vm.Key == nil {
		return nil, fmt.Errorf("%w: kid %q resolved to no key", credentials.ErrUnknownKey, id)
	}
	controller := vm.Controller
	if controller == "" {
		controller = withoutFragment(id)
	}
	if controller != owner {
		return nil, fmt.Errorf("%w: kid %q is a key of %q, not of %q", credentials.ErrInvalidProof, id, controller, owner)
	}
	kid := vm.ID
	if kid == "" {
		kid = id
	}
	return &signerKey{id: kid, owner: controller, key: vm.Key}, nil
}

// keyFromChain parses an x5c header and checks that its leaf names owner.
func keyFromChain(x5c []string, owner string) (*signerKey, error) {
	if len(x5c) > maxChain {
		return nil, fmt.Errorf("%w: header x5c has %d certificates, more than %d", credentials.ErrMalformed, len(x5c), maxChain)
	}
	chain := make([]*x509.Certificate, 0, len(x5c))
	for i, s := range x5c {
		der, err := base64.StdEncoding.DecodeString(s)
		if err != nil {
			return nil, fmt.Errorf("%w: header x5c[%d] is not base64: %v", credentials.ErrMalformed, i, err)
		}
		c, err := x509.ParseCertificate(der)
		if err != nil {
			return nil, fmt.Errorf("%w: header x5c[%d]: %v", credentials.ErrMalformed, i, err)
		}
		chain = append(chain, c)
	}
	leaf := chain[0]
	if owner == "" {
		return nil, fmt.Errorf("%w: the payload names no issuer, so the x5c leaf %q cannot be bound to one", credentials.ErrUnknownKey, certname.String(leaf.Subject))
	}
	if !certNames(leaf, owner) {
		return nil, fmt.Errorf("%w: x5c leaf certificate %q does not name %q (as a URI or DNS subject alternative name)", credentials.ErrInvalidProof, certname.String(leaf.Subject), owner)
	}
	return &signerKey{id: "x5c", owner: owner, key: leaf.PublicKey, chain: chain}, nil
}

// certNames reports whether the certificate names owner: owner is one of its
// URI subject alternative names, or owner is an https URL whose host is one
// of its DNS names.
func certNames(c *x509.Certificate, owner string) bool {
	for _, u := range c.URIs {
		if u.String() == owner {
			return true
		}
	}
	u, err := url.Parse(owner)
	if err != nil || u.Scheme != "https" || u.Host == "" {
		return false
	}
	for _, d := range c.DNSNames {
		if strings.EqualFold(d, u.Hostname()) {
			return true
		}
	}
	return false
}

// checkSigningKeyID refuses to sign for owner with a key whose id names
// another DID or URL: the result could never verify. The error wraps
// credentials.ErrUnsupportedKey.
func checkSigningKeyID(id, owner string) error {
	if id == "" || !hasScheme(id) || owner == "" {
		return nil
	}
	if withoutFragment(id) != owner {
		return fmt.Errorf("%w: key %q is not a key of %q", credentials.ErrUnsupportedKey, id, owner)
	}
	return nil
}
