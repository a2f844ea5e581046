package vci_test

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	testenv "github.com/diplomat-edu/diplomat/internal/oid4vctest"
	"github.com/diplomat-edu/diplomat/issuer"
	"github.com/diplomat-edu/diplomat/openid4vc/vci"
	"github.com/diplomat-edu/diplomat/templates"
)

func cpuTime() time.Duration {
	var ru syscall.Rusage
	syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// BenchmarkCredentialEndpoint measures the credential endpoint for dc+sd-jwt
// diplomas over loopback HTTPS: 16 clients post credential requests (one
// key proof each, a fresh c_nonce each, one bearer token) to the real
// endpoint, which checks the token, the proof and the nonce, issues through
// the real issuer (template, register entry in the bbolt store, SD-JWT
// signature with the store's Ed25519 key) and answers. The proofs are
// signed before the timer starts (they are the wallets' work). It reports:
//
//   - creds/s: credentials issued per second (issue 12's target: ≥ 1,000);
//   - cpu-µs/cred: the process's CPU time per credential, which other load
//     on the machine does not inflate;
//   - noop-req/s and x-loopback: the floor of the transport, 16 clients
//     posting the same body to a handler that does nothing, on the same
//     server; x-loopback is creds/s over it;
//   - issue/s and x-issue: the floor of issuance, issuer.IssueTo called
//     directly by 16 goroutines; x-issue is creds/s over it, so 1 − x-issue
//     is the share the protocol adds.
func BenchmarkCredentialEndpoint(b *testing.B) {
	e := testenv.New(b, testenv.Options{})
	is := getTokenB(b, e)
	proofs := make([][]byte, b.N)
	holder := p256(b)
	for i := range proofs {
		n, err := e.VCI.Nonce(context.Background())
		if err != nil {
			b.Fatal(err)
		}
		p, err := vci.ProofSigner{Signer: holder}.Proof(e.URL, n, "", time.Now())
		if err != nil {
			b.Fatal(err)
		}
		proofs[i], _ = json.Marshal(map[string]any{"credential_identifier": is.identifier, "proofs": map[string]any{"jwt": []string{p}}})
	}
	e.Mux.HandleFunc("POST /bench/noop", func(w http.ResponseWriter, r *http.Request) { io.Copy(io.Discard, r.Body); w.Write([]byte(`{}`)) })
	var next atomic.Int64
	post := func(path string, body []byte) *http.Response {
		req, _ := http.NewRequest("POST", e.URL+path, bytes.NewReader(body))
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("Authorization", "Bearer "+is.token)
		resp, err := e.Client.Do(req)
		if err != nil {
			b.Fatal(err)
		}
		io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		return resp
	}
	b.SetParallelism(8) // 16 clients on 2 cores
	cpu0, t0 := cpuTime(), time.Now()
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			i := next.Add(1) - 1
			if resp := post("/credential", proofs[i]); resp.StatusCode != 200 {
				b.Fatalf("credential request: %d", resp.StatusCode)
			}
		}
	})
	b.StopTimer()
	elapsed, cpu := time.Since(t0), cpuTime()-cpu0
	rate := float64(b.N) / elapsed.Seconds()

	// The transport floor.
	const floorN = 2000
	var left atomic.Int64
	left.Store(floorN)
	t1 := time.Now()
	parallel(16, func() bool {
		if left.Add(-1) < 0 {
			return false
		}
		post("/bench/noop", proofs[0])
		return true
	})
	noop := floorN / time.Since(t1).Seconds()

	// The issuance floor.
	tm, _ := templates.Builtin("diploma")
	rec, _ := tm.Example()
	left.Store(floorN / 2)
	t2 := time.Now()
	parallel(16, func() bool {
		if left.Add(-1) < 0 {
			return false
		}
		if _, err := e.Issuer.IssueTo(context.Background(), tm, rec, issuer.Profile{Name: issuer.EUDI}, []issuer.Holder{{Key: &holder.PublicKey}}); err != nil {
			b.Fatal(err)
		}
		return true
	})
	direct := float64(floorN/2) / time.Since(t2).Seconds()

	b.ReportMetric(rate, "creds/s")
	b.ReportMetric(float64(cpu.Microseconds())/float64(b.N), "cpu-µs/cred")
	b.ReportMetric(noop, "noop-req/s")
	b.ReportMetric(rate/noop, "x-loopback")
	b.ReportMetric(direct, "issue/s")
	b.ReportMetric(rate/direct, "x-issue")
}

