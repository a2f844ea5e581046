package postgres

import (
	"github.com/prometheus/client_golang/prometheus"
)

// Collectors returns the metrics of the connection pool, read from it at
// each scrape (server.MetricsProvider).
func (db *DB) Collectors() []prometheus.Collector { return []prometheus.Collector{poolCollector{db}} }

type poolCollector struct{ db *DB }

var (
	descConns = prometheus.NewDesc("diplomat_db_pool_connections",
		"Connections of the database pool by state: acquired (in use), idle, constructing.", []string{"state"}, nil)
	descMax = prometheus.NewDesc("diplomat_db_pool_max_connections",
		"The largest number of connections the pool opens (database.maxConns).", nil, nil)
	descAcquires = prometheus.NewDesc("diplomat_db_pool_acquires_total",
		"Connections acquired from the pool.", nil, nil)
	descWaited = prometheus.NewDesc("diplomat_db_pool_acquires_waited_total",
		"Acquisitions that waited because every connection was in use: a sign the pool is too small.", nil, nil)
	descCanceled = prometheus.NewDesc("diplomat_db_pool_acquires_canceled_total",
		"Acquisitions given up (the request's context ended) while waiting for a connection.", nil, nil)
	descWait = prometheus.NewDesc("diplomat_db_pool_acquire_seconds_total",
		"Total time spent acquiring connections.", nil, nil)
)

func (poolCollector) Describe(ch chan<- *prometheus.Desc) {
	for _, d := range []*prometheus.Desc{descConns, descMax, descAcquires, descWaited, descCanceled, descWait} {
		ch <- d
	}
}

func (c poolCollector) Collect(ch chan<- prometheus.Metric) {
	st := c.db.pool.Stat()
	ch <- prometheus.MustNewConstMetric(descConns, prometheus.GaugeValue, float64(st.AcquiredConns()), "acquired")
	ch <- prometheus.MustNewConstMetric(descConns, prometheus.GaugeValue, float64(st.IdleConns()), "idle")
	ch <- prometheus.MustNewConstMetric(descConns, prometheus.GaugeValue, float64(st.ConstructingConns()), "constructing")
	ch <- prometheus.MustNewConstMetric(descMax, prometheus.GaugeValue, float64(st.MaxConns()))
	ch <- prometheus.MustNewConstMetric(descAcquires, prometheus.CounterValue, float64(st.AcquireCount()))
	ch <- prometheus.MustNewConstMetric(descWaited, prometheus.CounterValue, float64(st.EmptyAcquireCount()))
	ch <- prometheus.MustNewConstMetric(descCanceled, prometheus.CounterValue, float64(st.CanceledAcquireCount()))
	ch <- prometheus.MustNewConstMetric(descWait, prometheus.CounterValue, st.AcquireDuration().Seconds())
}
