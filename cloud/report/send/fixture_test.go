package send_test

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/kakou/kakou/cloud/api"
	"github.com/kakou/kakou/cloud/report"
	"github.com/kakou/kakou/cloud/report/send"
	"github.com/kakou/kakou/cloud/store"
	"github.com/kakou/kakou/cloud/store/sqlite"
)

var (
	ctx = context.Background()
	cst = time.FixedZone("CST", 8*3600)
	// cut is the zero report's cut on the fixture's day, 12:00 in Shanghai.
	cut     = time.Date(2026, 11, 23, 12, 0, 0, 0, cst)
	zeroDef = report.Def{ID: "zero", Title: "零报告", Cut: "12:00", Columns: []string{report.ColZeroReport}}
	secret  = []byte("a shared secret of the district office")
)

// fakeClock is the scheduler's injected clock.
type fakeClock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *fakeClock) now() time.Time  { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *fakeClock) set(t time.Time) { c.mu.Lock(); defer c.mu.Unlock(); c.t = t }

// deliveryStore is what the scheduler and the reporter read.
type deliveryStore interface {
	api.Store
	store.ReportRuns
	PutSites(context.Context, []store.Site) error
}

func openStore(t *testing.T) *sqlite.Store {
	t.Helper()
	st, err := sqlite.Open(filepath.Join(t.TempDir(), "cloud.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	if err := st.PutSites(ctx, []store.Site{{ID: "west-village", Name: "西村", Facility: "village"}}); err != nil {
		t.Fatal(err)
	}
	return st
}

// newScheduler is a collector's scheduler named holder on st, with the
// real report builder, delivering zeroDef to sinks.
func newScheduler(t *testing.T, st deliveryStore, holder string, clock *fakeClock, sinks ...send.Sink) *send.Scheduler {
	t.Helper()
	rp, err := api.NewReporter(st, api.Options{Location: cst, Now: clock.now, Reports: []report.Def{zeroDef}})
	if err != nil {
		t.Fatal(err)
	}
	s, err := send.New(send.Options{Jobs: []send.Job{{Def: zeroDef, Sinks: sinks}}, Store: st, Builder: rp,
		Holder: holder, Location: cst, Now: clock.now, Backoff: time.Minute, MaxBackoff: 8 * time.Minute})
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// receiver is a local webhook receiver that checks each request's
// signature and counts what it accepted; failing makes it answer 503.
type receiver struct {
	mu       sync.Mutex
	bodies   [][]byte
	failing  bool
	bad      int // requests whose signature did not verify
	requests int
	srv      *httptest.Server
	now      func() time.Time
}

func newReceiver(t *testing.T, now func() time.Time) *receiver {
	rc := &receiver{now: now}
	rc.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		rc.mu.Lock()
		defer rc.mu.Unlock()
		rc.requests++
		if err := send.Verify(secret, r.Header.Get(send.HeaderTimestamp), r.Header.Get(send.HeaderSignature), b, rc.now(), 5*time.Minute); err != nil {
			rc.bad++
			http.Error(w, err.Error(), http.StatusUnauthorized)
			return
		}
		if rc.failing {
			http.Error(w, "down for maintenance", http.StatusServiceUnavailable)
			return
		}
		rc.bodies = append(rc.bodies, b)
	}))
	t.Cleanup(rc.srv.Close)
	return rc
}

func (rc *receiver) got() int { rc.mu.Lock(); defer rc.mu.Unlock(); return len(rc.bodies) }
func (rc *receiver) fail(on bool) {
	rc.mu.Lock()
	rc.failing = on
	rc.mu.Unlock()
}

func (rc *receiver) sink(name string, now func() time.Time) *send.Webhook {
	return &send.Webhook{Recipient: name, URL: rc.srv.URL, Secret: secret, Now: now}
}

func tick(t *testing.T, s *send.Scheduler) {
	t.Helper()
	if err := s.Tick(ctx); err != nil {
		t.Logf("tick: %v", err) // a failed delivery is an error of the tick, and is logged
	}
}

func deliveries(t *testing.T, st deliveryStore, date string) []store.Delivery {
	t.Helper()
	d, err := st.Deliveries(ctx, store.DeliveryQuery{Report: zeroDef.ID, Date: date})
	if err != nil {
		t.Fatal(err)
	}
	return d
}
