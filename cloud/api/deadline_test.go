package api

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/kakou/kakou/cloud/store"
	"github.com/kakou/kakou/cloud/store/sqlite"
)

// stuckTrace is a store whose trace runs until its context ends, as a
// query too costly for the database would.
type stuckTrace struct{ *sqlite.Store }

func (s stuckTrace) Trace(ctx context.Context, q store.TraceQuery) ([]store.Visit, error) {
	select {
	case <-ctx.Done():
		return nil, fmt.Errorf("store: trace %s: %w", q.Site, ctx.Err())
	case <-time.After(3 * time.Second):
		return nil, nil // no deadline came: the test fails below
	}
}

// TestAQueryPastTheTimeoutIsStoppedWith503: every request's store calls
// end at the query timeout, and the caller is told to ask for less rather
// than given a bare 500.
func TestAQueryPastTheTimeoutIsStoppedWith503(t *testing.T) {
	f := newFixture(t)
	h, err := New(stuckTrace{f.store}, Options{Location: cst, Now: func() time.Time { return now },
		QueryTimeout: 50 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest("GET",
		"/api/v1/trace?site=site-a&since=2022-04-01T00:00:00Z&until=2022-04-02T00:00:00Z", nil))
	if rec.Code != http.StatusServiceUnavailable || !strings.Contains(rec.Body.String(), "ask for less") {
		t.Fatalf("a trace past the timeout: %d %s, want 503 saying to ask for less", rec.Code, rec.Body)
	}
}
