package metrics

import (
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	dto "github.com/prometheus/client_model/go"
	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/common/model"
)

// scrape GETs the handler and parses the text it serves, as Prometheus
// would.
func scrape(t *testing.T, m *Metrics) map[string]*dto.MetricFamily {
	t.Helper()
	srv := httptest.NewServer(m.Handler())
	defer srv.Close()
	resp, err := http.Get(srv.URL)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("GET /metrics: %s", resp.Status)
	}
	parser := expfmt.NewTextParser(model.UTF8Validation)
	families, err := parser.TextToMetricFamilies(resp.Body)
	if err != nil {
		t.Fatalf("the handler's output is not the Prometheus text format: %v", err)
	}
	return families
}

// only is the single, label-less metric of a family.
func only(t *testing.T, families map[string]*dto.MetricFamily, name string) *dto.Metric {
	t.Helper()
	f, ok := families[name]
	if !ok || len(f.GetMetric()) != 1 {
		t.Fatalf("%s: missing from the scrape or not a single metric", name)
	}
	return f.GetMetric()[0]
}

func TestHandlerShowsWhatWasRecorded(t *testing.T) {
	m := New()
	m.Stored(100, 3, 4*time.Millisecond)
	m.Stored(20, 0, 2*time.Second)
	m.Rejected()
	m.Rejected()
	m.DeadLettered()
	m.Lag(30 * time.Millisecond)
	m.Lag(-time.Second) // a unit clock ahead counts as no lag
	m.Lag(90 * time.Second)
	m.SetUnitsOnline(func() float64 { return 1999 })
	m.SetAlertsOpen(func() float64 { return 7 })
	m.SetBrokerDropped(func() float64 { return 5 })
	m.Stored(4096, 0, time.Second) // ingest's largest batch
	got := scrape(t, m)

	counters := []struct {
		name string
		want float64
	}{
		{"kakou_ingest_entries_total", 4216},
		{"kakou_ingest_duplicates_total", 3},
		{"kakou_ingest_rejected_total", 2},
		{"kakou_dead_letters_total", 1},
		{"kakou_broker_dropped_total", 5},
	}
	for _, c := range counters {
		if v := only(t, got, c.name).GetCounter().GetValue(); v != c.want {
			t.Errorf("%s = %v, want %v", c.name, v, c.want)
		}
	}
	gauges := []struct {
		name string
		want float64
	}{
		{"kakou_units_online", 1999},
		{"kakou_alerts_open", 7},
	}
	for _, g := range gauges {
		if v := only(t, got, g.name).GetGauge().GetValue(); v != g.want {
			t.Errorf("%s = %v, want %v", g.name, v, g.want)
		}
	}

	histograms := []struct {
		name        string
		count       uint64
		sum         float64
		le          float64 // an upper bound…
		atOrBelowLe uint64  // …and how many observations fall at or below it
	}{
		{"kakou_ingest_lag_seconds", 3, 90.03, 0.05, 2},
		{"kakou_store_batch_seconds", 3, 3.004, 0.005, 1},
		{"kakou_store_batch_entries", 3, 4216, 32, 1},
		{"kakou_store_batch_entries", 3, 4216, 4096, 3}, // ingest's largest batch has a bucket
	}
	for _, h := range histograms {
		hist := only(t, got, h.name).GetHistogram()
		if hist.GetSampleCount() != h.count || !near(hist.GetSampleSum(), h.sum) {
			t.Errorf("%s: count %d sum %v, want %d and %v", h.name,
				hist.GetSampleCount(), hist.GetSampleSum(), h.count, h.sum)
		}
		if n, ok := cumulative(hist, h.le); !ok || n != h.atOrBelowLe {
			t.Errorf("%s: %d observations at or below %v (bucket found: %v), want %d",
				h.name, n, h.le, ok, h.atOrBelowLe)
		}
	}
}

func TestHandlerServesGaugesAsZeroBeforeCallbacksAreSet(t *testing.T) {
	got := scrape(t, New())
	for _, name := range []string{"kakou_units_online", "kakou_alerts_open",
		"kakou_ingest_entries_total", "kakou_broker_dropped_total"} {
		m := only(t, got, name)
		if v := m.GetGauge().GetValue() + m.GetCounter().GetValue(); v != 0 {
			t.Errorf("%s = %v before anything was recorded, want 0", name, v)
		}
	}
}

func TestHandlerIncludesGoAndProcessCollectors(t *testing.T) {
	got := scrape(t, New())
	for _, name := range []string{"go_goroutines", "go_memstats_alloc_bytes", "process_resident_memory_bytes"} {
		if _, ok := got[name]; !ok {
			t.Errorf("%s missing from the scrape", name)
		}
	}
}

func TestCallbackReplacedLaterIsTheOneScraped(t *testing.T) {
	m := New()
	m.SetUnitsOnline(func() float64 { return 1 })
	m.SetUnitsOnline(func() float64 { return 2 })
	if v := only(t, scrape(t, m), "kakou_units_online").GetGauge().GetValue(); v != 2 {
		t.Fatalf("kakou_units_online = %v, want the second callback's 2", v)
	}
}

func TestTwoRegistriesCountApart(t *testing.T) {
	a, b := New(), New()
	a.Rejected()
	if v := only(t, scrape(t, b), "kakou_ingest_rejected_total").GetCounter().GetValue(); v != 0 {
		t.Fatalf("the second registry shows %v rejections recorded in the first", v)
	}
}

// cumulative is the histogram's count at the bucket bounded by le.
func cumulative(h *dto.Histogram, le float64) (uint64, bool) {
	for _, b := range h.GetBucket() {
		if near(b.GetUpperBound(), le) {
			return b.GetCumulativeCount(), true
		}
	}
	return 0, false
}

func near(a, b float64) bool { return a-b < 1e-9 && b-a < 1e-9 }
