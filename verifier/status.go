package verifier

import (
	"bytes"
	"context"
	"crypto"
	"crypto/x509"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/diplomat-edu/diplomat/credentials"
	"github.com/diplomat-edu/diplomat/credentials/jose"
	"github.com/diplomat-edu/diplomat/credentials/sdjwt"
	"github.com/diplomat-edu/diplomat/credentials/status"
	"github.com/diplomat-edu/diplomat/internal/certname"
	"github.com/diplomat-edu/diplomat/internal/certpath"
)

// statusList is a verified status list, as cached.
type statusList struct {
	url      string
	signer   signedBy // who signed it
	typ      string   // BitstringStatusList or StatusList2021
	purposes []string
	bits     *status.Bitstring
	token    *status.TokenList // an IETF token status list; bits is nil then
}

// signedBy is what binds a verified signature to its signer: a certificate
// path, or an issuer the key was resolved from, or else the key alone. A
// status list counts for a credential only when their signers match (see
// sameSigner): the issuer a document names proves nothing by itself.
type signedBy struct {
	// path is the certificate path of a signature sealed by certificate
	// (see certPath); nil otherwise.
	path []*x509.Certificate
	// issuer is the issuer bound to the key (see boundIssuer); "" when
	// none is. named is the issuer the content names, bound or not.
	issuer, named string
	// key is the verifying key.
	key crypto.PublicKey
}

// signerOf returns the signer of vd, whose Chain must already be a
// certificate path.
func signerOf(vd *credentials.Verified) signedBy {
	return signedBy{path: vd.Chain, issuer: boundIssuer(vd), named: vd.Issuer, key: vd.Key}
}

// sameSigner says why the status list signed by list does not count for a
// credential signed by cred, or returns nil when it does:
//   - a credential sealed by certificate: the list is sealed by the same
//     seal certificate, or by one of the same subject issued (the signature
//     verifies) by the CA certificate that issued the credential's seal,
//     both valid now;
//   - a credential whose issuer is bound to its key (a DID and one of its
//     keys): the list's issuer is bound the same way and is the same;
//   - any other: the list is signed with the same key, not by certificate.
func sameSigner(list, cred signedBy, now time.Time) error {
	switch {
	case len(cred.path) > 0:
		seal := cred.path[0]
		if len(list.path) == 0 {
			return fmt.Errorf("the credential is sealed by the certificate %q, but the list is signed by %s, not by certificate", certname.String(seal.Subject), orNone(list.named))
		}
		leaf := list.path[0]
		if bytes.Equal(leaf.Raw, seal.Raw) {
			return checkValidityOf(list.path[:1], now)
		}
		if len(cred.path) < 2 {
			return fmt.Errorf("it is sealed by the certificate %q, not by the credential's self-signed seal %q", certname.String(leaf.Subject), certname.String(seal.Subject))
		}
		ca := cred.path[1]
		if !bytes.Equal(leaf.RawIssuer, ca.RawSubject) || leaf.CheckSignatureFrom(ca) != nil {
			return fmt.Errorf("it is sealed by the certificate %q, which is neither the credential's seal nor issued by the CA that issued it (%q)", certname.String(leaf.Subject), certname.String(ca.Subject))
		}
		if !bytes.Equal(leaf.RawSubject, seal.RawSubject) {
			return fmt.Errorf("it is sealed by the certificate %q, issued by the same CA as the credential's seal but to another subject than %q", certname.String(leaf.Subject), certname.String(seal.Subject))
		}
		return checkValidityOf([]*x509.Certificate{leaf, ca}, now)
	case cred.issuer != "":
		if len(list.path) > 0 {
			return fmt.Errorf("it is sealed by the certificate %q, not signed with a key of the credential's issuer %s: a certificate naming a DID does not stand for it", certname.String(list.path[0].Subject), cred.issuer)
		}
		if list.issuer == "" {
			return fmt.Errorf("its issuer %s is not the DID its key was resolved from, so it is not the credential's issuer %s", orNone(list.named), cred.issuer)
		}
		if list.issuer != cred.issuer {
			return fmt.Errorf("issued by %s, not by the credential's issuer %s", list.issuer, cred.issuer)
		}
		return nil
	default:
		if k := keyThumbprint(cred.key); len(list.path) > 0 || k == "" || keyThumbprint(list.key) != k {
			return fmt.Errorf("the credential's issuer %s is not bound to its key, and the list is not signed with that same key", orNone(cred.named))
		}
		return nil
	}
}

