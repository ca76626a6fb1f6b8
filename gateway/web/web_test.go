package web

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"testing"

	"github.com/kakou/kakou/gateway/lan"
	"github.com/kakou/kakou/gateway/store"
)

// newAPI runs the API over a real store and LAN server in a temp dir.
func newAPI(t *testing.T) *httptest.Server {
	st, err := store.Open(filepath.Join(t.TempDir(), "gateway.db"))
	if err != nil {
		t.Fatal(err)
	}
	srv, err := lan.New(lan.Options{Site: "riverside-market", Listen: "127.0.0.1:0", Store: st, Capacity: 200})
	if err != nil {
		t.Fatal(err)
	}
	if err := srv.Start(); err != nil {
		t.Fatal(err)
	}
	ts := httptest.NewServer(Handler(srv, nil))
	t.Cleanup(func() { ts.Close(); srv.Close(); st.Close() })
	return ts
}

func post(t *testing.T, ts *httptest.Server, body string) (int, map[string]any) {
	t.Helper()
	resp, err := http.Post(ts.URL+"/api/v1/occupancy/correct", "application/json", strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var out map[string]any
	json.NewDecoder(resp.Body).Decode(&out)
	return resp.StatusCode, out
}

func get(t *testing.T, ts *httptest.Server, path string, v any) int {
	t.Helper()
	resp, err := http.Get(ts.URL + path)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if err := json.NewDecoder(resp.Body).Decode(v); err != nil {
		t.Fatal(err)
	}
	return resp.StatusCode
}

func TestCorrectionWithoutReasonOrNameIsRefusedNamingWhatIsMissing(t *testing.T) {
	ts := newAPI(t)
	tests := []struct {
		body string
		want []string
	}{
		{`{}`, []string{"count", "reason", "by"}},
		{`{"count": 0}`, []string{"reason", "by"}},
		{`{"count": 5, "reason": "closing count"}`, []string{"by"}},
		{`{"count": 5, "by": "manager wang", "reason": "  "}`, []string{"reason"}},
		{`{"count": -1, "by": "x", "reason": "y"}`, []string{"count -1"}},
		{`{"count": 1, "by": "x", "reason": "y", "extra": 1}`, []string{"extra"}},
		{`not json`, []string{"JSON"}},
	}
	for _, tt := range tests {
		code, out := post(t, ts, tt.body)
		msg, _ := out["error"].(string)
		if code != http.StatusBadRequest {
			t.Errorf("%s: status %d, want 400", tt.body, code)
		}
		for _, w := range tt.want {
			if !strings.Contains(msg, w) {
				t.Errorf("%s: error %q does not name %q", tt.body, msg, w)
			}
		}
	}
	var trail []store.Correction
	if get(t, ts, "/api/v1/occupancy/corrections", &trail); len(trail) != 0 {
		t.Fatalf("refused corrections were stored: %+v", trail)
	}
}

func TestCorrectionSetsTheCountAndIsAudited(t *testing.T) {
	ts := newAPI(t)
	code, out := post(t, ts, `{"count": 12, "reason": "opening count at the doors", "by": "manager wang"}`)
	if code != http.StatusOK {
		t.Fatalf("status %d: %v", code, out)
	}
	var occ lan.Occupancy
	if get(t, ts, "/api/v1/occupancy", &occ); occ.Occupancy != 12 || occ.Capacity != 200 {
		t.Fatalf("occupancy %+v, want 12 of 200", occ)
	}
	post(t, ts, `{"count": 0, "reason": "closing: store empty", "by": "guard li"}`)
	var trail []store.Correction
	get(t, ts, "/api/v1/occupancy/corrections", &trail)
	if len(trail) != 2 || trail[0].By != "guard li" || trail[0].Previous != 12 || trail[1].Reason != "opening count at the doors" {
		t.Fatalf("audit trail %+v", trail)
	}
	var bad map[string]string
	if code := get(t, ts, "/api/v1/occupancy/corrections?limit=zero", &bad); code != http.StatusBadRequest {
		t.Fatalf("bad limit: status %d", code)
	}
}
