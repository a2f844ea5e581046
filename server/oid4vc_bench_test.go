package server

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/diplomat-edu/diplomat/internal/flowtime"
	"github.com/diplomat-edu/diplomat/issuer"
	"github.com/diplomat-edu/diplomat/openid4vc/vci"
	"github.com/diplomat-edu/diplomat/openid4vc/vp"
	"github.com/diplomat-edu/diplomat/templates"
)

// The OpenID4VCI/VP benchmarks of issue 12, against the real service over
// HTTPS on 127.0.0.1:
//
//	uptime; go test ./server -run '^$' -bench 'OpenID4' -benchtime 2000x
//
// (the flows: -benchtime 200x). Give the load average beside the figures.

// BenchmarkOpenID4VCICredentialEndpoint: 16 clients post credential
// requests for dc+sd-jwt diplomas (one key proof each, signed before the
// timer starts, each with its own c_nonce; one access token) to the
// service's POST /credential, which checks the token, the proof and the
// nonce in the bbolt store, issues through the issuer (a credential of
// the register signed again: the offer's record was issued by the first
// request) and answers. It reports creds/s (target ≥ 1,000), cpu-µs/cred
// (the process's CPU per credential, which other load does not inflate),
// and two floors measured in the same run: healthz-req/s (GET /healthz
// through the same middleware and TLS; x-transport is creds/s over it) and
// issue/s (issuer.IssueTo called directly by 16 goroutines; x-issue is
// creds/s over it, so 1 − x-issue is what the protocol and HTTP add).
func BenchmarkOpenID4VCICredentialEndpoint(b *testing.B) {
	o := newOIDEnv(b, false, nil)
	ctx := context.Background()
	off := o.offer(b, map[string]any{"template": "diploma", "record": recordJSON(b, "diploma"), "format": vci.FormatSDJWT})
	s, err := o.client.Start(ctx, off.Link, nil)
	if err != nil {
		b.Fatal(err)
	}
	if err := s.PreAuthorized(ctx, ""); err != nil {
		b.Fatal(err)
	}
	token, _ := s.AccessToken()
	ident := s.CredentialIdentifiers()["diploma_sd_jwt"][0]
	holder := p256Key(b)
	bodies := make([][]byte, b.N)
	for i := range bodies {
		p, err := vci.ProofSigner{Signer: holder}.Proof(o.url, o.nonce(b), "", time.Now())
		if err != nil {
			b.Fatal(err)
		}
		bodies[i], _ = json.Marshal(map[string]any{"credential_identifier": ident, "proofs": map[string]any{"jwt": []string{p}}})
	}
	hc := o.client.HTTP
	post := func(body []byte) int {
		req, _ := http.NewRequest("POST", o.url+"/credential", bytes.NewReader(body))
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("Authorization", "Bearer "+token)
		resp, err := hc.Do(req)
		if err != nil {
			b.Fatal(err)
		}
		_, _ = io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		return resp.StatusCode
	}
	var next atomic.Int64
	b.SetParallelism(8) // 16 clients on 2 cores
	cpu0, t0 := cpuTime(), time.Now()
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			if st := post(bodies[next.Add(1)-1]); st != 200 {
				b.Errorf("credential request: %d", st)
			}
		}
	})
	b.StopTimer()
	elapsed, cpu := time.Since(t0), cpuTime()-cpu0
	rate := float64(b.N) / elapsed.Seconds()

	const floorN = 2000
	healthz := healthzRate(b, o, floorN)

	tm, _ := templates.Builtin("diploma")
	recs, _ := templates.ReadJSON(recordJSON(b, "diploma"), "record")
	direct := float64(floorN/2) / run(16, floorN/2, func(int) error {
		_, err := o.srv.iss.IssueTo(ctx, tm, recs[0], issuer.Profile{Name: issuer.EUDI}, []issuer.Holder{{Key: &holder.PublicKey}})
		return err
	}, b).Seconds()

	b.ReportMetric(rate, "creds/s")
	b.ReportMetric(float64(cpu.Microseconds())/float64(b.N), "cpu-µs/cred")
	b.ReportMetric(healthz, "healthz-req/s")
	b.ReportMetric(rate/healthz, "x-transport")
	b.ReportMetric(direct, "issue/s")
	b.ReportMetric(rate/direct, "x-issue")
}