func orNone(s string) string {
	if s == "" {
		return "no issuer"
	}
	return s
}

// listTypeOf maps a credentialStatus entry type to the credentialSubject
// type of the list it must point at.
var listTypeOf = map[string]string{
	"BitstringStatusListEntry": "BitstringStatusList",
	"StatusList2021Entry":      "StatusList2021",
}

// statusEntry is one credentialStatus entry.
type statusEntry struct {
	Type    string          `json:"type"`
	Purpose string          `json:"statusPurpose"`
	Index   json.RawMessage `json:"statusListIndex"`
	List    string          `json:"statusListCredential"`
	Size    int             `json:"statusSize"`
}

// unavailable reports a status that cannot be established, failing closed
// unless the policy says warn.
func (v *Verifier) unavailable(rep *Report, problem, msg string) {
	if v.policy.StatusUnavailable == Warn {
		rep.warn(CheckStatus, problem, msg+" (the policy accepts an unknown status)")
		return
	}
	rep.fail(CheckStatus, Invalid, problem, msg+": the credential's status is unknown, so it is not accepted")
}

// statusTask is one status entry to check: a W3C entry (Bitstring Status
// List, StatusList2021) or the status claim of the IETF Token Status List.
type statusTask struct {
	where   string // for messages: "credentialStatus[1]", "status.status_list"
	token   bool   // the IETF Token Status List
	entry   statusEntry
	index   int
	url     string // of the list, without fragment
	problem string // why the entry cannot be read; the task is not fetched
}

// listKey is the cache and fetch key of the list a task reads.
func (t *statusTask) listKey() string {
	if t.token {
		return "token " + t.url
	}
	return "w3c " + t.url
}

// statusTasks reads every status entry of c, offline.
func statusTasks(c *credential) []statusTask {
	var out []statusTask
	for i, raw := range c.status {
		t := statusTask{where: c.statusWhere}
		if len(c.status) > 1 {
			t.where = fmt.Sprintf("%s[%d]", c.statusWhere, i)
		}
		var err error
		switch {
		case json.Unmarshal(raw, &t.entry) != nil:
			t.problem = t.where + " is not an object"
		case t.entry.Type != "BitstringStatusListEntry" && t.entry.Type != "StatusList2021Entry":
			t.problem = fmt.Sprintf("%s has type %q, which is not supported (BitstringStatusListEntry, StatusList2021Entry)", t.where, t.entry.Type)
		default:
			t.index, err = parseIndex(t.entry.Index)
			if err != nil || t.entry.List == "" {
				t.problem = fmt.Sprintf("%s has no valid statusListIndex and statusListCredential", t.where)
			}
			t.url, _, _ = strings.Cut(t.entry.List, "#")
		}
		out = append(out, t)
	}
	if c.statusClaim != nil {
		t := statusTask{where: "status.status_list", token: true}
		ref, err := status.ParseStatusClaim(c.statusClaim)
		if err != nil {
			t.problem = "its status claim cannot be read: " + strings.TrimPrefix(err.Error(), "status: ")
		} else {
			t.index, t.url = ref.Index, ref.URI
		}
		out = append(out, t)
	}
	return out
}

// fetched is what fetching and verifying one list gave.
type fetched struct {
	list    *statusList
	problem string
	err     error
}

