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
	"strings"
	"time"

	"github.com/diplomat-edu/diplomat/credentials"
	"github.com/diplomat-edu/diplomat/credentials/dataintegrity"
	"github.com/diplomat-edu/diplomat/credentials/did"
	"github.com/diplomat-edu/diplomat/credentials/jose"
	"github.com/diplomat-edu/diplomat/credentials/jsonld"
	"github.com/diplomat-edu/diplomat/credentials/sdjwt"
	"github.com/diplomat-edu/diplomat/internal/certname"
	"github.com/diplomat-edu/diplomat/internal/certpath"
	"github.com/diplomat-edu/diplomat/internal/jsonx"
)

// MaxInputBytes is the largest input Verify reads: 16 MiB. A larger input
// fails the format check without being parsed; callers reading from a file
// or a stream should read at most MaxInputBytes+1 bytes of it.
const MaxInputBytes = 16 << 20

// maxDepth bounds nesting: a presentation's credentials, enveloped
// credentials inside it, and no further.
const maxDepth = 3

// farSkew is the skew of the second attempt that tells a bad signature from
// a good one outside its time window.
const farSkew = 200 * 365 * 24 * time.Hour

// Verify verifies input, a credential or a presentation in any format
// Diplomat reads, and returns the report. A credential or presentation that
// does not verify gives a Report with its verdict and the checks that
// failed, never an error: the error is only for a failure of the verifier
// itself (a trust source that cannot be read, a nonce store that fails, a
// cancelled context).
func (v *Verifier) Verify(ctx context.Context, input []byte, req Request) (*Report, error) {
	now := v.now()
	rep := &Report{At: now}
	if err := v.verify(ctx, input, req, now, rep, 0); err != nil {
		return nil, err
	}
	rep.settle()
	return rep, nil
}

func (v *Verifier) verify(ctx context.Context, input []byte, req Request, now time.Time, rep *Report, depth int) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	if len(input) > MaxInputBytes {
		rep.fail(CheckFormat, Invalid, ProblemMalformed, fmt.Sprintf("the input is %d bytes, over the limit of %d MiB", len(input), MaxInputBytes>>20))
		return nil
	}
	if depth > maxDepth {
		rep.fail(CheckFormat, Invalid, ProblemMalformed, fmt.Sprintf("credentials nested more than %d levels deep are not read", maxDepth))
		return nil
	}
	f, err := credentials.Detect(input)
	if err != nil {
		rep.fail(CheckFormat, Invalid, ProblemMalformed, "not a credential or presentation Diplomat can read: "+strings.TrimPrefix(err.Error(), "detect: "))
		return nil
	}
	if f.Enveloped {
		m, _ := jsonTop(input, "id")
		var id string
		_ = json.Unmarshal(m["id"], &id)
		env, err := jose.ParseEnveloped(id)
		if err != nil {
			rep.fail(CheckFormat, Invalid, ProblemMalformed, "an enveloped "+string(f.Envelope)+" whose id cannot be read: "+err.Error())
			return nil
		}
		return v.verify(ctx, env.Data, req, now, rep, depth+1)
	}
	rep.Format, rep.Envelope = f.Mechanism, string(f.Envelope)
	if rep.Issuer == "" {
		// Whom the input claims to come from, read only when no proof
		// says it: a verified proof sets rep.Issuer itself, and reading
		// the claims costs a second decoding of the whole payload.
		defer func() {
			if !rep.issuerProved && rep.Issuer == "" {
				rep.Issuer = claimedIssuer(input, f)
			}
		}()
	}
	if f.Mechanism == "" {
		rep.pass(CheckFormat, fmt.Sprintf("an unsecured JSON-LD %s (VC Data Model %s)", f.Envelope, orUnknown(string(f.Version))))
		rep.fail(CheckProof, Invalid, ProblemUnsupportedProof, "the document carries no proof: nothing says who issued it")
		return nil
	}
	if why := v.accepts(f); why != "" {
		rep.fail(CheckFormat, Invalid, ProblemNotAccepted, why)
		return nil
	}
	m := v.mechanisms[f.Mechanism]
	if m == nil {
		rep.pass(CheckFormat, describeFormat(f))
		rep.fail(CheckProof, Invalid, ProblemUnsupportedProof, fmt.Sprintf("proofs of type %s are not supported", f.Mechanism))
		return nil
	}
	rep.pass(CheckFormat, describeFormat(f))
	if f.Envelope == credentials.EnvelopePresentation || f.KeyBinding {
		return v.presentation(ctx, input, f, m, req, now, rep, depth)
	}
	out, err := v.prove(ctx, m, input, v.verifyOptions(now), rep, "")
	if err != nil || out == nil {
		return err
	}
	if req.Challenge != "" || req.Domain != "" {
		// Expected, and nothing here can prove it: a credential is the
		// issuer's statement, made before this request existed.
		what := "a credential on its own"
		if f.Mechanism == sdjwt.TypSDJWTVC || f.Mechanism == sdjwt.TypVC {
			what = "an SD-JWT without its key-binding JWT"
		}
		rep.fail(CheckChallenge, Invalid, ProblemChallengeNotProved, fmt.Sprintf("a presentation for this request (%s) was expected, but %s proves no challenge or domain: anyone holding a copy could send it; ask the holder for a presentation (a VP, or the SD-JWT with its key-binding JWT)", describeRequest(req), what))
	}
	return v.afterProof(ctx, out, f, now, rep)
}

