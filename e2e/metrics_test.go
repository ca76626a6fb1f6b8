package e2e

import (
	"context"
	"io"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"
)

// TestMetricsCountWhatTheCollectorStored: after two units' crowds are in,
// /metrics says so in Prometheus's text format, with the units online and
// the store's batch latency observed.
func TestMetricsCountWhatTheCollectorStored(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	c := startCollector(t, ctx, "[broker]\nembedded = true\nlisten = \"127.0.0.1:0\"\n")
	runPath(t, ctx, c, c.BrokerURL())
	m := scrape(t, c.HTTPURL()+"/metrics")
	if got := m["kakou_ingest_entries_total"]; got < 2*peoplePerUnit {
		t.Errorf("kakou_ingest_entries_total = %v, want at least %d", got, 2*peoplePerUnit)
	}
	if m["kakou_store_batch_seconds_count"] < 1 || m["kakou_ingest_rejected_total"] != 0 {
		t.Errorf("store batches %v, rejected %v", m["kakou_store_batch_seconds_count"], m["kakou_ingest_rejected_total"])
	}
	if _, ok := m["kakou_units_online"]; !ok {
		t.Errorf("kakou_units_online missing: %v", m)
	}
	if got, ok := m["kakou_broker_dropped_total"]; !ok || got != 0 {
		t.Errorf("kakou_broker_dropped_total = %v (present: %v), want 0: the embedded broker dropped entries", got, ok)
	}
}

// scrape reads the unlabelled samples of a Prometheus text page.
func scrape(t *testing.T, url string) map[string]float64 {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	out := map[string]float64{}
	for _, line := range strings.Split(string(b), "\n") {
		name, value, ok := strings.Cut(line, " ")
		if !ok || strings.HasPrefix(line, "#") || strings.Contains(name, "{") {
			continue
		}
		if v, err := strconv.ParseFloat(value, 64); err == nil {
			out[name] = v
		}
	}
	return out
}
