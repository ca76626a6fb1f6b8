package api

import (
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
