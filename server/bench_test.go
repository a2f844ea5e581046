package server

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"runtime"
	"slices"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/diplomat-edu/diplomat/internal/fanout"
	"github.com/diplomat-edu/diplomat/internal/reftest"
	"github.com/diplomat-edu/diplomat/issuer"
	"github.com/diplomat-edu/diplomat/verifier"
)

// benchCredentials issues n distinct vc+jwt credentials of the EDC
// micro-credential sample (Sample-MC-Annex1-unsigned.jsonld, 111 KB of
// ELM) as VC 2.0 through the server's issuer: each has its own id, status
// entries and signature, so the verifier's analysis cache (64 entries,
// oldest dropped first) never hits when they are verified in turn.
func benchCredentials(b *testing.B, e *testEnv, n int) [][]byte {
	sample := reftest.Read(b, "elm", "Sample-MC-Annex1-unsigned.jsonld")
	out := make([][]byte, 0, n)
	for i := range n {
		var m map[string]any
		if err := json.Unmarshal(sample, &m); err != nil {
			b.Fatal(err)
		}
		m["@context"] = []any{"https://www.w3.org/ns/credentials/v2", "http://data.europa.eu/snb/model/context/edc-ap"}
		for _, k := range []string{"issuanceDate", "expirationDate", "credentialStatus", "proof", "issued", "validUntil"} {
			delete(m, k)
		}
		m["issuer"].(map[string]any)["id"] = e.webDID
		m["id"] = fmt.Sprintf("urn:uuid:00000000-0000-4000-8000-%012d", i)
		doc, _ := json.Marshal(m)
		out1, err := e.srv.iss.IssueCredential(context.Background(), doc, issuer.Profile{Name: issuer.W3C})
		if err != nil {
			b.Fatal(err)
		}
		out = append(out, out1.Credential)
	}
	return out
}

// BenchmarkVerifyOverHTTP drives POST /credentials/verify over loopback
// with distinct ~100 KB ELM vc+jwt credentials (VC-API
// EnvelopedVerifiableCredential bodies), from 4 clients per core sharing
// the machine with the server, and reports requests/s, the p50 and p99
// latencies, and x-inprocess: the server's throughput over that of calling
// the same verifier's Verify in-process, with as many goroutines, on the
// same credentials in the same run (the target is ≥ 0.75). Every answer
// must be 200 verified.
//
//	go test ./server -run '^$' -bench VerifyOverHTTP -benchtime 4000x
func BenchmarkVerifyOverHTTP(b *testing.B) {
	e := newEnv(b, envOptions{})
	creds := benchCredentials(b, e, 128)
	bodies := make([][]byte, len(creds))
	size := 0
	for i, c := range creds {
		size += len(c)
		bodies[i], _ = json.Marshal(map[string]any{"verifiableCredential": map[string]any{
			"@context": "https://www.w3.org/ns/credentials/v2", "type": "EnvelopedVerifiableCredential",
			"id": "data:application/vc+jwt," + string(c)}})
	}
	clients := 4 * runtime.GOMAXPROCS(0)
	tr := &http.Transport{MaxIdleConnsPerHost: clients, MaxConnsPerHost: clients, DisableCompression: true}
	client := &http.Client{Transport: tr, Timeout: 30 * time.Second}
	defer tr.CloseIdleConnections()
	v := e.srv.verifier.Load()

	// Warm both paths: the status lists and DID document are fetched once.
	for _, c := range creds[:2] {
		if rep, err := v.Verify(context.Background(), c, verifier.Request{}); err != nil || rep.Verdict != verifier.Verified {
			b.Fatalf("in-process: %v %+v", err, rep)
		}
	}

	// In-process: the same verifier, the same credentials, as many
	// goroutines as HTTP clients. The two are measured in alternating
	// rounds, so that both see the same load from whatever else runs on
	// the machine.
	url := e.url + "/credentials/verify"
	var mu sync.Mutex
	var lat []time.Duration
	const rounds = 4
	n := max(b.N, 2*len(creds))
	var inproc, over, inprocCPU, overCPU time.Duration
	b.ResetTimer()
	for r := range rounds {
		lo, hi := r*n/rounds, (r+1)*n/rounds
		c0 := cpuTime()
		inproc += run(clients, hi-lo, func(i int) error {
			rep, err := v.Verify(context.Background(), creds[(lo+i)%len(creds)], verifier.Request{})
			if err == nil && rep.Verdict != verifier.Verified {
				err = fmt.Errorf("verdict %s", rep.Verdict)
			}
			return err
		}, b)
		c1 := cpuTime()
		inprocCPU += c1 - c0
		lo, hi = r*b.N/rounds, (r+1)*b.N/rounds
		over += run(clients, hi-lo, func(i int) error {
			start := time.Now()
			resp, err := client.Post(url, "application/json", bytes.NewReader(bodies[(lo+i)%len(bodies)]))
			if err != nil {
				return err
			}
			_, err = io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
			d := time.Since(start)
			if err == nil && resp.StatusCode != http.StatusOK {
				err = fmt.Errorf("HTTP %d", resp.StatusCode)
			}
			mu.Lock()
			lat = append(lat, d)
			mu.Unlock()
			return err
		}, b)
		overCPU += cpuTime() - c1
	}
	b.StopTimer()
	slices.Sort(lat)
	q := func(p float64) float64 { return float64(lat[int(p*float64(len(lat)-1))].Microseconds()) / 1000 }
	reqs := float64(b.N) / over.Seconds()
	inprocRate := float64(n) / inproc.Seconds()
	b.ReportMetric(reqs, "req/s")
	b.ReportMetric(q(0.50), "p50-ms")
	b.ReportMetric(q(0.99), "p99-ms")
	b.ReportMetric(inprocRate, "inproc-verif/s")
	b.ReportMetric(reqs/inprocRate, "x-inprocess")
	b.ReportMetric(float64(size/len(creds))/1024, "KB/cred")
	// The same ratio in CPU time (server and generator, both in this
	// process): what the HTTP layer costs, whatever else loads the machine.
	b.ReportMetric((inprocCPU.Seconds()/float64(n))/(overCPU.Seconds()/float64(b.N)), "x-inprocess-cpu")
}

// cpuTime is the CPU time (user and system) this process has used.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// run calls f(i) for i in [0, n) from workers goroutines and returns the
// time it took; the first error fails b.
func run(workers, n int, f func(i int) error, b *testing.B) time.Duration {
	start := time.Now()
	if err := fanout.Run(n, workers, f); err != nil {
		b.Fatal(err)
	}
	return time.Since(start)
}
