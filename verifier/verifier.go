package verifier

import (
	"context"
	"fmt"
	"hash/maphash"
	"slices"
	"sort"
	"strings"
	"time"

	"golang.org/x/sync/singleflight"

	"github.com/diplomat-edu/diplomat/credentials"
	"github.com/diplomat-edu/diplomat/credentials/dataintegrity"
	"github.com/diplomat-edu/diplomat/credentials/did"
	"github.com/diplomat-edu/diplomat/credentials/jades"
	"github.com/diplomat-edu/diplomat/credentials/jose"
	"github.com/diplomat-edu/diplomat/credentials/jsonld"
	"github.com/diplomat-edu/diplomat/credentials/rdfc"
	"github.com/diplomat-edu/diplomat/credentials/sdjwt"
)

// KeyResolver finds public keys by verification method; it is the
// credentials.KeyResolver contract.
type KeyResolver = credentials.KeyResolver

// Options configure a Verifier. The zero value verifies offline: did:key and
// did:jwk keys only, no status list fetched (a credential with a status
// therefore fails closed), no trust source (every issuer is untrusted), the
// default Policy, the JSON-LD contexts built into the binary.
type Options struct {
	// Policy is what the verifier requires; the zero value is the default.
	Policy Policy
	// Trust are asked, in order, whether the issuer is trusted; the first
	// that vouches wins. Nil: no issuer is trusted.
	Trust []TrustSource
	// Fetcher fetches status lists and did:web documents. Nil: nothing is
	// fetched. NewHTTPFetcher(Policy.Fetch, nil) gives the HTTPS fetcher
	// with the network rules of docs/verifier.md.
	Fetcher StatusFetcher
	// Resolver resolves verification methods. Nil: did:key and did:jwk
	// offline and did:web through Fetcher, with documents cached per
	// Policy.Cache.
	Resolver KeyResolver
	// Resolvers are asked in turn, after the default resolver, for the
	// verification methods it cannot resolve (for example did:ebsi keys
	// held in TIR snapshots or asked of the live registry). They are used
	// only when Resolver is nil, so that did:web documents still go
	// through the verifier's cache. Nil: none.
	Resolvers []KeyResolver
	// Contexts loads JSON-LD contexts for Data Integrity proofs. Nil: the
	// contexts built into the binary only (enough for VC 1.1 documents).
	Contexts *jsonld.Loader
	// Nonces remembers the challenges of accepted presentations, so that
	// a replayed presentation is refused. Nil: replay is not checked (the
	// replay check is reported as skipped).
	Nonces NonceStore
	// Mechanisms are securing mechanisms to use in addition to, or instead
	// of (same Name), the built-in ones.
	Mechanisms []credentials.Mechanism
	// Request is what Verify expects of a presentation.
	Request Request
}

// Request is what a verifier asked the holder for: a presentation bound to
// this challenge and domain. The zero value expects a credential, or a
// presentation with no particular challenge.
type Request struct {
	// Challenge is the nonce the presentation must carry (proof challenge,
	// JWT nonce, KB-JWT nonce). Empty: none expected.
	Challenge string
	// Domain is the audience the presentation must name (proof domain,
	// aud). Empty: none expected.
	Domain string
}

// Verifier verifies credentials and presentations with one configuration,
// keeping its caches (did:web documents, status lists) between calls. It is
// safe for concurrent use.
type Verifier struct {
	policy     Policy
	trust      []TrustSource
	fetcher    StatusFetcher
	resolver   KeyResolver
	nonces     NonceStore
	mechanisms map[string]credentials.Mechanism
	docs       *cache[[]byte]
	lists      *cache[*statusList]
	analyses   *cache[*analysis]
	seed       maphash.Seed       // of the analyses' keys
	flight     singleflight.Group // fetches in progress, by document
}

// New returns a Verifier configured by opts. The error is for an invalid
// policy (wrapping ErrPolicy) or a mechanism that cannot be set up.
func New(opts Options) (*Verifier, error) {
	if err := opts.Policy.Validate(); err != nil {
		return nil, err
	}
	v := &Verifier{
		policy:   opts.Policy,
		trust:    opts.Trust,
		fetcher:  opts.Fetcher,
		nonces:   opts.Nonces,
		docs:     newCache[[]byte](opts.Policy.Cache.maxEntries()),
		lists:    newCache[*statusList](opts.Policy.Cache.maxEntries()),
		analyses: newCache[*analysis](analysisCacheSize),
		seed:     maphash.MakeSeed(),
	}
	ms, err := builtinMechanisms(opts)
	if err != nil {
		return nil, err
	}
	for _, m := range opts.Mechanisms {
		ms[m.Name()] = m
	}
	v.mechanisms = ms
	v.resolver = opts.Resolver
	if v.resolver == nil {
		r := did.Resolver{}
		if v.fetcher != nil {
			r.Web = v.fetchCached
			r.Documents = did.NewDocumentCache(opts.Policy.Cache.maxEntries())
		}
		v.resolver = r
		if len(opts.Resolvers) > 0 {
			v.resolver = append(resolverChain{r}, opts.Resolvers...)
		}
	}
	return v, nil
}

