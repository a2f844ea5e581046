package verifier

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/diplomat-edu/diplomat/credentials"
	"github.com/diplomat-edu/diplomat/credentials/status"
)

// statusList is a verified status list, as cached.
type statusList struct {
	url      string
	issuer   string
	typ      string // BitstringStatusList or StatusList2021
	purposes []string
	bits     *status.Bitstring
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

func (v *Verifier) checkStatus(ctx context.Context, c *credential, issuer string, now time.Time, rep *Report) error {
	if c.tokenStatus {
		v.unavailable(rep, ProblemStatusUnavailable, "the credential has a status claim (IETF Token Status List), which is not supported")
		return nil
	}
	if len(c.status) == 0 {
		rep.skip(CheckStatus, "the credential has no status entry: it cannot be revoked")
		return nil
	}
	for i, raw := range c.status {
		if err := ctx.Err(); err != nil {
			return err
		}
		where := "credentialStatus"
		if len(c.status) > 1 {
			where = fmt.Sprintf("credentialStatus[%d]", i)
		}
		var e statusEntry
		if json.Unmarshal(raw, &e) != nil {
			v.unavailable(rep, ProblemStatusUnavailable, where+" is not an object")
			continue
		}
		if e.Type != "BitstringStatusListEntry" && e.Type != "StatusList2021Entry" {
			v.unavailable(rep, ProblemStatusUnavailable, fmt.Sprintf("%s has type %q, which is not supported (BitstringStatusListEntry, StatusList2021Entry)", where, e.Type))
			continue
		}
		idx, err := parseIndex(e.Index)
		if err != nil || e.List == "" {
			v.unavailable(rep, ProblemStatusUnavailable, fmt.Sprintf("%s has no valid statusListIndex and statusListCredential", where))
			continue
		}
		list, problem, err := v.statusList(ctx, e.List, issuer, now)
		if err != nil {
			if ctx.Err() != nil {
				return ctx.Err()
			}
			v.unavailable(rep, problem, fmt.Sprintf("%s: status list %s: %v", where, e.List, err))
			continue
		}
		if want := listTypeOf[e.Type]; list.typ != want {
			v.unavailable(rep, ProblemStatusListInvalid, fmt.Sprintf("%s: a %s points at status list %s, which is a %s, not a %s", where, e.Type, e.List, list.typ, want))
			continue
		}
		if !slices.Contains(list.purposes, e.Purpose) {
			v.unavailable(rep, ProblemStatusListInvalid, fmt.Sprintf("%s: status list %s is for %s, not %q", where, e.List, strings.Join(list.purposes, ", "), e.Purpose))
			continue
		}
		size := max(e.Size, 1)
		val, err := list.bits.Status(idx, size)
		if err != nil {
			v.unavailable(rep, ProblemStatusListInvalid, fmt.Sprintf("%s: index %d: %v", where, idx, err))
			continue
		}
		at := fmt.Sprintf("(%s, index %d)", e.List, idx)
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
	return nil
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

// statusList returns the verified list at url, from the cache or fetched.
// The problem slug says how it failed.
func (v *Verifier) statusList(ctx context.Context, url, issuer string, now time.Time) (*statusList, string, error) {
	url, _, _ = strings.Cut(url, "#")
	if l, ok := v.lists.get(url); ok {
		if l.issuer != issuer {
			return nil, ProblemStatusListInvalid, fmt.Errorf("issued by %s, not by the credential's issuer %s", l.issuer, issuer)
		}
		return l, "", nil
	}
	if v.fetcher == nil {
		return nil, ProblemStatusUnavailable, fmt.Errorf("not fetched: no fetcher is configured")
	}
	body, err := v.fetcher.Fetch(ctx, url)
	if err != nil {
		return nil, ProblemStatusUnavailable, err
	}
	l, ttl, err := v.readStatusList(ctx, url, body, now)
	if err != nil {
		return nil, ProblemStatusListInvalid, err
	}
	if l.issuer != issuer {
		return nil, ProblemStatusListInvalid, fmt.Errorf("issued by %s, not by the credential's issuer %s", l.issuer, issuer)
	}
	v.lists.put(url, l, ttl)
	return l, "", nil
}

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
	vd, err := m.Verify(ctx, body, v.resolver, v.verifyOptions(now))
	if err != nil {
		return nil, 0, fmt.Errorf("its proof does not verify: %v", err)
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
	l := &statusList{url: url, issuer: vd.Issuer, typ: sub.Type, purposes: stringsOf(sub.Purpose)}
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
