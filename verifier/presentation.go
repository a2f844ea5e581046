package verifier

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/diplomat-edu/diplomat/credentials"
	"github.com/diplomat-edu/diplomat/credentials/jose"
)

// presentation verifies a presentation (a VP in any format, or an SD-JWT
// with key binding): the holder's proof, the challenge and domain, replay,
// each credential in full, and that the holder is each credential's
// subject.
func (v *Verifier) presentation(ctx context.Context, input []byte, f credentials.Format, m credentials.Mechanism, req Request, now time.Time, rep *Report, depth int) error {
	opts := v.verifyOptions(now)
	opts.Challenge, opts.Domain = req.Challenge, req.Domain
	sdKB := f.Envelope == credentials.EnvelopeCredential // an SD-JWT+KB
	if !sdKB {
		opts.Purpose = "authentication"
	}
	out, err := v.prove(ctx, m, input, opts, rep, "")
	if err != nil || out == nil {
		return err
	}
	if out.challengeErr != nil {
		rep.fail(CheckChallenge, Invalid, ProblemWrongChallenge, "the presentation was not made for this request: "+out.challengeErr.Error())
	} else if req.Challenge != "" || req.Domain != "" {
		rep.pass(CheckChallenge, fmt.Sprintf("made for this request (challenge %q, domain %q)", req.Challenge, req.Domain))
	} else {
		rep.skip(CheckChallenge, "no challenge or domain was expected")
	}
	switch {
	case req.Challenge == "":
		rep.skip(CheckReplay, "no challenge was expected, so replay cannot be told")
	case v.nonces == nil:
		rep.skip(CheckReplay, "no nonce store is configured")
	case out.challengeErr != nil:
		rep.skip(CheckReplay, "the challenge does not match")
	default:
		if err := v.nonces.Use(req.Challenge); err != nil {
			if !errors.Is(err, ErrReplay) {
				return fmt.Errorf("verifier: nonce store: %w", err)
			}
			rep.fail(CheckReplay, Invalid, ProblemReplay, "the presentation was already accepted once: "+err.Error())
		} else {
			rep.pass(CheckReplay, "the challenge is used for the first time")
		}
	}
	if sdKB {
		// The SD-JWT is the credential; its KB-JWT is the holder's proof,
		// which the mechanism checked with the cnf key.
		if out.Details["key_binding"] == "verified" {
			rep.pass(CheckHolder, "the key-binding JWT is signed by the holder key the credential names (cnf)")
		} else {
			rep.fail(CheckHolder, Invalid, ProblemHolderMismatch, "the key-binding JWT was not checked against the holder key the credential names (cnf)")
		}
		return v.afterProof(ctx, out, f, now, rep)
	}

	rep.Issuer, rep.issuerProved = out.Issuer, true
	if out.timeErr != nil {
		rep.fail(CheckValidity, Invalid, ProblemExpired, "the presentation is outside its validity: "+out.timeErr.Error())
	}
	v.reportKey(out, f, now, rep, "holder")
	creds, err := embedded(out.Document)
	if err != nil {
		rep.fail(CheckEnvelope, Invalid, ProblemInvalidEnvelope, err.Error())
		return nil
	}
	if len(creds) == 0 {
		rep.fail(CheckCredentials, Invalid, ProblemCredentialFailed, "the presentation carries no credential")
		return nil
	}
	rep.pass(CheckEnvelope, fmt.Sprintf("a presentation of %d credential(s)", len(creds)))
	holder, _, _ := strings.Cut(out.Issuer, "#")
	presenter := keyThumbprint(out.Key)
	var bad []string
	worst := Verified
	for i, data := range creds {
		sub := &Report{At: now}
		if err := v.verify(ctx, data, Request{}, now, sub, depth+1); err != nil {
			return err
		}
		if sub.Envelope == string(credentials.EnvelopePresentation) {
			sub.fail(CheckFormat, Invalid, ProblemMalformed, "a presentation inside a presentation")
		}
		sub.settle()
		rep.Credentials = append(rep.Credentials, sub)
		if sub.Verdict != Verified {
			bad = append(bad, fmt.Sprintf("credential %d is %s", i+1, sub.Verdict))
			worst = worse(worst, sub.Verdict)
		}
		// Holder binding.
		switch {
		case sub.Check(CheckProof) == nil || sub.Check(CheckProof).Result != Passed:
		case sub.cnf && sub.cnfKey == "":
			rep.fail(CheckHolder, Invalid, ProblemHolderMismatch, fmt.Sprintf("credential %d binds its holder by a cnf that names no key Diplomat reads (cnf.jwk or cnf.jkt)", i+1))
		case sub.cnf && (presenter == "" || sub.cnfKey != presenter):
			rep.fail(CheckHolder, Invalid, ProblemHolderMismatch, fmt.Sprintf("credential %d is bound (cnf) to another key than the one that signed the presentation", i+1))
		case sub.cnf:
			rep.pass(CheckHolder, fmt.Sprintf("the presentation is signed by the key credential %d binds its holder to (cnf)", i+1))
		case slices.Contains(sub.subjects, holder):
			rep.pass(CheckHolder, fmt.Sprintf("the holder %s is the subject of credential %d", holder, i+1))
		case len(sub.subjects) == 0:
			rep.warn(CheckHolder, ProblemNoHolderBinding, fmt.Sprintf("credential %d names no subject, so anyone may present it", i+1))
		default:
			rep.fail(CheckHolder, Invalid, ProblemHolderMismatch, fmt.Sprintf("the holder %s is not the subject of credential %d (%s)", holder, i+1, strings.Join(sub.subjects, ", ")))
		}
	}
	if len(bad) > 0 {
		// The embedded reports carry their own verdicts into settle.
		rep.add(CheckCredentials, Failed, worst, ProblemCredentialFailed, strings.Join(bad, "; "))
	} else {
		rep.pass(CheckCredentials, fmt.Sprintf("all %d credential(s) verified", len(creds)))
	}
	if len(rep.Credentials) > 0 {
		rep.Types = rep.Credentials[0].Types
	}
	return nil
}

// embedded returns the secured credentials a presentation carries: JWTs
// and SD-JWTs as strings, enveloped credentials unwrapped, and JSON-LD
// credentials with their own proofs as they are.
func embedded(doc []byte) ([][]byte, error) {
	m, err := jsonTop(doc, "verifiableCredential")
	if err != nil {
		return nil, fmt.Errorf("the presentation is not a JSON object: %v", err)
	}
	raw := m["verifiableCredential"]
	var list []json.RawMessage
	if len(raw) > 0 && raw[0] == '[' {
		if err := json.Unmarshal(raw, &list); err != nil {
			return nil, fmt.Errorf("verifiableCredential: %v", err)
		}
	} else if len(raw) > 0 {
		list = []json.RawMessage{raw}
	}
	var out [][]byte
	for i, e := range list {
		var s string
		if json.Unmarshal(e, &s) == nil {
			out = append(out, []byte(s))
			continue
		}
		var obj struct {
			ID   string          `json:"id"`
			Type json.RawMessage `json:"type"`
		}
		if json.Unmarshal(e, &obj) != nil {
			return nil, fmt.Errorf("verifiableCredential[%d] is neither a string nor an object", i)
		}
		if slices.Contains(stringsOf(obj.Type), "EnvelopedVerifiableCredential") {
			env, err := jose.ParseEnveloped(obj.ID)
			if err != nil {
				return nil, fmt.Errorf("verifiableCredential[%d]: %v", i, err)
			}
			out = append(out, env.Data)
			continue
		}
		out = append(out, e)
	}
	return out, nil
}
