package api

import (
	"bytes"
	"encoding/json"
	"io"
	"maps"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/kakou/kakou/cloud/store"
	"github.com/kakou/kakou/cloud/store/sqlite"
	"github.com/kakou/kakou/cloud/store/storetest"
	"github.com/kakou/kakou/firmware/wire"
)

// hostileRequest is one file of testdata/hostile/api: "METHOD TARGET" on
// the first line, the body after it.
type hostileRequest struct {
	name, method, target string
	body                 []byte
}

func hostileRequests(t testing.TB) []hostileRequest {
	t.Helper()
	paths, err := filepath.Glob(filepath.Join("..", "..", "testdata", "hostile", "api", "*.http"))
	if err != nil || len(paths) == 0 {
		t.Fatalf("no hostile API corpus: %v", err)
	}
	var out []hostileRequest
	for _, p := range paths {
		b, err := os.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		line, body, _ := bytes.Cut(b, []byte("\n"))
		method, target, _ := strings.Cut(string(line), " ")
		out = append(out, hostileRequest{strings.TrimSuffix(filepath.Base(p), ".http"), method, target, body})
	}
	return out
}

// TestAPIRefusesHostileRequestsWith400AndChangesNothing sends the hostile
// corpus (oversize bodies, bad JSON, SQL and HTML injection, invalid
// UTF-8 in parameters) to a collector with an open alert: each answer is
// 400 with an error that says what to send, and no table gains, loses or
// changes a row count — the alert stays open.
func TestAPIRefusesHostileRequestsWith400AndChangesNothing(t *testing.T) {
	path := filepath.Join(t.TempDir(), "cloud.db")
	st, err := sqlite.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	h, err := New(st, Options{Location: cst, Now: func() time.Time { return now }})
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	e := entry("s1", "u1", 1, now.Add(-time.Hour))
	e.Decision, e.Alert = wire.Refer, "fever"
	if _, err := st.PutEntries(t.Context(), []wire.Entry{e}, now); err != nil {
		t.Fatal(err)
	}
	before := storetest.RowCounts(t, path)
	for _, r := range hostileRequests(t) {
		t.Run(r.name, func(t *testing.T) {
			req, err := http.NewRequest(r.method, srv.URL+r.target, bytes.NewReader(r.body))
			if err != nil {
				t.Fatal(err)
			}
			req.Header.Set("Content-Type", "application/json")
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			defer resp.Body.Close()
			b, _ := io.ReadAll(resp.Body)
			var answer struct{ Error string }
			if resp.StatusCode != http.StatusBadRequest || json.Unmarshal(b, &answer) != nil || answer.Error == "" {
				t.Fatalf("%s %.80s: %s %.300s; want 400 with an error", r.method, r.target, resp.Status, b)
			}
			if len(answer.Error) > 2048 {
				t.Fatalf("a %d-byte error echoes the request", len(answer.Error))
			}
		})
	}
	if after := storetest.RowCounts(t, path); !maps.Equal(before, after) {
		t.Fatalf("tables changed:\nbefore %v\nafter  %v", before, after)
	}
	if open, err := st.Alerts(t.Context(), store.AlertQuery{Open: true}); err != nil || len(open) != 1 {
		t.Fatalf("open alerts %v (%v), want the one still open", open, err)
	}
}

// FuzzAPIRequests holds the API to its contract for any body and query a
// client can send: no panic and no 5xx, which would mean input reached
// the store unchecked. Seeded from the hostile corpus.
func FuzzAPIRequests(f *testing.F) {
	for _, r := range hostileRequests(f) {
		path, query, _ := strings.Cut(r.target, "?")
		f.Add(r.method == http.MethodPost, path, query, r.body)
	}
	f.Add(false, "/api/v1/duties", "site=estate&date=2022-04-01", []byte(nil))
	f.Add(false, "/api/v1/duties", "date=99999-01-01&unit=x", []byte(nil))
	st, err := sqlite.Open(filepath.Join(f.TempDir(), "cloud.db"))
	if err != nil {
		f.Fatal(err)
	}
	defer st.Close()
	h, err := New(st, Options{Location: cst, Now: func() time.Time { return now }})
	if err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, post bool, path, query string, body []byte) {
		method := http.MethodGet
		if post {
			method = http.MethodPost
		}
		req := httptest.NewRequest(method, "/", bytes.NewReader(body))
		req.URL.Path, req.URL.RawQuery = "/"+strings.TrimPrefix(path, "/"), query
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		if rec.Code >= 500 {
			t.Fatalf("%s %s?%s: %d %s", method, path, query, rec.Code, rec.Body)
		}
	})
}