// describeRequest says what a request expects.
func describeRequest(req Request) string {
	var parts []string
	if req.Challenge != "" {
		parts = append(parts, fmt.Sprintf("challenge %q", req.Challenge))
	}
	if req.Domain != "" {
		parts = append(parts, fmt.Sprintf("domain %q", req.Domain))
	}
	return strings.Join(parts, ", ")
}

func orUnknown(s string) string {
	if s == "" {
		return "unknown"
	}
	return s
}

func describeFormat(f credentials.Format) string {
	s := fmt.Sprintf("%s %s", f.Mechanism, f.Envelope)
	if f.Version != "" {
		s += ", VC Data Model " + string(f.Version)
	}
	if f.Alg != "" {
		s += ", " + f.Alg
	}
	if f.KeyBinding {
		s += ", with key binding"
	}
	return s
}

// proved is what a mechanism established, with the time window or the
// challenge failure found by the second attempt.
type proved struct {
	*credentials.Verified
	timeErr      error  // ErrExpired or ErrNotYetValid: the proof is good, the time is not
	challengeErr error  // the proof is good, the challenge or domain is not
	stampNote    string // why a verified time-stamp was not used, if one was dropped
}

// prove runs the mechanism and reports proof and key. It returns nil (and
// no error) when the proof does not verify.
func (v *Verifier) prove(ctx context.Context, m credentials.Mechanism, input []byte, opts credentials.VerifyOptions, rep *Report, what string) (*proved, error) {
	keys := v.keysFor(opts.Purpose)
	vd, err := m.Verify(ctx, input, keys, opts)
	if err == nil {
		out := &proved{Verified: vd}
		return out, v.gateStamp(ctx, out)
	}
	if ctx.Err() != nil {
		return nil, ctx.Err()
	}
	out := &proved{}
	if errors.Is(err, credentials.ErrExpired) || errors.Is(err, credentials.ErrNotYetValid) {
		o := opts
		o.Skew = farSkew
		if vd, err2 := m.Verify(ctx, input, keys, o); err2 == nil {
			out.Verified, out.timeErr = vd, err
			return out, v.gateStamp(ctx, out)
		}
	}
	if errors.Is(err, credentials.ErrInvalidProof) && (opts.Challenge != "" || opts.Domain != "") {
		o := opts
		o.Challenge, o.Domain, o.Skew = "", "", farSkew
		if vd, err2 := m.Verify(ctx, input, keys, o); err2 == nil {
			out.Verified, out.challengeErr = vd, err
			return out, v.gateStamp(ctx, out)
		}
	}
	msg := what + err.Error()
	switch {
	case errors.Is(err, ErrForbiddenAddress):
		rep.fail(CheckKey, Invalid, ProblemForbiddenAddress, msg)
		rep.skip(CheckProof, "the key could not be had, so the proof was not checked")
	case errors.Is(err, credentials.ErrUnknownKey), errors.Is(err, credentials.ErrUnsupportedKey):
		rep.fail(CheckKey, Invalid, ProblemUnknownKey, msg)
		rep.skip(CheckProof, "the key could not be had, so the proof was not checked")
	case errors.Is(err, jsonld.ErrUnknownContext), errors.Is(err, jsonld.ErrContextMismatch):
		rep.fail(CheckProof, Invalid, ProblemUnknownContext, msg)
	case errors.Is(err, dataintegrity.ErrUnsupported):
		rep.fail(CheckProof, Invalid, ProblemUnsupportedProof, msg)
	case errors.Is(err, credentials.ErrInvalidProof):
		rep.fail(CheckProof, Invalid, ProblemInvalidSignature, msg)
	default:
		rep.fail(CheckProof, Invalid, ProblemMalformed, msg)
	}
	return nil, nil
}