// Mechanisms lists the names of the built-in securing mechanisms, the values
// Policy.Mechanisms accepts.
func Mechanisms() []string {
	names := []string{
		jose.TypVC, jose.TypVP, jose.FormatJWTVC, jose.FormatJWTVP,
		jades.Name, sdjwt.TypSDJWTVC, sdjwt.TypVC, sdjwt.TypVP,
		dataintegrity.Ed25519Signature2020,
	}
	names = append(names, dataintegrity.Cryptosuites()...)
	sort.Strings(names)
	return names
}

func builtinMechanisms(opts Options) (map[string]credentials.Mechanism, error) {
	kbAge := time.Duration(opts.Policy.KeyBindingMaxAge)
	sd := sdjwt.Mechanism{KeyBindingMaxAge: kbAge}
	ms := map[string]credentials.Mechanism{
		jose.TypVC:       jose.VCJWT{},
		jose.TypVP:       jose.VPJWT{},
		jose.FormatJWTVC: jose.JWTVCJSON{},
		jose.FormatJWTVP: jose.JWTVPJSON{},
		jades.Name:       &jades.Mechanism{},
		sdjwt.TypSDJWTVC: sd,
		// "vc+sd-jwt" is both the SD-JWT VC typ of older drafts and
		// VC-JOSE-COSE's SD-JWT-secured VC 2.0 credential: the payload says which.
		sdjwt.TypVC:                        sdVCByPayload{vc: sdjwt.VC{KeyBindingMaxAge: kbAge}, sdvc: sd},
		sdjwt.TypVP:                        sdjwt.VP{KeyBindingMaxAge: kbAge},
		dataintegrity.Ed25519Signature2020: dataintegrity.Legacy{Contexts: opts.Contexts},
	}
	// One JSON-LD processor for every cryptosuite: its processed contexts
	// are shared.
	canon := dataintegrity.NewLDProc(opts.Contexts, rdfc.Options{})
	for _, name := range dataintegrity.Cryptosuites() {
		s, err := dataintegrity.New(name, dataintegrity.Options{Contexts: opts.Contexts, Canonicalizer: canon})
		if err != nil {
			return nil, fmt.Errorf("verifier: setting up %s: %w", name, err)
		}
		ms[name] = s
	}
	return ms, nil
}

// Verify verifies input with a Verifier made from opts, expecting
// opts.Request. See Verifier.Verify.
func Verify(ctx context.Context, input []byte, opts Options) (*Report, error) {
	v, err := New(opts)
	if err != nil {
		return nil, err
	}
	return v.Verify(ctx, input, opts.Request)
}

// now is the policy's clock.
func (v *Verifier) now() time.Time {
	if !v.policy.At.IsZero() {
		return v.policy.At
	}
	return time.Now()
}

func (v *Verifier) verifyOptions(now time.Time) credentials.VerifyOptions {
	return credentials.VerifyOptions{Now: func() time.Time { return now }, Skew: time.Duration(v.policy.Skew)}
}

// accepts reports whether the policy accepts a mechanism and algorithm.
func (v *Verifier) accepts(f credentials.Format) string {
	p := v.policy
	if len(p.Mechanisms) > 0 && !slices.Contains(p.Mechanisms, f.Mechanism) {
		return fmt.Sprintf("the policy does not accept %s (accepted: %v)", f.Mechanism, p.Mechanisms)
	}
	if f.Alg != "" && len(p.Algorithms) > 0 && !slices.Contains(p.Algorithms, f.Alg) {
		return fmt.Sprintf("the policy does not accept the algorithm %s (accepted: %v)", f.Alg, p.Algorithms)
	}
	if prof := profileOf(f.Mechanism); prof != "" && len(p.Profiles) > 0 && !slices.Contains(p.Profiles, prof) {
		return fmt.Sprintf("the policy does not accept the %s profile (%s) (accepted: %v)", prof, f.Mechanism, p.Profiles)
	}
	return ""
}

