package collector

import (
	"os"
	"slices"
	"strconv"
	"testing"
	"time"
)

// BenchmarkFeverToWebhook measures an alert raised at a gate until the
// notification is received: a fever entry published over MQTT to a real
// collector (embedded broker, SQLite) until a loopback webhook receiver has
// verified its signature. The target is p99 under 2 s (cloud/README.md
// "Alerts and notifications"); docs/performance.md has the figures.
func BenchmarkFeverToWebhook(b *testing.B) {
	os.Setenv("KAKOU_TEST_HOOK_SECRET", hookSecret)
	defer os.Unsetenv("KAKOU_TEST_HOOK_SECRET")
	h := newHookReceiver(b)
	c, err := New(notifyConfig(b, b.TempDir(), h), nil)
	if err != nil {
		b.Fatal(err)
	}
	if err := c.Start(bg); err != nil {
		b.Fatal(err)
	}
	defer c.Shutdown(bg)
	u := connectUnit(b, c.BrokerURL())
	lat := make([]time.Duration, 0, b.N)
	b.ResetTimer()
	for i := range b.N {
		start := time.Now()
		u.fever(b, uint64(i+1))
		want := "fever-" + strconv.Itoa(i+1)
		for id := range h.signal {
			if id == want {
				break
			}
		}
		lat = append(lat, time.Since(start))
	}
	b.StopTimer()
	slices.Sort(lat)
	b.ReportMetric(float64(lat[len(lat)/2].Milliseconds()), "p50-ms")
	b.ReportMetric(float64(lat[(len(lat)*99)/100].Milliseconds()), "p99-ms")
	b.ReportMetric(float64(lat[len(lat)-1].Milliseconds()), "max-ms")
}