// BenchmarkOpenID4VCICredentialEndpointNew is the credential endpoint as
// a registrar's offers are collected: every request is another student's
// (its own offer, record, access token, c_nonce and key proof, made before
// the timer starts), so each one renders its diploma, reserves its register
// entry and status index in the store, signs and answers. 16 clients at
// once; creds/s, cpu-µs/cred and the /healthz floor as above.
func BenchmarkOpenID4VCICredentialEndpointNew(b *testing.B) {
	o := newOIDEnv(b, false, nil)
	ctx := context.Background()
	var rec map[string]any
	if err := json.Unmarshal(recordJSON(b, "diploma"), &rec); err != nil {
		b.Fatal(err)
	}
	type call struct{ token, body string }
	calls := make([]call, b.N)
	holder := p256Key(b)
	for i := range calls {
		// Another student each time: another idempotency key, another
		// register entry.
		rec["id"] = fmt.Sprintf("urn:schac:personalUniqueCode:int:esi:fr:bench%08d", i)
		rec["familyName"] = fmt.Sprintf("Dupont-%d", i)
		r, _ := json.Marshal(rec)
		off := o.offer(b, map[string]any{"template": "diploma", "record": json.RawMessage(r), "format": vci.FormatSDJWT})
		s, err := o.client.Start(ctx, off.Link, nil)
		if err != nil {
			b.Fatal(err)
		}
		if err := s.PreAuthorized(ctx, ""); err != nil {
			b.Fatal(err)
		}
		token, _ := s.AccessToken()
		p, err := vci.ProofSigner{Signer: holder}.Proof(o.url, o.nonce(b), "", time.Now())
		if err != nil {
			b.Fatal(err)
		}
		body, _ := json.Marshal(map[string]any{"credential_identifier": s.CredentialIdentifiers()["diploma_sd_jwt"][0], "proofs": map[string]any{"jwt": []string{p}}})
		calls[i] = call{token, string(body)}
	}
	hc := o.client.HTTP
	var next atomic.Int64
	b.SetParallelism(8) // 16 clients on 2 cores
	cpu0, t0 := cpuTime(), time.Now()
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			c := calls[next.Add(1)-1]
			req, _ := http.NewRequest("POST", o.url+"/credential", strings.NewReader(c.body))
			req.Header.Set("Content-Type", "application/json")
			req.Header.Set("Authorization", "Bearer "+c.token)
			resp, err := hc.Do(req)
			if err != nil {
				b.Error(err)
				return
			}
			_, _ = io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
			if resp.StatusCode != 200 {
				b.Errorf("credential request: %d", resp.StatusCode)
			}
		}
	})
	b.StopTimer()
	elapsed, cpu := time.Since(t0), cpuTime()-cpu0
	rate := float64(b.N) / elapsed.Seconds()
	healthz := healthzRate(b, o, 2000)
	b.ReportMetric(rate, "creds/s")
	b.ReportMetric(float64(cpu.Microseconds())/float64(b.N), "cpu-µs/cred")
	b.ReportMetric(healthz, "healthz-req/s")
	b.ReportMetric(rate/healthz, "x-transport")
}

// healthzRate is the floor of the credential endpoint benchmarks, measured
// in the same run: GET /healthz requests per second from 16 clients,
// through the same middleware and TLS, n of them.
func healthzRate(b *testing.B, o *oidEnv, n int) float64 {
	hc := o.client.HTTP
	return float64(n) / run(16, n, func(int) error {
		resp, err := hc.Get(o.url + "/healthz")
		if err != nil {
			return err
		}
		_, _ = io.Copy(io.Discard, resp.Body)
		return resp.Body.Close()
	}, b).Seconds()
}