// checkStatus checks the credential's status entries; by is the
// credential's signer, which each status list's must match. Every entry is
// read first, offline; a credential with more than maxStatusEntries is
// refused without a fetch. Then every list named is fetched at once, under
// one deadline (the policy's fetch timeout) for them all, and each entry is
// judged. A status that cannot be established fails closed (unavailable).
func (v *Verifier) checkStatus(ctx context.Context, c *credential, by signedBy, now time.Time, rep *Report) error {
	if c.statusProblem != "" {
		v.unavailable(rep, ProblemStatusUnavailable, c.statusProblem)
		return nil
	}
	tasks := statusTasks(c)
	if len(tasks) == 0 {
		rep.skip(CheckStatus, "the credential has no status entry: it cannot be revoked")
		return nil
	}
	if len(tasks) > maxStatusEntries {
		v.unavailable(rep, ProblemStatusUnavailable, fmt.Sprintf("the credential has %d status entries, more than the %d Diplomat reads", len(tasks), maxStatusEntries))
		return nil
	}
	lists, err := v.fetchLists(ctx, tasks, by, now)
	if err != nil {
		return err
	}
	for _, t := range tasks {
		if t.problem != "" {
			v.unavailable(rep, ProblemStatusUnavailable, t.problem)
			continue
		}
		f := lists[t.listKey()]
		name := "status list " + t.url
		if t.token {
			name = "token status list " + t.url
		}
		if f.problem != "" {
			v.unavailable(rep, f.problem, fmt.Sprintf("%s: %s: %v", t.where, name, f.err))
			continue
		}
		if t.token {
			v.judgeToken(rep, t, f.list)
		} else {
			v.judgeEntry(rep, t, f.list)
		}
	}
	return nil
}

// fetchLists fetches and verifies every list the tasks name, each once,
// all at once, under one deadline. The error is only for a cancelled ctx.
func (v *Verifier) fetchLists(ctx context.Context, tasks []statusTask, by signedBy, now time.Time) (map[string]fetched, error) {
	dctx, cancel := context.WithTimeout(ctx, v.policy.Fetch.timeout())
	defer cancel()
	var todo []statusTask // one per list
	seen := map[string]bool{}
	for _, t := range tasks {
		if k := t.listKey(); t.problem == "" && !seen[k] {
			seen[k] = true
			todo = append(todo, t)
		}
	}
	results := make([]fetched, len(todo))
	var wg sync.WaitGroup
	for i, t := range todo {
		wg.Go(func() {
			f := &results[i]
			if t.token {
				f.list, f.problem, f.err = v.tokenList(dctx, t.url, by, now)
			} else {
				f.list, f.problem, f.err = v.statusList(dctx, t.url, by, now)
			}
			if f.err != nil && dctx.Err() != nil && ctx.Err() == nil {
				f.problem = ProblemStatusUnavailable
				f.err = fmt.Errorf("not fetched within %s, the time allowed for every status list of a credential: %v", v.policy.Fetch.timeout(), f.err)
			}
		})
	}
	wg.Wait()
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	out := make(map[string]fetched, len(todo))
	for i, t := range todo {
		out[t.listKey()] = results[i]
	}
	return out, nil
}

// judgeEntry reports a W3C entry read in its verified list.
func (v *Verifier) judgeEntry(rep *Report, t statusTask, list *statusList) {
	e := t.entry
	if list.token != nil {
		v.unavailable(rep, ProblemStatusListInvalid, fmt.Sprintf("%s: a %s points at %s, which is a token status list, not a %s", t.where, e.Type, t.url, listTypeOf[e.Type]))
		return
	}
	if want := listTypeOf[e.Type]; list.typ != want {
		v.unavailable(rep, ProblemStatusListInvalid, fmt.Sprintf("%s: a %s points at status list %s, which is a %s, not a %s", t.where, e.Type, e.List, list.typ, want))
		return
	}
	if !slices.Contains(list.purposes, e.Purpose) {
		v.unavailable(rep, ProblemStatusListInvalid, fmt.Sprintf("%s: status list %s is for %s, not %q", t.where, e.List, strings.Join(list.purposes, ", "), e.Purpose))
		return
	}
	size := max(e.Size, 1)
	val, err := list.bits.Status(t.index, size)
	if err != nil {
		v.unavailable(rep, ProblemStatusListInvalid, fmt.Sprintf("%s: index %d: %v", t.where, t.index, err))
		return
	}
	at := fmt.Sprintf("(%s: %s, index %d)", t.where, e.List, t.index)
	switch {
	case e.Purpose == "revocation" && val != 0:
		rep.fail(CheckStatus, Revoked, ProblemRevoked, "the issuer has revoked the credential "+at)
	case e.Purpose == "suspension" && val != 0:
		rep.fail(CheckStatus, Suspended, ProblemSuspended, "the issuer has suspended the credential "+at)
	case e.Purpose == "revocation":
		rep.pass(CheckStatus, "not revoked "+at)
	case e.Purpose == "suspension":
		rep.pass(CheckStatus, "not suspended "+at)
	default:
		rep.pass(CheckStatus, fmt.Sprintf("status %s is %d %s", e.Purpose, val, at))
	}
}

