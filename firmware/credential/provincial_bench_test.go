package credential_test

import (
	"bytes"
	"context"
	"net/http"
	"net/http/httptest"
	"slices"
	"testing"
	"time"

	"github.com/kakou/kakou/firmware/credential"
	"github.com/kakou/kakou/firmware/credential/provincialsim"
)

// Figures and the command that reproduces them: docs/performance.md
// "Online health-code adapter".

// quantile is the q-quantile of ds (sorted in place), in milliseconds.
func quantile(ds []time.Duration, q float64) float64 {
	slices.Sort(ds)
	return float64(ds[int(q*float64(len(ds)-1))]) / float64(time.Millisecond)
}

func benchSim(b *testing.B) (*provincialsim.Service, string) {
	s := provincialsim.Demo(time.Now())
	srv := httptest.NewServer(s)
	b.Cleanup(srv.Close)
	return s, srv.URL
}

// BenchmarkProvincialAdded100ms: the service answers in 100 ms. Each
// iteration asks once bare (a plain POST, the service's own time) and once
// through the adapter, so the two are compared from one run.
func BenchmarkProvincialAdded100ms(b *testing.B) {
	s, url := benchSim(b)
	s.SetLatency(100 * time.Millisecond)
	o := provincialsim.Config("gd-jkm", url)
	o.CacheTTL = 0
	p, _ := credential.NewProvincial(o)
	code := []byte(provincialsim.DemoCodeURL + provincialsim.DemoGreen)
	body := []byte(`{"qrToken":"` + provincialsim.DemoGreen + `"}`)
	var bare, adapter []time.Duration
	for b.Loop() {
		t0 := time.Now()
		req, _ := http.NewRequest("POST", url+provincialsim.Path, bytes.NewReader(body))
		req.Header.Set("X-App-Key", provincialsim.DemoAppKey)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			b.Fatal(err)
		}
		resp.Body.Close()
		bare = append(bare, time.Since(t0))
		t0 = time.Now()
		if got, _ := p.Verify(context.Background(), code); got.Status != credential.StatusGreen {
			b.Fatalf("adapter: %s %s", got.Status, got.Detail)
		}
		adapter = append(adapter, time.Since(t0))
	}
	bp50, ap50, ap99 := quantile(bare, .5), quantile(adapter, .5), quantile(adapter, .99)
	b.ReportMetric(bp50, "bare-p50-ms")
	b.ReportMetric(ap50, "adapter-p50-ms")
	b.ReportMetric(ap99, "adapter-p99-ms")
	b.ReportMetric(ap50-bp50, "added-p50-ms")
	b.ReportMetric(ap50/bp50, "ratio-p50")
}

// BenchmarkProvincialTimeoutBound: the service hangs; every answer is
// timeout, and p99 stays at the timeout (200 ms here, 2 s at most).
func BenchmarkProvincialTimeoutBound(b *testing.B) {
	s, url := benchSim(b)
	s.SetMode(provincialsim.Hang)
	o := provincialsim.Config("gd-jkm", url)
	o.Timeout, o.BreakerFailures = 200*time.Millisecond, 100
	p, _ := credential.NewProvincial(o)
	code := []byte(provincialsim.DemoCodeURL + provincialsim.DemoGreen)
	var ds []time.Duration
	for b.Loop() {
		t0 := time.Now()
		if got, _ := p.Verify(context.Background(), code); got.Status != credential.StatusTimeout {
			b.Fatalf("hanging service: %s", got.Status)
		}
		ds = append(ds, time.Since(t0))
	}
	b.ReportMetric(quantile(ds, .5), "p50-ms")
	b.ReportMetric(quantile(ds, .99), "p99-ms")
	b.ReportMetric(quantile(ds, .99)/200, "p99/timeout")
}

// BenchmarkProvincialCacheHit: a second scan within cache_ttl.
func BenchmarkProvincialCacheHit(b *testing.B) {
	_, url := benchSim(b)
	p, _ := credential.NewProvincial(provincialsim.Config("gd-jkm", url))
	code := []byte(provincialsim.DemoCodeURL + provincialsim.DemoGreen)
	p.Verify(context.Background(), code)
	for b.Loop() {
		if got, _ := p.Verify(context.Background(), code); got.Status != credential.StatusGreen {
			b.Fatal(got.Status)
		}
	}
}

// BenchmarkProvincialBreakerOpen: the answer while the service is not
// being asked.
func BenchmarkProvincialBreakerOpen(b *testing.B) {
	s, url := benchSim(b)
	s.SetMode(provincialsim.Fail)
	o := provincialsim.Config("gd-jkm", url)
	o.BreakerFailures, o.BreakerCooldown = 1, time.Hour
	p, _ := credential.NewProvincial(o)
	code := []byte(provincialsim.DemoCodeURL + provincialsim.DemoGreen)
	p.Verify(context.Background(), code)
	for b.Loop() {
		if got, _ := p.Verify(context.Background(), code); got.Status != credential.StatusTimeout {
			b.Fatal(got.Status)
		}
	}
}
