package main

import (
	"fmt"
	"net/http"
	"os"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/diplomat-edu/diplomat/internal/fanout"
	"github.com/diplomat-edu/diplomat/internal/pgtest"
)

// The service's throughput on PostgreSQL, with real "diplomat serve"
// processes on one machine and a PostgreSQL that syncs its commits (fsync
// on, as in production; the tests' cluster turns it off):
//
//	go test ./cmd/diplomat -run '^$' -bench Cluster -benchtime 2000x
//
// Each benchmark measures one node, then two nodes sharing the database,
// in the same run, and reports both rates and their ratio. Both nodes, the
// database and the load generator share the machine's cores: the ratio says
// what a second node costs or gains here, not what a second machine would
// bring (docs/deploy.md).

// benchCluster is a durable PostgreSQL for one benchmark, stopped after it.
func benchCluster(b *testing.B) *pgtest.Cluster {
	b.Helper()
	c, err := pgtest.Start(&pgtest.Options{Durable: true})
	if err != nil {
		pgtest.Require(b, nil)
		b.Fatal(err)
	}
	b.Cleanup(c.Stop)
	return c
}

// drive sends n requests, from clients goroutines, to nodes in turn, and
// returns the rate per second.
func drive(b *testing.B, n, clients int, nodes []*serveNode, req func(node *serveNode, i int) error) float64 {
	b.Helper()
	start := time.Now()
	if err := fanout.Run(n, clients, func(i int) error { return req(nodes[i%len(nodes)], i) }); err != nil {
		b.Fatal(err)
	}
	return float64(n) / time.Since(start).Seconds()
}

// BenchmarkClusterIssue: POST /credentials/issue (a diploma, w3c vc+jwt,
// Ed25519) from 8 clients, through one node, then through two. Beside the
// rates it reports where the processor time of an issuance goes, with two
// nodes: in the nodes, in PostgreSQL and in the load generator (their sum
// against the machine's cores says what bounds the rate).
func BenchmarkClusterIssue(b *testing.B) {
	c := benchCluster(b)
	rates := map[int]float64{}
	var nodeCPU, dbCPU, clientCPU time.Duration
	for _, nodes := range []int{1, 2} {
		url, token := clusterStore(b, c)
		var ns []*serveNode
		for k := 0; k < nodes; k++ {
			ns = append(ns, startNode(b, fmt.Sprint(k), url))
		}
		// Warm each node up: its plan, its connections.
		for k, n := range ns {
			if _, err := issueVia(n, token, diplomaRecord(8, 1_000_000+k)); err != nil {
				b.Fatal(err)
			}
		}
		if nodes == 1 {
			b.ResetTimer()
		}
		var before []time.Duration
		for _, n := range ns {
			before = append(before, procTime(n.cmd.Process.Pid))
		}
		db0, cl0 := c.CPU(), selfCPU()
		rates[nodes] = drive(b, b.N, 8, ns, func(n *serveNode, i int) error {
			got, err := issueVia(n, token, diplomaRecord(8+nodes, i))
			if err == nil && got.code != http.StatusCreated {
				err = fmt.Errorf("issue answered %d", got.code)
			}
			return err
		})
		if nodes == 2 {
			dbCPU, clientCPU = c.CPU()-db0, selfCPU()-cl0
			for k, n := range ns {
				nodeCPU += procTime(n.cmd.Process.Pid) - before[k]
			}
		}
		for _, n := range ns {
			n.stop(b)
		}
	}
	b.StopTimer()
	b.ReportMetric(rates[1], "issues/s-1node")
	b.ReportMetric(rates[2], "issues/s-2nodes")
	b.ReportMetric(rates[2]/rates[1], "2nodes/1node")
	per := func(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 / float64(b.N) }
	b.ReportMetric(per(nodeCPU), "node-cpu-ms/issue")
	b.ReportMetric(per(dbCPU), "db-cpu-ms/issue")
	b.ReportMetric(per(clientCPU), "client-cpu-ms/issue")
}

// procTime is the processor time process pid has used (Linux /proc).
func procTime(pid int) time.Duration {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return 0
	}
	s := string(b)
	f := strings.Fields(s[strings.LastIndexByte(s, ')')+1:])
	if len(f) < 13 {
		return 0
	}
	u, _ := strconv.ParseInt(f[11], 10, 64)
	k, _ := strconv.ParseInt(f[12], 10, 64)
	return time.Duration(u+k) * 10 * time.Millisecond
}

// selfCPU is the processor time of this process: the load generator.
func selfCPU() time.Duration {
	var ru syscall.Rusage
	_ = syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// BenchmarkClusterVerify: POST /credentials/verify of credentials the
// nodes issued (signature, status list served by the node itself, trust,
// ELM checks) from 8 clients, through one node, then two.
func BenchmarkClusterVerify(b *testing.B) {
	c := benchCluster(b)
	url, token := clusterStore(b, c)
	a, bn := startNode(b, "a", url), startNode(b, "b", url)
	var creds []string
	for i := 0; i < 64; i++ {
		got, err := issueVia(a, token, diplomaRecord(7, i))
		if err != nil {
			b.Fatal(err)
		}
		creds = append(creds, got.cred)
	}
	verify := func(n *serveNode, i int) error {
		code, m, err := call("POST", n.url+"/credentials/verify", "", map[string]any{"verifiableCredential": creds[i%len(creds)]})
		if err == nil && (code != 200 || m["verified"] != true) {
			err = fmt.Errorf("verify answered %d: %.200v", code, m)
		}
		return err
	}
	// Warm both nodes' caches (status lists, DID resolution).
	for i := range creds {
		for _, n := range []*serveNode{a, bn} {
			if err := verify(n, i); err != nil {
				b.Fatal(err)
			}
		}
	}
	b.ResetTimer()
	one := drive(b, b.N, 8, []*serveNode{a}, verify)
	two := drive(b, b.N, 8, []*serveNode{a, bn}, verify)
	b.StopTimer()
	b.ReportMetric(one, "verifications/s-1node")
	b.ReportMetric(two, "verifications/s-2nodes")
	b.ReportMetric(two/one, "2nodes/1node")
}