// profileOf maps a mechanism to the Diplomat profile its format belongs to.
// "vc+sd-jwt" counts as w3c here (VC-JOSE-COSE); profileOfCredential tells
// an SD-JWT VC of that typ apart once its content is read.
func profileOf(mechanism string) string {
	switch mechanism {
	case jades.Name:
		return "edc"
	case jose.FormatJWTVC, jose.FormatJWTVP:
		return "ebsi"
	case sdjwt.TypSDJWTVC, "sd-jwt":
		return "eudi"
	case "":
		return ""
	}
	return "w3c"
}

// profileOfCredential is profileOf, corrected by the credential read: SD-JWT
// VC claims belong to the eudi profile whatever their typ.
func profileOfCredential(mechanism string, c *credential) string {
	if c != nil && c.claims != nil {
		return "eudi"
	}
	return profileOf(mechanism)
}

// fetchCached fetches a did:web document (or any document) through the
// cache.
func (v *Verifier) fetchCached(ctx context.Context, url string) ([]byte, error) {
	if b, ok := v.docs.get(url); ok {
		return b, nil
	}
	got, err := v.shared(ctx, "doc\x00"+url, func(ctx context.Context) (any, error) {
		if b, ok := v.docs.get(url); ok {
			return b, nil
		}
		b, err := v.fetcher.Fetch(ctx, url)
		if err != nil {
			return nil, err
		}
		v.docs.put(url, b, v.policy.Cache.ttl())
		return b, nil
	})
	if err != nil {
		return nil, err
	}
	return got.([]byte), nil
}

// shared runs fn once for every caller asking for key at the same time
// (the credentials of a batch asking for one status list or DID document):
// they wait for the first one's answer, so a document is fetched once, then
// cached. fn runs with the first caller's context (its deadline: the time
// allowed for a credential's fetches), and returns before shared does, so
// no fetch outlives the verifications waiting for it.
func (v *Verifier) shared(ctx context.Context, key string, fn func(context.Context) (any, error)) (any, error) {
	val, err, _ := v.flight.Do(key, func() (any, error) { return fn(ctx) })
	return val, err
}

// resolverChain asks each resolver in turn; the first that resolves the
// method wins. When none does, the error is the first resolver's.
type resolverChain []KeyResolver

func (rs resolverChain) ResolveKey(ctx context.Context, id string) (*credentials.VerificationMethod, error) {
	var first error
	for _, r := range rs {
		if r == nil {
			continue
		}
		vm, err := r.ResolveKey(ctx, id)
		if err == nil {
			return vm, nil
		}
		if ctx.Err() != nil {
			return nil, ctx.Err()
		}
		if first == nil {
			first = err
		}
	}
	if first == nil {
		first = fmt.Errorf("no resolver for %q: %w", id, credentials.ErrUnknownKey)
	}
	return nil, first
}

// keysFor returns the resolver handed to a mechanism verifying a proof
// made for purpose ("assertionMethod" when empty): the verifier's resolver,
// refusing a method its DID document does not list under that purpose.
func (v *Verifier) keysFor(purpose string) KeyResolver {
	if purpose == "" {
		purpose = "assertionMethod"
	}
	return purposeResolver{r: v.resolver, purpose: purpose}
}

// purposeResolver resolves with r and checks the verification relationship:
// a method whose Relationships the resolver gives (it comes from a DID
// document, as did:web's, or an implied one, as did:key's) must be listed
// under purpose; one whose Relationships is nil (not from a DID document)
// passes. A method listed elsewhere only is refused with an error wrapping
// credentials.ErrUnknownKey: the controller did not give that key the
// power to sign for purpose.
type purposeResolver struct {
	r       KeyResolver
	purpose string
}

func (p purposeResolver) ResolveKey(ctx context.Context, id string) (*credentials.VerificationMethod, error) {
	vm, err := p.r.ResolveKey(ctx, id)
	if err != nil || vm == nil || vm.Relationships == nil || slices.Contains(vm.Relationships, p.purpose) {
		return vm, err
	}
	listed := "in no verification relationship"
	if len(vm.Relationships) > 0 {
		listed = "under " + strings.Join(vm.Relationships, ", ") + " only"
	}
	name := vm.ID
	if name == "" {
		name = id
	}
	return nil, fmt.Errorf("verification method %s is listed %s in its DID document, not under %s, so it cannot sign %s: %w",
		name, listed, p.purpose, purposeWhat(p.purpose), credentials.ErrUnknownKey)
}

func purposeWhat(purpose string) string {
	switch purpose {
	case "assertionMethod":
		return "a credential or a status list"
	case "authentication":
		return "a presentation"
	}
	return "for that purpose"
}
