package wallet

import (
	"context"
	"crypto"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/diplomat-edu/diplomat/credentials"
	"github.com/diplomat-edu/diplomat/credentials/sdjwt"
	"github.com/diplomat-edu/diplomat/internal/jsonx"
	"github.com/diplomat-edu/diplomat/openid4vc/dcql"
	"github.com/diplomat-edu/diplomat/openid4vc/vci"
	"github.com/diplomat-edu/diplomat/verifier"
)

// ErrUntrusted is wrapped by a *RefusedError for an authentic credential
// whose issuer no trust source of the wallet knows: it is stored only when
// the student accepts it anyway.
var ErrUntrusted = errors.New("no trust source of the wallet knows the issuer")

// RefusedError says why a credential was not stored, or not presented:
// its verdict, and the check that decided it.
type RefusedError struct {
	// Title and Issuer name the credential as it says (unverified when the
	// verdict is invalid).
	Title, Issuer string
	// Report is the verifier's report.
	Report *verifier.Report
	// Doing is what was refused: "stored" or "sent".
	Doing string
}

func (e *RefusedError) Error() string {
	what := "the credential"
	if e.Title != "" {
		what += " " + quote(e.Title)
	}
	if e.Issuer != "" {
		what += " from " + e.Issuer
	}
	v := e.Report.Verdict
	reason := firstFailure(e.Report)
	switch v {
	case verifier.Untrusted:
		return fmt.Sprintf("%s is authentic, but no trust source of this wallet knows its issuer; it was not %s", what, e.Doing)
	case verifier.Revoked, verifier.Suspended, verifier.Expired:
		return fmt.Sprintf("%s is %s (%s); nothing was %s", what, v, reason, e.Doing)
	}
	return fmt.Sprintf("%s does not verify (%s); nothing was %s", what, reason, e.Doing)
}

// Unwrap returns ErrUntrusted for an untrusted verdict.
func (e *RefusedError) Unwrap() error {
	if e.Report.Verdict == verifier.Untrusted {
		return ErrUntrusted
	}
	return nil
}

func firstFailure(rep *verifier.Report) string {
	for _, c := range rep.Checks {
		if c.Result == verifier.Failed {
			return c.Message
		}
	}
	for _, sub := range rep.Credentials {
		if m := firstFailure(sub); m != "" {
			return m
		}
	}
	return string(rep.Verdict)
}

func quote(s string) string { return "\u201c" + s + "\u201d" }

// formatOf returns the format identifier of a credential: dc+sd-jwt,
// jwt_vc_json, ldp_vc, or the securing mechanism Detect names (vc+jwt,
// jades, …). A presentation, or input that is no credential, is an error.
func formatOf(raw []byte) (string, error) {
	f, err := credentials.Detect(raw)
	if err != nil {
		return "", err
	}
	if f.Envelope != credentials.EnvelopeCredential {
		return "", fmt.Errorf("this is a %s, not a credential", f.Envelope)
	}
	switch {
	case f.Serialization == credentials.SerializationSDJWT && f.KeyBinding:
		return "", errors.New("this SD-JWT carries a key-binding JWT: it is a presentation someone made, not a credential to keep")
	case f.Mechanism == sdjwt.TypSDJWTVC || f.Mechanism == "vc+sd-jwt":
		return dcql.FormatSDJWT, nil
	case f.Mechanism == dcql.FormatJWTVC:
		return dcql.FormatJWTVC, nil
	case f.Serialization == credentials.SerializationJSONLD && !f.Enveloped && f.Mechanism != "":
		return dcql.FormatLDPVC, nil
	case f.Mechanism == "":
		return "", errors.New("the credential has no proof: anyone could have written it")
	}
	return f.Mechanism, nil
}