// gateStamp keeps out.Timestamped only when a trust source vouches for the
// time-stamping authority: its certificate path (out.TimestampChain, linked
// by signature from the TSA's certificate up) valid at the time-stamp and
// matched by a source, for instance a registry entry for the TSA or its CA.
// The mechanism checked that the token verifies and that the TSA is not the
// signer; but anyone can make a TSA certificate, and an untrusted one proves
// no time. A dropped time-stamp is explained in out.stampNote.
func (v *Verifier) gateStamp(ctx context.Context, out *proved) error {
	ts := out.Timestamped
	if ts.IsZero() {
		return nil
	}
	drop := func(why string) error {
		out.Timestamped, out.stampNote = time.Time{}, fmt.Sprintf("its time-stamp of %s is not used: %s", ts.UTC().Format(time.RFC3339), why)
		return nil
	}
	if len(out.TimestampChain) == 0 {
		return drop("the time-stamping authority's certificate is not known")
	}
	path, err := certPath(out.TimestampChain, certpath.TimeStamping)
	if err == nil {
		err = checkValidityOf(path, ts)
	}
	if err != nil {
		return drop(err.Error())
	}
	q := TrustQuery{Key: path[0].PublicKey, Chain: path, Types: []string{"TimeStampingAuthority"}, IssuedAt: ts}
	for _, src := range v.trust {
		ans, err := src.Trust(ctx, q)
		if err != nil {
			return fmt.Errorf("verifier: trust source: %w", err)
		}
		if ans != nil && ans.Trusted {
			return nil
		}
	}
	return drop(fmt.Sprintf("no trust source vouches for its time-stamping authority %q", certname.String(path[0].Subject)))
}

// judgedAt returns the time the certificate path and the trust sources are
// judged at: the time a verified time-stamp (Verified.Timestamped, from a
// time-stamping authority other than the signer) proves the signature
// existed at, when there is one not after now; else now, the verification
// time. The signing time a proof claims (sigT, iat, created) is never used:
// the signer wrote it, so a seal that has expired or been withdrawn could
// otherwise go on sealing by claiming an earlier time. stamped reports
// whether the time-stamp was used.
func judgedAt(out *credentials.Verified, now time.Time) (at time.Time, stamped bool) {
	if ts := out.Timestamped; !ts.IsZero() && !ts.After(now) {
		return ts, true
	}
	return now, false
}

// describeAt says in words what the time at, from judgedAt, is.
func describeAt(out *proved, at time.Time, stamped bool) string {
	const layout = time.RFC3339
	if stamped {
		return fmt.Sprintf("%s, the time a verified time-stamp proves the signature existed at", at.UTC().Format(layout))
	}
	s := at.UTC().Format(layout) + ", the verification time"
	switch {
	case out.stampNote != "":
		s += " (" + out.stampNote + ")"
	case !out.Timestamped.IsZero():
		s += fmt.Sprintf(" (its time-stamp %s is later than that, so it is not used)", out.Timestamped.UTC().Format(layout))
	case !out.Signed.IsZero():
		s += fmt.Sprintf(" (the signing time it claims, %s, is the signer's word and no time-stamp proves it)", out.Signed.UTC().Format(layout))
	}
	return s
}