// judgeToken reports the status a token status list gives (draft-ietf-
// oauth-status-list §7.1): 0 valid, 1 invalid (revoked), 2 suspended; any
// other value (application-specific or reserved) is a status Diplomat
// cannot interpret, and fails closed.
func (v *Verifier) judgeToken(rep *Report, t statusTask, list *statusList) {
	if list.token == nil {
		v.unavailable(rep, ProblemStatusListInvalid, fmt.Sprintf("%s: %s is a %s, not a token status list (statuslist+jwt)", t.where, t.url, list.typ))
		return
	}
	val, err := list.token.Status(t.index)
	if err != nil {
		v.unavailable(rep, ProblemStatusListInvalid, fmt.Sprintf("%s: token status list %s: index %d: %v", t.where, t.url, t.index, err))
		return
	}
	at := fmt.Sprintf("(IETF token status list %s, index %d)", t.url, t.index)
	switch val {
	case status.TokenValid:
		rep.pass(CheckStatus, "valid: not revoked, not suspended "+at)
	case status.TokenInvalid:
		rep.fail(CheckStatus, Revoked, ProblemRevoked, "the issuer has revoked the credential "+at)
	case status.TokenSuspended:
		rep.fail(CheckStatus, Suspended, ProblemSuspended, "the issuer has suspended the credential "+at)
	default:
		v.unavailable(rep, ProblemStatusListInvalid, fmt.Sprintf("%s: token status list %s gives index %d the status 0x%02x, application-specific or reserved, which Diplomat cannot interpret", t.where, t.url, t.index, val))
	}
}

func parseIndex(raw json.RawMessage) (int, error) {
	var s string
	if json.Unmarshal(raw, &s) != nil {
		var n json.Number
		if err := json.Unmarshal(raw, &n); err != nil {
			return 0, err
		}
		s = n.String()
	}
	i, err := strconv.Atoi(s)
	if err != nil || i < 0 {
		return 0, fmt.Errorf("statusListIndex %q is not a non-negative integer", s)
	}
	return i, nil
}

// statusList returns the verified list at url, from the cache or fetched,
// when it is signed by the credential's signer, by. The problem slug says
// how it failed.
func (v *Verifier) statusList(ctx context.Context, url string, by signedBy, now time.Time) (*statusList, string, error) {
	url, _, _ = strings.Cut(url, "#")
	return v.cachedList(ctx, "w3c "+url, url, by, now, v.readStatusList)
}

// tokenList is statusList for an IETF token status list at uri.
func (v *Verifier) tokenList(ctx context.Context, uri string, by signedBy, now time.Time) (*statusList, string, error) {
	return v.cachedList(ctx, "token "+uri, uri, by, now, v.readTokenList)
}