func parallel(n int, f func() bool) {
	done := make(chan struct{})
	for i := 0; i < n; i++ {
		go func() {
			for f() {
			}
			done <- struct{}{}
		}()
	}
	for i := 0; i < n; i++ {
		<-done
	}
}

func getTokenB(b *testing.B, e *testenv.Env) issued {
	b.Helper()
	o, err := e.VCI.CreateOffer(context.Background(), vci.OfferRequest{Configurations: []string{testenv.ConfigSDJWT}, Dataset: testenv.DiplomaDataset(b)})
	if err != nil {
		b.Fatal(err)
	}
	client, _ := e.Wallet()
	s, err := client.Start(context.Background(), o.Link, nil)
	if err != nil {
		b.Fatal(err)
	}
	if err := s.PreAuthorized(context.Background(), ""); err != nil {
		b.Fatal(err)
	}
	tok, _ := s.AccessToken()
	return issued{token: tok, identifier: s.CredentialIdentifiers()[testenv.ConfigSDJWT][0]}
}

// BenchmarkPreAuthorizedFlow runs the whole pre-authorized flow of one
// student, one flow at a time, over loopback HTTPS: the registrar creates
// the offer (by reference, with a transaction code), the wallet resolves
// it, reads the issuer and authorization server metadata, redeems the code
// with a DPoP proof, gets a c_nonce and the dc+sd-jwt diploma bound to its
// key. It reports the median flow (ms/flow-p50) and, per flow on average,
// where the time went: net-ms (HTTP on loopback: the client's round trips
// less the handlers' time), store-ms (the protocol records), issue-ms (the
// issuer: template, register, signature), sign-ms (the wallet's DPoP and
// key proof signatures), server-ms (the rest of the handlers: parsing,
// DPoP and proof verification, JSON). ns/op is the mean flow.
func BenchmarkPreAuthorizedFlow(b *testing.B) {
	var ts testenv.Timers
	e := testenv.New(b, testenv.Options{Timers: &ts})
	client, _ := e.Wallet()
	ctx := context.Background()
	dataset := testenv.DiplomaDataset(b)
	durations := make([]time.Duration, 0, b.N)
	b.ResetTimer()
	ts.Reset()
	for i := 0; i < b.N; i++ {
		start := time.Now()
		o, err := e.VCI.CreateOffer(ctx, vci.OfferRequest{Configurations: []string{testenv.ConfigSDJWT}, Dataset: dataset,
			ByReference: true, TxCode: &vci.TxCodeRequest{}})
		if err != nil {
			b.Fatal(err)
		}
		dpop := testenv.TimedSigner{Signer: p256(b), T: &ts.Sign}
		s, err := client.Start(ctx, o.Link, dpop)
		if err != nil {
			b.Fatal(err)
		}
		if err := s.PreAuthorized(ctx, o.TxCode); err != nil {
			b.Fatal(err)
		}
		holder := testenv.TimedSigner{Signer: p256(b), T: &ts.Sign}
		if _, err := s.RequestCredential(ctx, vci.CredentialOptions{Holders: []vci.ProofSigner{{Signer: holder}}}); err != nil {
			b.Fatal(err)
		}
		durations = append(durations, time.Since(start))
	}
	b.StopTimer()
	ts.Report(b, durations)
}
