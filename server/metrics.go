package server

import (
	"net/http"
	"slices"
	"strconv"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/diplomat-edu/diplomat/verifier"
)

// metrics are the service's Prometheus metrics, in a registry of the
// server's own (no global state). Every name starts with diplomat_.
type metrics struct {
	reg          *prometheus.Registry
	requests     *prometheus.CounterVec
	latency      *prometheus.HistogramVec
	issued       *prometheus.CounterVec
	issueTime    *prometheus.HistogramVec
	verified     *prometheus.CounterVec
	verifyTime   *prometheus.HistogramVec
	statusCache  *prometheus.CounterVec
	didCache     *prometheus.CounterVec
	fetches      *prometheus.CounterVec
	batchRows    *prometheus.CounterVec
	batchesNow   *prometheus.GaugeVec
	batchDone    prometheus.Gauge
	batchTotal   prometheus.Gauge
	rateLimited  prometheus.Counter
	authFailures *prometheus.CounterVec
	statusChange *prometheus.CounterVec
	syncs        prometheus.Counter
	oid          *oidMetrics
}

func newMetrics() *metrics {
	buckets := []float64{.001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10}
	m := &metrics{reg: prometheus.NewRegistry()}
	f := func(c prometheus.Collector) { m.reg.MustRegister(c) }
	m.requests = prometheus.NewCounterVec(prometheus.CounterOpts{Name: "diplomat_http_requests_total", Help: "HTTP requests by route, method and status code."}, []string{"route", "method", "code"})
	m.latency = prometheus.NewHistogramVec(prometheus.HistogramOpts{Name: "diplomat_http_request_duration_seconds", Help: "HTTP request latency by route.", Buckets: buckets}, []string{"route"})
	m.issued = prometheus.NewCounterVec(prometheus.CounterOpts{Name: "diplomat_issued_total", Help: "Credentials issued by format (proof) and result (ok, existing, error)."}, []string{"format", "result"})
	m.issueTime = prometheus.NewHistogramVec(prometheus.HistogramOpts{Name: "diplomat_issue_duration_seconds", Help: "Time to issue one credential by format.", Buckets: buckets}, []string{"format"})
	m.verified = prometheus.NewCounterVec(prometheus.CounterOpts{Name: "diplomat_verifications_total", Help: "Verifications by format and result (the verdict)."}, []string{"format", "result"})
	m.verifyTime = prometheus.NewHistogramVec(prometheus.HistogramOpts{Name: "diplomat_verify_duration_seconds", Help: "Time to verify one credential or presentation by format.", Buckets: buckets}, []string{"format"})
	m.statusCache = prometheus.NewCounterVec(prometheus.CounterOpts{Name: "diplomat_status_list_cache_total", Help: "Status list credentials served or read by the verifier from the signed-list cache (hit) or signed anew (miss)."}, []string{"result"})
	m.didCache = prometheus.NewCounterVec(prometheus.CounterOpts{Name: "diplomat_did_document_cache_total", Help: "The service's DID document served from its cache (hit) or built anew (miss)."}, []string{"result"})
	m.fetches = prometheus.NewCounterVec(prometheus.CounterOpts{Name: "diplomat_verifier_fetches_total", Help: "Documents the verifier fetched on a cache miss: from this service itself (self) or the network."}, []string{"source"})
	m.batchRows = prometheus.NewCounterVec(prometheus.CounterOpts{Name: "diplomat_batch_rows_total", Help: "Batch rows by outcome (issued, recovered, skipped, rejected)."}, []string{"outcome"})
	m.batchesNow = prometheus.NewGaugeVec(prometheus.GaugeOpts{Name: "diplomat_batches", Help: "Batches by state."}, []string{"state"})
	m.batchDone = prometheus.NewGauge(prometheus.GaugeOpts{Name: "diplomat_batch_progress_done", Help: "Credentials signed so far by the batches running now."})
	m.batchTotal = prometheus.NewGauge(prometheus.GaugeOpts{Name: "diplomat_batch_progress_total", Help: "Credentials to sign by the batches running now."})
	m.rateLimited = prometheus.NewCounter(prometheus.CounterOpts{Name: "diplomat_rate_limited_total", Help: "Public requests refused by the per-client rate limit."})
	m.authFailures = prometheus.NewCounterVec(prometheus.CounterOpts{Name: "diplomat_auth_failures_total", Help: "Refused API requests by reason (missing, invalid, scope)."}, []string{"reason"})
	m.statusChange = prometheus.NewCounterVec(prometheus.CounterOpts{Name: "diplomat_status_changes_total", Help: "Credential status changes by action."}, []string{"action"})
	m.syncs = prometheus.NewCounter(prometheus.CounterOpts{Name: "diplomat_store_changes_seen_total", Help: "Times this node saw that another node sharing the store changed a status, key or trust entry, and forgot its caches."})
	m.oid = newOIDMetrics(m.reg, buckets)
	for _, c := range []prometheus.Collector{m.syncs, m.requests, m.latency, m.issued, m.issueTime, m.verified, m.verifyTime, m.statusCache,
		m.didCache, m.fetches, m.batchRows, m.batchesNow, m.batchDone, m.batchTotal, m.rateLimited, m.authFailures, m.statusChange,
		collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{Namespace: "diplomat"})} {
		f(c)
	}
	return m
}

// formatLabel bounds the values of the format label to the mechanisms the
// verifier knows: a format read from untrusted input (a JWT's typ) must
// not create series at will.
func formatLabel(f string) string {
	if f == "" {
		return "unknown"
	}
	if slices.Contains(verifier.Mechanisms(), f) {
		return f
	}
	return "other"
}

func (m *metrics) request(route, method string, status int, d time.Duration) {
	m.requests.WithLabelValues(route, method, strconv.Itoa(status)).Inc()
	m.latency.WithLabelValues(route).Observe(d.Seconds())
}

func (m *metrics) handler() http.Handler {
	return promhttp.HandlerFor(m.reg, promhttp.HandlerOpts{})
}