// reportKey adds the passed proof and key checks, and the certificate check
// for a chain, judged at judgedAt. It replaces out.Chain by the certificate
// path (see certPath), the only certificates the trust sources are asked
// about.
func (v *Verifier) reportKey(out *proved, f credentials.Format, now time.Time, rep *Report, who string) {
	alg := f.Alg
	if alg != "" {
		alg = " (" + alg + ")"
	}
	rep.pass(CheckProof, fmt.Sprintf("the %s proof%s verifies", out.Mechanism, alg))
	rep.Signed, rep.Timestamped = out.Signed, out.Timestamped
	rep.IssuerVerified = boundIssuer(out.Verified) != ""
	if len(out.Chain) > 0 {
		rep.SealedBy = certname.Organisation(out.Chain[0].Subject)
	}
	switch {
	case len(out.Chain) > 0:
		rep.pass(CheckKey, fmt.Sprintf("the key of the x5c certificate %q: the %s is trusted by this certificate's path, not by the name the content gives", certname.String(out.Chain[0].Subject), who))
		at, stamped := judgedAt(out.Verified, now)
		path, err := certPath(out.Chain, certpath.Signing)
		ignored := len(out.Chain) - len(path)
		out.Chain = path
		if err != nil {
			// A broken path (a link that does not verify, a constraint
			// broken) is invalid whatever the time: no time-stamp
			// could mend it.
			rep.fail(CheckCertificate, Invalid, ProblemInvalidChain, err.Error())
			break
		}
		if err := checkValidityOf(path, at); err != nil {
			msg := err.Error() + "; it is judged at " + describeAt(out, at, stamped)
			// The signature is good and the path was valid when the
			// signer says it signed, but nothing trusted proves that
			// time: indeterminate (ETSI EN 319 102-1), not invalid.
			if !stamped && !out.Signed.IsZero() && checkValidityOf(path, out.Signed) == nil {
				rep.fail(CheckCertificate, Untrusted, ProblemInvalidChain, msg+"; the path was valid at the signing time the signature claims, but no trusted time-stamp proves it: indeterminate")
				break
			}
			rep.fail(CheckCertificate, Invalid, ProblemInvalidChain, msg)
			break
		}
		msg := fmt.Sprintf("the path of %d certificate(s) from the seal up links by signature, meets its X.509 constraints and is valid at %s", len(path), describeAt(out, at, stamped))
		if stamped {
			msg = fmt.Sprintf("the path of %d certificate(s) from the seal up links by signature, meets its X.509 constraints and was valid at %s", len(path), describeAt(out, at, stamped))
		}
		if ignored > 0 {
			msg += fmt.Sprintf("; %d carried certificate(s) off that path are ignored", ignored)
		}
		rep.pass(CheckCertificate, msg)
	default:
		id := out.KeyID
		if id == "" {
			id = out.Issuer
		}
		rep.pass(CheckKey, fmt.Sprintf("%s is a key of the %s %s", id, who, out.Issuer))
	}
}

// certPath returns the certificate path of a carried chain (x5c, then any
// JAdES xVals): the leaf, then the carried certificate that signed it
// (subject equal to its issuer name, and the signature verifies with a CA's
// key), and so on up to a self-signed certificate or one whose issuer is
// not carried. Certificates off that path, whatever they are, are left out:
// they must not lend their trust to a leaf they did not sign. It is an
// error, with the path found so far, when the issuer a path certificate
// names is carried but did not sign it (certpath.Link says why: another
// key, an algorithm no longer accepted such as SHA-1, an issuer that is
// not a CA), or when the path breaks an X.509 constraint for purpose
// (certpath.Check: basic constraints and path length of every CA, key
// usage and extended key usage, unknown critical extensions). Validity
// periods are not read: that is checkValidityOf's, a question of time.
func certPath(carried []*x509.Certificate, purpose certpath.Purpose) ([]*x509.Certificate, error) {
	path := []*x509.Certificate{carried[0]}
	used := map[*x509.Certificate]bool{carried[0]: true}
	for cur := carried[0]; !bytes.Equal(cur.RawIssuer, cur.RawSubject); {
		var next *x509.Certificate
		var named *x509.Certificate
		for _, up := range carried {
			if used[up] || !bytes.Equal(cur.RawIssuer, up.RawSubject) {
				continue
			}
			named = up
			if cur.CheckSignatureFrom(up) == nil {
				next = up
				break
			}
		}
		if next == nil {
			if named != nil {
				return path, certpath.Link(cur, named)
			}
			break
		}
		path = append(path, next)
		used[next] = true
		cur = next
	}
	return path, certpath.Check(path, purpose)
}

// checkValidityOf checks that every certificate of path was valid at t.
func checkValidityOf(path []*x509.Certificate, t time.Time) error {
	for _, c := range path {
		if t.Before(c.NotBefore) || t.After(c.NotAfter) {
			return fmt.Errorf("certificate %q was not valid at %s (valid from %s to %s)", certname.String(c.Subject), t.UTC().Format(time.RFC3339), c.NotBefore.UTC().Format(time.RFC3339), c.NotAfter.UTC().Format(time.RFC3339))
		}
	}
	return nil
}