// cachedList returns the list at url, cached under key, else fetched and
// read with read, when signed by by.
func (v *Verifier) cachedList(ctx context.Context, key, url string, by signedBy, now time.Time, read func(context.Context, string, []byte, time.Time) (*statusList, time.Duration, error)) (*statusList, string, error) {
	l, ok := v.lists.get(key)
	if !ok {
		if v.fetcher == nil {
			return nil, ProblemStatusUnavailable, fmt.Errorf("not fetched: no fetcher is configured")
		}
		// One fetch for every credential that asks at once (a batch).
		got, err := v.shared(ctx, "list\x00"+key, func(ctx context.Context) (any, error) {
			if l, ok := v.lists.get(key); ok {
				return l, nil
			}
			body, err := v.fetcher.Fetch(ctx, url)
			if err != nil {
				return nil, &listError{ProblemStatusUnavailable, err}
			}
			l, ttl, err := read(ctx, url, body, now)
			if err != nil {
				return nil, &listError{ProblemStatusListInvalid, err}
			}
			v.lists.put(key, l, ttl)
			return l, nil
		})
		if le := (*listError)(nil); errors.As(err, &le) {
			return nil, le.problem, le.err
		}
		if err != nil {
			return nil, ProblemStatusUnavailable, err
		}
		l = got.(*statusList)
	}
	if err := sameSigner(l.signer, by, now); err != nil {
		return nil, ProblemStatusListInvalid, fmt.Errorf("not signed by the credential's signer: %w", err)
	}
	return l, "", nil
}

// listError is a status list's failure with its problem slug.
type listError struct {
	problem string
	err     error
}

func (e *listError) Error() string { return e.err.Error() }

// readStatusList verifies a status list credential and decodes its list.
func (v *Verifier) readStatusList(ctx context.Context, url string, body []byte, now time.Time) (*statusList, time.Duration, error) {
	f, err := credentials.Detect(body)
	if err != nil {
		return nil, 0, err
	}
	if f.Envelope != credentials.EnvelopeCredential || f.KeyBinding {
		return nil, 0, fmt.Errorf("not a credential")
	}
	if why := v.accepts(f); why != "" {
		return nil, 0, fmt.Errorf("%s", why)
	}
	m := v.mechanisms[f.Mechanism]
	if m == nil {
		return nil, 0, fmt.Errorf("its proof (%q) is not supported", f.Mechanism)
	}
	vd, err := m.Verify(ctx, body, v.keysFor("assertionMethod"), v.verifyOptions(now))
	if err != nil {
		return nil, 0, fmt.Errorf("its proof does not verify: %v", err)
	}
	by := signedBy{issuer: boundIssuer(vd), named: vd.Issuer, key: vd.Key}
	if len(vd.Chain) > 0 {
		if by.path, err = certPath(vd.Chain, certpath.Signing); err != nil {
			return nil, 0, fmt.Errorf("its certificate path: %v", err)
		}
	}
	c, err := readCredential(vd.Document, f.Mechanism)
	if err != nil || c.vc == nil {
		return nil, 0, fmt.Errorf("not a valid status list credential: %v", err)
	}
	// The list must be the one the entry names: a list credential fetched
	// from one URL but stating another id is someone else's list (or one
	// served in its place).
	var id string
	if raw := c.vc.Member("id"); raw == nil || json.Unmarshal(raw, &id) != nil || id == "" {
		return nil, 0, fmt.Errorf("the status list credential has no id, so it cannot be matched with statusListCredential %s", url)
	}
	if id != url {
		return nil, 0, fmt.Errorf("the status list credential's id is %s, not the statusListCredential %s", id, url)
	}
	skew := time.Duration(v.policy.Skew)
	if !c.until.IsZero() && !now.Add(-skew).Before(c.until) {
		return nil, 0, fmt.Errorf("it expired at %s", c.until.UTC().Format(time.RFC3339))
	}
	if !c.from.IsZero() && now.Add(skew).Before(c.from) {
		return nil, 0, fmt.Errorf("it is not valid before %s", c.from.UTC().Format(time.RFC3339))
	}
	subs := c.vc.Subjects()
	if len(subs) != 1 {
		return nil, 0, fmt.Errorf("it has %d credentialSubject objects, want 1", len(subs))
	}
	var sub struct {
		Type        string          `json:"type"`
		Purpose     json.RawMessage `json:"statusPurpose"`
		EncodedList string          `json:"encodedList"`
		TTL         float64         `json:"ttl"`
	}
	if err := json.Unmarshal(subs[0], &sub); err != nil {
		return nil, 0, fmt.Errorf("credentialSubject: %v", err)
	}
	l := &statusList{url: url, signer: by, typ: sub.Type, purposes: stringsOf(sub.Purpose)}
	switch sub.Type {
	case "BitstringStatusList":
		l.bits, err = status.Decode(sub.EncodedList)
	case "StatusList2021":
		l.bits, err = status.DecodeStatusList2021(sub.EncodedList)
	default:
		return nil, 0, fmt.Errorf("credentialSubject.type %q is neither BitstringStatusList nor StatusList2021", sub.Type)
	}
	if err != nil {
		return nil, 0, err
	}
	if len(l.purposes) == 0 {
		return nil, 0, fmt.Errorf("credentialSubject.statusPurpose is missing")
	}
	// How long to keep it: its ttl (milliseconds), else until validUntil,
	// else the configured TTL; never beyond MaxTTL.
	ttl := v.policy.Cache.ttl()
	switch {
	case sub.TTL > 0:
		ttl = time.Duration(sub.TTL) * time.Millisecond
	case !c.until.IsZero():
		ttl = c.until.Sub(now)
	}
	ttl = min(ttl, v.policy.Cache.maxTTL())
	return l, ttl, nil
}

