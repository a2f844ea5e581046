package wallet

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"slices"
	"testing"
	"time"

	testenv "github.com/diplomat-edu/diplomat/internal/oid4vctest"
	"github.com/diplomat-edu/diplomat/openid4vc/dcql"
	"github.com/diplomat-edu/diplomat/openid4vc/vci"
	"github.com/diplomat-edu/diplomat/openid4vc/vp"
)

// flowSplit accumulates where the time of the measured flows went.
type flowSplit struct {
	durations                          []time.Duration
	client, server, issue, verify, str time.Duration
}

// measure runs flow once with every timer at zero, and records its time
// and split.
func (s *flowSplit) measure(b *testing.B, ts *testenv.Timers, w *Wallet, flow func()) {
	ts.Reset()
	if w != nil {
		w.timing.store.Store(0)
	}
	start := time.Now()
	flow()
	s.durations = append(s.durations, time.Since(start))
	s.client += ts.Client.Total()
	s.server += ts.Server.Total()
	s.issue += ts.Issue.Total()
	s.verify += ts.Verify.Total()
	if w != nil {
		s.str += time.Duration(w.timing.store.Load())
	}
}

func median(d []time.Duration) time.Duration {
	d = slices.Clone(d)
	slices.Sort(d)
	return d[len(d)/2]
}

func ms(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }

// report gives the median of the wallet's flows, the floor's (the bare
// protocol client, measured in the same run) and their ratio, and the
// split of the wallet's flows on average: the network (the wallet's HTTP
// round trips less the service's handlers), the service (its handlers:
// issuing or verifying, its store), the wallet's store (bbolt, sealing,
// holder keys) and the wallet's crypto (verifying what it receives,
// re-checking before it sends, signing proofs and presentations, and the
// parsing around them: the rest of its time).
func (s *flowSplit) report(b *testing.B, floor *flowSplit) {
	n := time.Duration(len(s.durations))
	var total time.Duration
	for _, d := range s.durations {
		total += d
	}
	p50, f50 := median(s.durations), median(floor.durations)
	b.ReportMetric(ms(p50), "ms/flow-p50")
	b.ReportMetric(ms(f50), "floor-ms-p50")
	b.ReportMetric(float64(p50)/float64(f50), "x-floor")
	b.ReportMetric(ms((s.client-s.server)/n), "net-ms")
	b.ReportMetric(ms(s.server/n), "service-ms")
	b.ReportMetric(ms(s.str/n), "wallet-store-ms")
	b.ReportMetric(ms((total-s.client-s.str)/n), "wallet-crypto-ms")
}

// BenchmarkReceiveFlow: a whole OpenID4VCI receipt of a dc+sd-jwt
// diploma over loopback HTTPS (offer, metadata, DPoP-bound token, nonce,
// key proof, encrypted credential, the wallet's verification with the
// status lists fetched, storing it sealed, the notification), against the
// floor of the bare protocol client (no verification, nothing stored).
func BenchmarkReceiveFlow(b *testing.B) {
	ts := &testenv.Timers{}
	e := testenv.New(b, testenv.Options{Timers: ts})
	w := newWallet(b, e, walletOptions{opts: Options{HTTP: e.Client}})
	w.timing = &timing{}
	ctx := context.Background()
	dataset := testenv.DiplomaDataset(b)
	newOffer := func() *vci.CreatedOffer {
		return offer(b, e, vci.OfferRequest{Configurations: []string{testenv.ConfigSDJWT}, Dataset: dataset})
	}
	var flows, floor flowSplit
	client := &vci.Client{HTTP: e.Client}
	for b.Loop() {
		o := newOffer()
		flows.measure(b, ts, w, func() { receive(b, w, o, FetchOptions{Unlinkable: true}) })
		o = newOffer()
		floor.measure(b, ts, nil, func() {
			dk, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
			hk, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
			s, err := client.Start(ctx, o.Link, dk)
			if err != nil {
				b.Fatal(err)
			}
			if err := s.PreAuthorized(ctx, ""); err != nil {
				b.Fatal(err)
			}
			if _, err := s.RequestCredential(ctx, vci.CredentialOptions{Holders: []vci.ProofSigner{{Signer: hk}}, Encrypt: true}); err != nil {
				b.Fatal(err)
			}
		})
	}
	flows.report(b, &floor)
}

// BenchmarkPresentFlow: a whole OpenID4VP answer over loopback HTTPS
// (the request object fetched and verified, the DCQL query matched, the
// credential re-checked with its status lists, an SD-JWT presentation of
// the claims asked with a KB-JWT, encrypted direct_post.jwt, the
// verifier's verification), against the floor of the bare protocol wallet
// (the credential held in memory, no re-check, nothing recorded).
func BenchmarkPresentFlow(b *testing.B) {
	ts := &testenv.Timers{}
	e := testenv.New(b, testenv.Options{Timers: ts})
	w := newWallet(b, e, walletOptions{opts: Options{HTTP: e.Client}})
	w.timing = &timing{}
	ctx := context.Background()
	c := receive(b, w, offer(b, e, vci.OfferRequest{Configurations: []string{testenv.ConfigSDJWT}}), FetchOptions{})[0]
	h, err := w.held(c, 0)
	if err != nil {
		b.Fatal(err)
	}
	bare := &vp.Wallet{HTTP: e.Client, Roots: e.Roots}
	q := query(b, sdjwtTitleQuery)
	var flows, floor flowSplit
	for b.Loop() {
		req := request(b, e.RP, sdjwtTitleQuery, vp.RequestOptions{Query: q})
		flows.measure(b, ts, w, func() {
			p, err := w.Prepare(ctx, req.Link, PrepareOptions{})
			if err != nil {
				b.Fatal(err)
			}
			if _, err := p.Send(ctx); err != nil {
				b.Fatal(err)
			}
		})
		req = request(b, e.RP, sdjwtTitleQuery, vp.RequestOptions{Query: q})
		floor.measure(b, ts, nil, func() {
			r, err := bare.FetchRequest(ctx, req.Link)
			if err != nil {
				b.Fatal(err)
			}
			held := []vp.Held{*h}
			sel, err := bare.Select(ctx, r, held)
			if err != nil {
				b.Fatal(err)
			}
			tok, err := bare.Presentations(ctx, r, sel, held)
			if err != nil {
				b.Fatal(err)
			}
			if _, err := bare.Respond(ctx, r, tok); err != nil {
				b.Fatal(err)
			}
		})
	}
	flows.report(b, &floor)
	_ = dcql.FormatSDJWT
}