// boundIssuer returns the issuer out names when the proof ties it to the
// verifying key, "" otherwise. It is tied when no certificate chain is
// carried (a chain is trusted by its certificates, never by a name its
// signer wrote) and the key was resolved from that identifier: the
// verification method (KeyID) is the issuer itself or one of its fragments.
func boundIssuer(out *credentials.Verified) string {
	if len(out.Chain) > 0 || out.Issuer == "" {
		return ""
	}
	if keyOf(out.KeyID, out.Issuer) {
		return out.Issuer
	}
	return ""
}

// keyOf reports whether the verification method id is the identifier
// issuer or a fragment of it.
func keyOf(id, issuer string) bool {
	if id == "" || strings.ContainsAny(issuer, "#?") {
		return false
	}
	base, _, _ := strings.Cut(id, "#")
	return base == issuer
}

// afterProof runs the checks that follow a verified credential proof.
func (v *Verifier) afterProof(ctx context.Context, out *proved, f credentials.Format, now time.Time, rep *Report) error {
	rep.Issuer, rep.issuerProved = out.Issuer, true
	v.reportKey(out, f, now, rep, "issuer")
	a := v.analyse(out.Document, f.Mechanism)
	c, e := a.c, a.elm
	switch {
	case a.invalid != nil:
		rep.fail(CheckEnvelope, Invalid, ProblemInvalidEnvelope, a.invalid.Error())
	case c == nil:
		rep.fail(CheckEnvelope, Invalid, ProblemMalformed, "the signed content cannot be read: "+a.err.Error())
		return nil
	default:
		rep.pass(CheckEnvelope, c.describe())
	}
	rep.Types = c.types
	rep.subjects = c.subjects
	rep.cnf, rep.cnfKey = c.cnf, c.cnfKey

	// Validity.
	switch {
	case out.timeErr != nil:
		problem := ProblemExpired
		if errors.Is(out.timeErr, credentials.ErrNotYetValid) {
			problem = ProblemNotYetValid
		}
		rep.fail(CheckValidity, Expired, problem, out.timeErr.Error())
	default:
		v.checkValidity(c, now, rep)
	}

	q := TrustQuery{
		Issuer:       boundIssuer(out.Verified),
		KeyID:        out.KeyID,
		Key:          out.Key,
		Chain:        out.Chain,
		Types:        c.types,
		Profile:      profileOfCredential(f.Mechanism, c),
		Schemas:      c.schemas,
		Credential:   out.Document,
		Achievements: e.awarded,
	}
	q.EQFLevel, q.ISCEDFields = e.scope()
	// A seal speaks for the DID its content names when that DID's
	// document lists the seal's key.
	if id := v.sealListedBy(ctx, out.Verified, rep); id != "" {
		q.Issuer, q.KeyID = out.Issuer, id
	}
	// Trust is judged when the signature is known to have existed: at a
	// verified time-stamp, else now. The dates the content claims
	// (validFrom, issuanceDate) and the signing time the proof claims
	// (sigT, iat) are the signer's word: an issuer, or a seal, no longer
	// trusted could otherwise back-date its way into trust.
	q.IssuedAt, _ = judgedAt(out.Verified, now)
	if err := v.checkTrust(ctx, q, rep); err != nil {
		return err
	}
	if e.checked {
		e.report(v.policy.ELM, rep)
	}
	// Status last: it is the one check that goes to the network, so it is
	// made only when its answer can still change the verdict.
	if why := rep.invalidBy(); why != "" {
		rep.skip(CheckStatus, "not checked: the credential is already invalid ("+why+"), so its status cannot change the verdict")
	} else if err := v.checkStatus(ctx, c, signerOf(out.Verified), now, rep); err != nil {
		return err
	}
	rep.Summary = e.summaryOrClaims(c).clone()
	return nil
}