// timedEnv is an oidEnv whose service and wallet are timed: the wallet's
// HTTP (Client), the handlers (Server), inside them the protocol records
// (Records), the issuer and the verifier, and the wallet's signatures;
// flowtime.Timers.Report says what each figure is.
func timedEnv(b *testing.B, ts *flowtime.Timers) *oidEnv {
	var o *oidEnv
	config := func(*Config) {}
	o = newOIDEnvWith(b, false, config, func(opts *Options) {
		opts.Records = flowtime.TimedRecords{R: NewBoltStorage(opts.Store, time.Now), T: &ts.Records}
		opts.wrapIssue = func(n vci.CredentialIssuer) vci.CredentialIssuer { return flowtime.TimedIssuer{I: n, T: &ts.Issue} }
		opts.wrapVerify = func(n vp.Verifier) vp.Verifier { return flowtime.TimedVerifier{V: n, T: &ts.Verify} }
		opts.wrapHandler = func(h http.Handler) http.Handler {
			return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				defer ts.Server.Since(time.Now())
				h.ServeHTTP(w, r)
			})
		}
	})
	tr := o.client.HTTP.Transport
	o.client.HTTP.Transport = flowtime.TimedTransport{RT: tr, T: &ts.Client}
	// The registrar's POST /offers is timed too.
	o.testEnv.client.Transport = flowtime.TimedTransport{RT: o.testEnv.client.Transport, T: &ts.Client}
	return o
}

// BenchmarkOpenID4VCIPreAuthorizedFlow runs the whole pre-authorized flow
// of one student at a time: the registrar's POST /offers (by reference,
// with a transaction code), the wallet resolving the offer, reading both
// metadata documents, redeeming the code with DPoP, getting a c_nonce and
// its dc+sd-jwt diploma bound to its key, and notifying.
func BenchmarkOpenID4VCIPreAuthorizedFlow(b *testing.B) {
	var ts flowtime.Timers
	o := timedEnv(b, &ts)
	ctx := context.Background()
	rec := recordJSON(b, "diploma")
	durations := make([]time.Duration, 0, b.N)
	b.ResetTimer()
	ts.Reset()
	for range b.N {
		start := time.Now()
		off := o.offer(b, map[string]any{"template": "diploma", "record": rec, "format": vci.FormatSDJWT, "byReference": true, "txCode": true})
		s, err := o.client.Start(ctx, off.Link, flowtime.TimedSigner{Signer: p256Key(b), T: &ts.Sign})
		if err != nil {
			b.Fatal(err)
		}
		if err := s.PreAuthorized(ctx, off.TxCode); err != nil {
			b.Fatal(err)
		}
		got, err := s.RequestCredential(ctx, vci.CredentialOptions{Holders: []vci.ProofSigner{{Signer: flowtime.TimedSigner{Signer: p256Key(b), T: &ts.Sign}}}})
		if err != nil {
			b.Fatal(err)
		}
		if err := s.Notify(ctx, got.NotificationID, vci.EventAccepted, ""); err != nil {
			b.Fatal(err)
		}
		durations = append(durations, time.Since(start))
	}
	b.StopTimer()
	ts.Report(b, durations)
}

// BenchmarkOpenID4VPPresentationFlow runs the whole presentation flow one
// at a time: the verifier makes a request for a diploma's title and the
// family name (dc+sd-jwt, direct_post.jwt), the wallet fetches the signed
// request object, checks it (x509_hash), selects, presents with a KB-JWT,
// encrypts and posts the response, which the service decrypts, verifies
// and checks against the query; then the result is read.
func BenchmarkOpenID4VPPresentationFlow(b *testing.B) {
	var ts flowtime.Timers
	o := timedEnv(b, &ts)
	ctx := context.Background()
	holder := p256Key(b)
	held := o.held(b, vci.FormatSDJWT, holder)
	held[0].Holder = flowtime.TimedSigner{Signer: holder, T: &ts.Sign}
	q := parseQuery(b, sdjwtQuery)
	rp := o.srv.oid.rp
	durations := make([]time.Duration, 0, b.N)
	b.ResetTimer()
	ts.Reset()
	for range b.N {
		start := time.Now()
		// The page's handler makes the request and reads the result; here
		// they are called in-process, and timed as handler work.
		cr, err := rp.CreateRequest(ctx, vp.RequestOptions{Query: q})
		if err != nil {
			b.Fatal(err)
		}
		ts.Server.Since(start)
		ts.Client.Since(start)
		if _, _, _, err := o.answer(b, cr.Link, held); err != nil {
			b.Fatal(err)
		}
		rs := time.Now()
		res, err := rp.Result(ctx, cr.TransactionID, "")
		if err != nil || res.Status != vp.StatusAnswered {
			b.Fatalf("%+v %v", res, err)
		}
		ts.Server.Since(rs)
		ts.Client.Since(rs)
		durations = append(durations, time.Since(start))
	}
	b.StopTimer()
	ts.Report(b, durations)
}