// assess verifies raw and records in c what the report says: format,
// title, types, issuer, trust and status.
func (w *Wallet) assess(ctx context.Context, c *Credential, raw []byte) (*verifier.Report, error) {
	rep, err := w.verifier.Verify(ctx, raw, verifier.Request{})
	if err != nil {
		return nil, err
	}
	c.Types = rep.Types
	if rep.Summary != nil && rep.Summary.Title != "" {
		c.Title = rep.Summary.Title
	} else if c.Title == "" {
		c.Title = typeTitle(rep.Types)
	}
	c.Issuer = rep.Issuer
	if rep.Trust != nil && rep.Trust.Trusted {
		c.Trusted, c.TrustSource, c.IssuerName = true, rep.Trust.Source, rep.Trust.Entity
	} else {
		c.Trusted, c.TrustSource = false, ""
	}
	if c.IssuerName == "" {
		c.IssuerName = rep.SealedBy
	}
	if c.IssuerName == "" && rep.Summary != nil {
		c.IssuerName = rep.Summary.AwardingBody
	}
	c.Status = Status{Verdict: rep.Verdict, Checked: rep.At}
	if rep.Verdict != verifier.Verified {
		c.Status.Reason = firstFailure(rep)
	}
	return rep, nil
}

// typeTitle names a credential by its most specific type.
func typeTitle(types []string) string {
	for i := len(types) - 1; i >= 0; i-- {
		if t := types[i]; t != "VerifiableCredential" && t != "VerifiableAttestation" {
			return t
		}
	}
	return "credential"
}

// refused returns a *RefusedError when rep does not let the credential be
// stored (accept: an untrusted issuer is accepted) or sent.
func refused(c *Credential, rep *verifier.Report, accept bool, doing string) error {
	switch rep.Verdict {
	case verifier.Verified:
		return nil
	case verifier.Untrusted:
		if accept {
			return nil
		}
	}
	issuer := c.IssuerName
	if issuer == "" {
		issuer = c.Issuer
	}
	return &RefusedError{Title: c.Title, Issuer: issuer, Report: rep, Doing: doing}
}

// binding reads whom a credential is bound to: the SD-JWT's cnf key, or
// the DIDs of its subjects (and sub of a jwt_vc_json).
func binding(format string, raw []byte) (dids []string, cnf crypto.PublicKey, err error) {
	switch format {
	case dcql.FormatSDJWT:
		sd, err := sdjwt.Parse(strings.TrimSpace(string(raw)))
		if err != nil {
			return nil, nil, err
		}
		k, err := sd.HolderKey()
		return nil, k, err
	case dcql.FormatJWTVC:
		claims, err := vci.ClaimsOfJWT(strings.TrimSpace(string(raw)))
		if err != nil {
			return nil, nil, err
		}
		var sub string
		_ = json.Unmarshal(claims["sub"], &sub)
		if sub != "" {
			dids = append(dids, sub)
		}
		return append(dids, subjectIDs(claims["vc"])...), nil, nil
	case dcql.FormatLDPVC:
		return subjectIDs(raw), nil, nil
	}
	return nil, nil, nil
}

// subjectIDs returns the ids of a VC's credentialSubject (one or a list).
func subjectIDs(vc []byte) []string {
	var doc struct {
		Subject json.RawMessage `json:"credentialSubject"`
	}
	if jsonx.Decode(vc, &doc, jsonx.Limits{}) != nil {
		return nil
	}
	var one struct {
		ID string `json:"id"`
	}
	var many []struct {
		ID string `json:"id"`
	}
	var out []string
	if json.Unmarshal(doc.Subject, &one) == nil && one.ID != "" {
		out = append(out, one.ID)
	} else if json.Unmarshal(doc.Subject, &many) == nil {
		for _, s := range many {
			if s.ID != "" {
				out = append(out, s.ID)
			}
		}
	}
	return out
}

// boundTo checks that a received credential is bound to the holder key it
// was asked for with: an issuer that bound it to another key would give
// the student a credential they cannot present.
func boundTo(format string, raw []byte, h *holder) error {
	dids, cnf, err := binding(format, raw)
	if err != nil {
		return err
	}
	if cnf != nil {
		if eq, ok := cnf.(interface{ Equal(crypto.PublicKey) bool }); ok && eq.Equal(h.signer.Public()) {
			return nil
		}
		return errors.New("the issuer bound the credential (cnf) to a key that is not the one this wallet proved: it could not be presented")
	}
	want, _, _ := strings.Cut(h.kid, "#")
	if slices.Contains(dids, want) {
		return nil
	}
	if len(dids) == 0 {
		return errors.New("the credential names no holder (no cnf key, no subject DID): it could not be presented with proof of possession")
	}
	return fmt.Errorf("the credential's subject is %s, not this wallet's key %s: it could not be presented", clip(dids[0]), clip(want))
}
