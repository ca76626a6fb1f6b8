package api

import (
	"context"
	"net/http/httptest"
	"time"

	"github.com/kakou/kakou/cloud/fleet"
	"github.com/kakou/kakou/cloud/store"
	"net/http"
	"strings"
	"testing"
)

// TestEveryTimeParameterRefusesTimesTheStoreCannotHold: a time before
// 1970 or after 2261 would wrap around in the store's nanoseconds and
// select the wrong rows, so every endpoint that takes a time refuses it,
// naming the parameter and the range.
func TestEveryTimeParameterRefusesTimesTheStoreCannotHold(t *testing.T) {
	f := newFixture(t)
	f.put(t, entry("site-a", "gate-1", 1, now))
	for _, tt := range []struct{ path, param string }{
		{"/api/v1/entries?since=9999-01-01T00:00:00Z", "since"},
		{"/api/v1/entries?until=0001-01-01T00:00:00Z", "until"},
		{"/api/v1/entries?since=2262-06-01T00:00:00Z", "since"},
		{"/api/v1/rollups?since=0001-01-01T00:00:00Z&until=0001-01-02T00:00:00Z", "since"},
		{"/api/v1/rollups?since=2022-04-01T00:00:00Z&until=9999-01-02T00:00:00Z", "until"},
		{"/api/v1/trace?site=site-a&since=9999-01-01T00:00:00Z&until=9999-01-02T00:00:00Z", "since"},
		{"/api/v1/trace?site=site-a&since=0001-01-01T00:00:00Z&until=0001-01-02T00:00:00Z", "since"},
		{"/api/v1/reports/daily?date=9999-01-01", "date"},
		{"/api/v1/reports/daily?date=0001-01-01", "date"},
	} {
		var body struct{ Error string }
		code := f.get(t, tt.path, &body)
		if code != http.StatusBadRequest || !strings.HasPrefix(body.Error, tt.param+":") ||
			!strings.Contains(body.Error, "1970") || !strings.Contains(body.Error, "2262") {
			t.Errorf("GET %s: %d %q, want 400 naming %s and the range 1970 … 2262", tt.path, code, body.Error, tt.param)
		}
	}
}

// noFleet is a policy push with no profiles, for the policy view.
type noFleet struct{}

func (noFleet) Profiles() []fleet.Profile { return nil }
func (noFleet) Problems() []string        { return nil }
func (noFleet) Assign(context.Context, string, string, string, string) (store.Assignment, error) {
	return store.Assignment{}, nil
}

// TestFleetAndPolicyViewsRefuseUnknownParameters: /units and /policies
// take no parameters, and a typo such as ?site=... is refused like
// everywhere else instead of silently answering the whole fleet.
func TestFleetAndPolicyViewsRefuseUnknownParameters(t *testing.T) {
	f := newFixture(t)
	h, err := New(f.store, Options{Location: cst, Now: func() time.Time { return now }, Fleet: noFleet{}})
	if err != nil {
		t.Fatal(err)
	}
	for _, path := range []string{"/api/v1/units?site=site-a", "/api/v1/policies?stie=x", "/api/v1/units?lang=en&lang=zh"} {
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, httptest.NewRequest("GET", path, nil))
		if rec.Code != http.StatusBadRequest || !strings.Contains(rec.Body.String(), "unknown parameter") {
			t.Errorf("GET %s: %d %s, want 400 naming the unknown parameter", path, rec.Code, rec.Body)
		}
	}
	for _, path := range []string{"/api/v1/units", "/api/v1/policies"} {
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, httptest.NewRequest("GET", path, nil))
		if rec.Code != http.StatusOK {
			t.Errorf("GET %s: %d %s, want 200", path, rec.Code, rec.Body)
		}
	}
}
