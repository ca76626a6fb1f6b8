// Package metrics holds the collector's Prometheus metrics and serves them
// in the text exposition format (GET /metrics; the names are listed in cloud/README.md "The API").
//
// It owns its own registry rather than Prometheus's global one, so two
// collectors in one process (tests, the benchmarks) never count into each
// other's numbers and nothing a library registers globally leaks in.
// Ingest and the API report into a *Metrics through small methods; neither
// imports client_golang itself.
package metrics

import (
	"net/http"
	"sync/atomic"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"
)

// Bucket boundaries, in the units of each histogram.
var (
	// lagBuckets span a live entry's normal path (milliseconds through the
	// broker and a batch) up to the minutes a unit's uplink may stall
	// before its entries count as a backlog instead.
	lagBuckets = []float64{.005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10, 30, 60, 120, 300}
	// batchSecondsBuckets span one SQLite transaction of a few entries
	// (sub-millisecond) to a disk stalled behind busy_timeout (5 s).
	batchSecondsBuckets = []float64{.0005, .001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10}
	// batchEntriesBuckets are powers of two up to ingest's maxBatch (4,096).
	batchEntriesBuckets = prometheus.ExponentialBuckets(1, 2, 13)
)

// Metrics is the collector's registry and the metrics in it. Its methods
// are safe for concurrent use.
type Metrics struct {
	reg *prometheus.Registry

	entries, duplicates, rejected   prometheus.Counter
	deadLetters                     prometheus.Counter
	lag, batchSeconds, batchEntries prometheus.Histogram

	// The gauges read the store when scraped, through callbacks set once
	// the store is open; until then they read 0.
	unitsOnline, alertsOpen atomic.Pointer[func() float64]
	// brokerDropped reads the embedded broker's count; unset (0) with an
	// external broker, which has metrics of its own.
	brokerDropped atomic.Pointer[func() float64]
}

// New makes a registry holding the Kakou metrics and the Go runtime and
// process collectors.
func New() *Metrics {
	m := &Metrics{reg: prometheus.NewRegistry()}
	m.entries = prometheus.NewCounter(prometheus.CounterOpts{Name: "kakou_ingest_entries_total",
		Help: "Entries ingest stored or found already stored (re-sends included)."})
	m.duplicates = prometheus.NewCounter(prometheus.CounterOpts{Name: "kakou_ingest_duplicates_total",
		Help: "Entries that were already stored: a unit re-sent them after a lost acknowledgement."})
	m.rejected = prometheus.NewCounter(prometheus.CounterOpts{Name: "kakou_ingest_rejected_total",
		Help: "Messages dropped as malformed, of an unknown schema, or not matching their topic."})
	m.deadLetters = prometheus.NewCounter(prometheus.CounterOpts{Name: "kakou_dead_letters_total",
		Help: "Refused MQTT messages kept in the dead-letter table (GET /api/v1/dead-letters)."})
	m.lag = prometheus.NewHistogram(prometheus.HistogramOpts{Name: "kakou_ingest_lag_seconds",
		Help:    "Receipt time minus entry time, for live entries from units with a synced clock.",
		Buckets: lagBuckets})
	m.batchSeconds = prometheus.NewHistogram(prometheus.HistogramOpts{Name: "kakou_store_batch_seconds",
		Help:    "How long one batch of entries took to store (PutEntries).",
		Buckets: batchSecondsBuckets})
	m.batchEntries = prometheus.NewHistogram(prometheus.HistogramOpts{Name: "kakou_store_batch_entries",
		Help:    "How many entries one stored batch held.",
		Buckets: batchEntriesBuckets})
	m.reg.MustRegister(m.entries, m.duplicates, m.rejected, m.deadLetters, m.lag, m.batchSeconds, m.batchEntries,
		m.gauge("kakou_units_online", "Units whose last status says online.", &m.unitsOnline),
		m.gauge("kakou_alerts_open", "Alerts not yet acknowledged.", &m.alertsOpen),
		prometheus.NewCounterFunc(prometheus.CounterOpts{Name: "kakou_broker_dropped_total",
			Help: "Messages the embedded broker could not queue for a subscriber; their units re-send them."},
			read(&m.brokerDropped)),
		collectors.NewGoCollector(),
		collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	return m
}

// gauge is a gauge that calls whatever *fn holds when it is scraped.
func (m *Metrics) gauge(name, help string, fn *atomic.Pointer[func() float64]) prometheus.Collector {
	return prometheus.NewGaugeFunc(prometheus.GaugeOpts{Name: name, Help: help}, read(fn))
}

// read calls whatever *fn holds, or reads 0 while it holds nothing.
func read(fn *atomic.Pointer[func() float64]) func() float64 {
	return func() float64 {
		if f := fn.Load(); f != nil {
			return (*f)()
		}
		return 0
	}
}

// Stored records one stored batch: n entries, dup of which were already
// stored, in d. It mirrors ingest.Stats, where Accepted counts re-sends
// too: new entries are kakou_ingest_entries_total minus
// kakou_ingest_duplicates_total.
func (m *Metrics) Stored(n, dup int, d time.Duration) {
	m.entries.Add(float64(n))
	m.duplicates.Add(float64(dup))
	m.batchSeconds.Observe(d.Seconds())
	m.batchEntries.Observe(float64(n))
}

// Rejected records one message dropped as unusable.
func (m *Metrics) Rejected() { m.rejected.Inc() }

// DeadLettered records one refused message kept in the dead-letter table.
func (m *Metrics) DeadLettered() { m.deadLetters.Inc() }

// Lag records how long a live entry took from the unit's clock to receipt.
// The caller leaves out historical entries (their lag is the outage, not
// the pipeline) and units without a synced clock (a Pi that booted in
// 1970). A negative lag, a unit clock slightly ahead, counts as 0: it says
// the pipeline was fast, and a negative sum would make the mean meaningless.
func (m *Metrics) Lag(d time.Duration) { m.lag.Observe(max(d, 0).Seconds()) }

// SetUnitsOnline sets the callback behind kakou_units_online; it is called
// on every scrape, so it must be cheap and safe for concurrent use.
func (m *Metrics) SetUnitsOnline(f func() float64) { m.unitsOnline.Store(&f) }

// SetAlertsOpen sets the callback behind kakou_alerts_open, as
// SetUnitsOnline.
func (m *Metrics) SetAlertsOpen(f func() float64) { m.alertsOpen.Store(&f) }

// SetBrokerDropped sets where kakou_broker_dropped_total reads the
// embedded broker's count of messages it dropped.
func (m *Metrics) SetBrokerDropped(f func() float64) { m.brokerDropped.Store(&f) }

// Registry is the registry itself, for a package that wants to add its
// own collectors.
func (m *Metrics) Registry() *prometheus.Registry { return m.reg }

// Handler serves the registry in the Prometheus text format. A collector
// that fails is reported in the response and the rest are still served, so
// one broken callback does not blank the whole scrape.
func (m *Metrics) Handler() http.Handler {
	return promhttp.HandlerFor(m.reg, promhttp.HandlerOpts{
		ErrorHandling: promhttp.ContinueOnError,
		Registry:      m.reg, // counts the handler's own errors
	})
}
