package vp_test

import (
	"context"
	"testing"
	"time"

	testenv "github.com/diplomat-edu/diplomat/internal/oid4vctest"
	"github.com/diplomat-edu/diplomat/openid4vc/dcql"
	"github.com/diplomat-edu/diplomat/openid4vc/vp"
)

// BenchmarkPresentationFlow runs the whole presentation flow, one at a
// time, over loopback HTTPS, as HAIP has it: the verifier creates a request
// (x509_hash, request_uri, direct_post.jwt, same-device with a
// response_code), the wallet fetches and checks the signed request object,
// selects the dc+sd-jwt diploma and the claims asked, presents them with a
// KB-JWT, encrypts the response to the request's key and posts it; the
// verifier decrypts, verifies (the verifier library: signature, key
// binding, status list over HTTPS, trust, ELM) and checks the query; the
// frontend reads the result with the response_code. It reports the median
// flow (ms/flow-p50) and per flow on average: net-ms (HTTP on loopback,
// status list fetch included), store-ms (protocol records), verify-ms (the
// verifier library), sign-ms (the wallet's KB-JWT), server-ms (the rest of
// the verifier's handlers: request object signing, decryption, parsing).
func BenchmarkPresentationFlow(b *testing.B) {
	var ts testenv.Timers
	e := testenv.New(b, testenv.Options{Timers: &ts})
	ctx := context.Background()
	_, wallet := e.Wallet()
	holder := testenv.TimedSigner{Signer: p256(b), T: &ts.Sign}
	raw := receive(b, e, testenv.ConfigSDJWT, holder.Signer)
	held := []vp.Held{{Format: dcql.FormatSDJWT, Raw: raw, Holder: holder}}
	q := query(b, sdjwtQuery)
	durations := make([]time.Duration, 0, b.N)
	b.ResetTimer()
	ts.Reset()
	for i := 0; i < b.N; i++ {
		start := time.Now()
		cr, err := e.RP.CreateRequest(ctx, vp.RequestOptions{Query: q, RedirectURI: e.URL + "/done"})
		if err != nil {
			b.Fatal(err)
		}
		_, _, ack, err := present(b, wallet, cr.Link, held)
		if err != nil {
			b.Fatal(err)
		}
		res, err := e.RP.Result(ctx, cr.TransactionID, testenv.RedirectParams(ack.RedirectURI).Get("response_code"))
		if err != nil || res.Status != vp.StatusAnswered {
			b.Fatalf("%+v %v", res, err)
		}
		durations = append(durations, time.Since(start))
	}
	b.StopTimer()
	ts.Report(b, durations)
}