// maxStatusEntries bounds the status entries of one credential the
// verifier reads: a credential with more is refused, fail closed, before
// anything is fetched.
const maxStatusEntries = 16

// readTokenList verifies a Status List Token (statuslist+jwt) fetched from
// uri and decodes its list: its signature (the key by x5c, or resolved from
// its kid and iss), its typ, its exp and iat, and that its sub is uri (a
// token served from one URI but naming another is someone else's list). It
// is kept for its ttl, else until its exp, else the configured TTL; never
// beyond MaxTTL.
func (v *Verifier) readTokenList(ctx context.Context, uri string, body []byte, now time.Time) (*statusList, time.Duration, error) {
	alg, err := jwsAlg(body)
	if err != nil {
		return nil, 0, fmt.Errorf("not a statuslist+jwt: %v", err)
	}
	if len(v.policy.Algorithms) > 0 && !slices.Contains(v.policy.Algorithms, alg) {
		return nil, 0, fmt.Errorf("the policy does not accept the algorithm %s (accepted: %v)", alg, v.policy.Algorithms)
	}
	vd, err := sdjwt.StatusListJWT{}.Verify(ctx, body, v.keysFor("assertionMethod"), v.verifyOptions(now))
	if err != nil {
		return nil, 0, fmt.Errorf("it does not verify as a statuslist+jwt: %v", strings.TrimPrefix(err.Error(), "status list token: "))
	}
	by := signedBy{issuer: boundIssuer(vd), named: vd.Issuer, key: vd.Key}
	if len(vd.Chain) > 0 {
		if by.path, err = certPath(vd.Chain, certpath.Signing); err != nil {
			return nil, 0, fmt.Errorf("its certificate path: %v", err)
		}
	}
	tok, err := status.ParseListToken(vd.Document)
	if err != nil {
		return nil, 0, err
	}
	if tok.Subject != uri {
		return nil, 0, fmt.Errorf("its sub is %s, not the uri %s the credential names", tok.Subject, uri)
	}
	l := &statusList{url: uri, signer: by, typ: "TokenStatusList", token: tok.List}
	ttl := v.policy.Cache.ttl()
	switch {
	case tok.TTL > 0:
		ttl = tok.TTL
	case !tok.Expires.IsZero():
		ttl = tok.Expires.Sub(now)
	}
	if !tok.Expires.IsZero() {
		ttl = min(ttl, tok.Expires.Sub(now))
	}
	return l, min(ttl, v.policy.Cache.maxTTL()), nil
}

// jwsAlg returns the alg of a compact JWS's protected header.
func jwsAlg(token []byte) (string, error) {
	h, err := jose.ParseHeader(bytes.TrimSpace(token), jose.Limits{})
	if err != nil {
		return "", err
	}
	return h.Alg, nil
}
