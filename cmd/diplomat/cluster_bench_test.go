package main

import (
	"fmt"
	"net/http"
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
// Ed25519) from 8 clients, through one node, then through two.
func BenchmarkClusterIssue(b *testing.B) {
	c := benchCluster(b)
	rates := map[int]float64{}
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
		rates[nodes] = drive(b, b.N, 8, ns, func(n *serveNode, i int) error {
			got, err := issueVia(n, token, diplomaRecord(8+nodes, i))
			if err == nil && got.code != http.StatusCreated {
				err = fmt.Errorf("issue answered %d", got.code)
			}
			return err
		})
		for _, n := range ns {
			n.stop(b)
		}
	}
	b.StopTimer()
	b.ReportMetric(rates[1], "issues/s-1node")
	b.ReportMetric(rates[2], "issues/s-2nodes")
	b.ReportMetric(rates[2]/rates[1], "2nodes/1node")
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