func (v *Verifier) checkValidity(c *credential, now time.Time, rep *Report) {
	skew := time.Duration(v.policy.Skew)
	const layout = time.RFC3339
	switch {
	case !c.from.IsZero() && now.Add(skew).Before(c.from):
		rep.fail(CheckValidity, Expired, ProblemNotYetValid, fmt.Sprintf("not valid before %s (%s); now is %s", c.from.UTC().Format(layout), c.fromName, now.UTC().Format(layout)))
	case !c.until.IsZero() && !now.Add(-skew).Before(c.until):
		rep.fail(CheckValidity, Expired, ProblemExpired, fmt.Sprintf("expired at %s (%s); now is %s", c.until.UTC().Format(layout), c.untilName, now.UTC().Format(layout)))
	default:
		msg := "valid"
		if !c.from.IsZero() {
			msg += " from " + c.from.UTC().Format(layout)
		}
		if !c.until.IsZero() {
			msg += " until " + c.until.UTC().Format(layout)
		} else {
			msg += ", with no end date"
		}
		rep.pass(CheckValidity, msg)
	}
}

func (v *Verifier) checkTrust(ctx context.Context, q TrustQuery, rep *Report) error {
	if len(v.trust) == 0 {
		rep.fail(CheckTrust, Untrusted, ProblemUntrustedIssuer, "no trust source is configured, so no issuer is trusted")
		return nil
	}
	var last *TrustAnswer
	for _, src := range v.trust {
		ans, err := src.Trust(ctx, q)
		if err != nil {
			return fmt.Errorf("verifier: trust source: %w", err)
		}
		if ans == nil {
			continue
		}
		last = ans
		if ans.Trusted {
			rep.Trust = ans
			rep.pass(CheckTrust, ans.Reason)
			return nil
		}
	}
	rep.Trust = last
	switch {
	case last == nil:
		rep.fail(CheckTrust, Untrusted, ProblemUntrustedIssuer, "no trust source knows the issuer")
	case last.Entity != "":
		rep.fail(CheckTrust, Untrusted, ProblemOutOfScope, last.Reason)
	default:
		rep.fail(CheckTrust, Untrusted, ProblemUntrustedIssuer, fmt.Sprintf("%s (%s)", last.Reason, last.Source))
	}
	return nil
}

// jsonTop returns the named top-level members of a JSON object.
func jsonTop(data []byte, names ...string) (map[string]json.RawMessage, error) {
	out := map[string]json.RawMessage{}
	err := jsonx.Members(data, func(name string, value []byte) bool {
		if slices.Contains(names, name) {
			out[name] = value
		}
		return true
	})
	return out, err
}

// stringsOf reads a string or an array of strings.
func stringsOf(raw json.RawMessage) []string {
	raw = bytes.TrimSpace(raw)
	if len(raw) == 0 {
		return nil
	}
	var one string
	if json.Unmarshal(raw, &one) == nil {
		return []string{one}
	}
	var many []string
	if json.Unmarshal(raw, &many) == nil {
		return many
	}
	return nil
}

// sealListedBy reports whether the DID a sealed credential names as its
// issuer vouches for the seal: its DID document lists the seal's key (the
// leaf certificate's public key) under assertionMethod, with the key's RFC
// 7638 thumbprint as fragment, as keys.Store.WebDocument publishes an
// institution's eSeals. It returns that verification method's id, and
// records the binding in rep (IssuerVerified, the key check's message), or
// returns "" (the seal is then trusted by its certificate alone). It costs
// one DID resolution (for did:web a fetch, cached), made only for a
// verified seal naming a DID.
func (v *Verifier) sealListedBy(ctx context.Context, out *credentials.Verified, rep *Report) string {
	if len(out.Chain) == 0 || !strings.HasPrefix(out.Issuer, "did:") || strings.ContainsAny(out.Issuer, "#?") {
		return ""
	}
	leaf := out.Chain[0].PublicKey
	thumb, err := did.Thumbprint(leaf)
	if err != nil {
		return ""
	}
	id := out.Issuer + "#" + thumb
	vm, err := v.keysFor("assertionMethod").ResolveKey(ctx, id)
	if err != nil || vm == nil {
		return ""
	}
	if k, ok := vm.Key.(interface{ Equal(crypto.PublicKey) bool }); !ok || !k.Equal(leaf) {
		return ""
	}
	rep.IssuerVerified = true
	if c := rep.Check(CheckKey); c != nil {
		c.Message += fmt.Sprintf("; the issuer %s lists this seal's key in its DID document (%s, assertionMethod), so the seal speaks for it", out.Issuer, id)
	}
	return id
}
