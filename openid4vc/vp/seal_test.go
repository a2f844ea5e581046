package vp_test

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"sync"
	"testing"

	testenv "github.com/diplomat-edu/diplomat/internal/oid4vctest"
	"github.com/diplomat-edu/diplomat/openid4vc"
	"github.com/diplomat-edu/diplomat/openid4vc/vp"
)

// recordingSealer is a ProcessSealer that keeps what it was given to seal,
// so that the test can look for it in the store.
type recordingSealer struct {
	*openid4vc.ProcessSealer
	mu     sync.Mutex
	sealed [][]byte
}

func (r *recordingSealer) SealData(ad, pt []byte) ([]byte, error) {
	r.mu.Lock()
	r.sealed = append(r.sealed, bytes.Clone(pt))
	r.mu.Unlock()
	return r.ProcessSealer.SealData(ad, pt)
}

func TestResponseKeyIsSealedInTheStore(t *testing.T) {
	e := testenv.New(t, testenv.Options{})
	ctx := context.Background()
	ps, err := openid4vc.NewProcessSealer()
	if err != nil {
		t.Fatal(err)
	}
	rec := &recordingSealer{ProcessSealer: ps}
	newRP := func(s openid4vc.Sealer) *vp.RelyingParty {
		rp, err := vp.New(vp.Options{Prefix: vp.PrefixX509Hash, Signer: e.VerifierKey, Chain: e.VerifierChain,
			ResponseURI: e.URL + "/vp/response", RequestURIBase: e.URL + "/vp/request/", Records: e.Records, Verify: e.Verifier, Sealer: s})
		if err != nil {
			t.Fatal(err)
		}
		return rp
	}
	nodeA, nodeB := newRP(rec), newRP(ps) // two nodes sharing the records and the sealing key
	cr, err := nodeA.CreateRequest(ctx, vp.RequestOptions{Query: query(t, sdjwtQuery), ResponseMode: vp.ModeDirectPostJWT})
	if err != nil {
		t.Fatal(err)
	}
	if len(rec.sealed) != 1 || len(rec.sealed[0]) != 32 {
		t.Fatalf("sealed %d values, want the one 32-byte scalar", len(rec.sealed))
	}
	d := rec.sealed[0]
	stored, err := e.Records.Get(ctx, openid4vc.KindVPRequest, openid4vc.Key(cr.State))
	if err != nil {
		t.Fatal(err)
	}
	for name, form := range map[string][]byte{"raw": d, "base64": []byte(base64.StdEncoding.EncodeToString(d)),
		"base64url": []byte(base64.RawURLEncoding.EncodeToString(d)), "hex": []byte(hex.EncodeToString(d))} {
		if bytes.Contains(stored.Value, form) {
			t.Fatalf("the stored request holds the response key's scalar (%s) in plaintext", name)
		}
	}
	if bytes.Contains(stored.Value, []byte(`"encD"`)) || !bytes.Contains(stored.Value, []byte(`"encSealed"`)) {
		t.Fatalf("the stored request does not hold the key sealed: %s", stored.Value)
	}
	// Another node with the same sealing key serves the request object;
	// one with the records alone cannot open the key.
	if _, err := nodeB.RequestObject(ctx, cr.State, "GET", ""); err != nil {
		t.Fatalf("a node sharing the sealing key: %v", err)
	}
	stranger := newRP(nil)
	if _, err := stranger.RequestObject(ctx, cr.State, "GET", ""); err == nil {
		t.Fatal("a relying party without the sealing key opened the response key")
	}
}

// A request stored by a version before the Sealer (its key in plaintext,
// encD) is still answered during a rolling upgrade.
func TestRequestWithAPlainKeyFromAnEarlierVersionIsRead(t *testing.T) {
	e := testenv.New(t, testenv.Options{})
	ctx := context.Background()
	ps, _ := openid4vc.NewProcessSealer()
	rec := &recordingSealer{ProcessSealer: ps}
	rp, err := vp.New(vp.Options{Prefix: vp.PrefixX509Hash, Signer: e.VerifierKey, Chain: e.VerifierChain,
		ResponseURI: e.URL + "/vp/response", RequestURIBase: e.URL + "/vp/request/", Records: e.Records, Verify: e.Verifier, Sealer: rec})
	if err != nil {
		t.Fatal(err)
	}
	cr, err := rp.CreateRequest(ctx, vp.RequestOptions{Query: query(t, sdjwtQuery), ResponseMode: vp.ModeDirectPostJWT})
	if err != nil {
		t.Fatal(err)
	}
	err = e.Records.Update(ctx, openid4vc.KindVPRequest, openid4vc.Key(cr.State), func(r openid4vc.Record) (*openid4vc.Record, error) {
		var m map[string]any
		if err := json.Unmarshal(r.Value, &m); err != nil {
			return nil, err
		}
		delete(m, "encSealed")
		m["encD"] = rec.sealed[0]
		b, _ := json.Marshal(m)
		return &openid4vc.Record{Value: b, Expires: r.Expires}, nil
	})
	if err != nil {
		t.Fatal(err)
	}
	stranger, err := vp.New(vp.Options{Prefix: vp.PrefixX509Hash, Signer: e.VerifierKey, Chain: e.VerifierChain,
		ResponseURI: e.URL + "/vp/response", RequestURIBase: e.URL + "/vp/request/", Records: e.Records, Verify: e.Verifier})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := stranger.RequestObject(ctx, cr.State, "GET", ""); err != nil {
		t.Fatalf("a request with the key in plaintext: %v", err)
	}
}
