package web

import (
	"encoding/json"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/kakou/kakou/firmware/wire"
	"github.com/kakou/kakou/gateway/lan"
	"github.com/kakou/kakou/gateway/store"
)

var (
	hashOnce sync.Once
	wangHash string
)

func managers(t testing.TB) []Manager {
	hashOnce.Do(func() {
		h, err := wire.HashPIN("2468")
		if err != nil {
			t.Fatal(err)
		}
		wangHash = h
	})
	return []Manager{{ID: "wang", Name: "王经理", PINHash: wangHash}}
}

// newAPI runs the API over a real store and LAN server in a temp dir.
func newAPI(t testing.TB) *httptest.Server {
	st, err := store.Open(filepath.Join(t.TempDir(), "gateway.db"))
	if err != nil {
		t.Fatal(err)
	}
	srv, err := lan.New(lan.Options{Site: "riverside-market", Gateway: "gw", Listen: "127.0.0.1:0", Store: st, Capacity: 200})
	if err != nil {
		t.Fatal(err)
	}
	if err := srv.Start(); err != nil {
		t.Fatal(err)
	}
	ts := httptest.NewServer(Handler(Options{Site: srv, Managers: managers(t)}))
	t.Cleanup(func() { ts.Close(); srv.Close(); st.Close() })
	return ts
}

// client is a browser: a cookie jar and the CSRF token of its session.
type client struct {
	t    *testing.T
	ts   *httptest.Server
	http *http.Client
	csrf string
}

func newClient(t *testing.T, ts *httptest.Server) *client {
	jar, _ := cookiejar.New(nil)
	return &client{t: t, ts: ts, http: &http.Client{Jar: jar}}
}

// signIn signs wang in and keeps the session's token.
func (c *client) signIn() {
	c.t.Helper()
	code, out := c.post("/api/v1/sign-in", `{"manager":"wang","pin":"2468"}`, c.ts.URL)
	if code != http.StatusOK {
		c.t.Fatalf("sign-in: %d %v", code, out)
	}
	c.csrf = out["csrf"].(string)
}

// post sends body with this client's cookie and token, from origin
// ("" sends no Origin header).
func (c *client) post(path, body, origin string) (int, map[string]any) {
	c.t.Helper()
	req, _ := http.NewRequest(http.MethodPost, c.ts.URL+path, strings.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	if c.csrf != "" {
		req.Header.Set(csrfHeader, c.csrf)
	}
	if origin != "" {
		req.Header.Set("Origin", origin)
	}
	resp, err := c.http.Do(req)
	if err != nil {
		c.t.Fatal(err)
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

func TestCorrectionWithoutReasonOrCountIsRefusedNamingWhatIsMissing(t *testing.T) {
	ts := newAPI(t)
	c := newClient(t, ts)
	c.signIn()
	tests := []struct {
		body string
		want []string
	}{
		{`{}`, []string{"count", "reason"}},
		{`{"count": 0}`, []string{"reason"}},
		{`{"count": 5, "reason": "  "}`, []string{"reason"}},
		{`{"count": -1, "reason": "y"}`, []string{"count -1"}},
		{`{"count": 1, "reason": "y", "by": "someone else"}`, []string{"by"}},
		{`{"count": 1, "reason": "` + strings.Repeat("长", 100) + `"}`, []string{"256"}},
		{`not json`, []string{"JSON"}},
	}
	for _, tt := range tests {
		code, out := c.post("/api/v1/occupancy/correct", tt.body, ts.URL)
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

func TestCorrectionSetsTheCountAndIsAuditedWithTheSignedInManager(t *testing.T) {
	ts := newAPI(t)
	c := newClient(t, ts)
	c.signIn()
	code, out := c.post("/api/v1/occupancy/correct", `{"count": 12, "reason": "opening count at the doors"}`, ts.URL)
	if code != http.StatusOK {
		t.Fatalf("status %d: %v", code, out)
	}
	var occ lan.Occupancy
	if get(t, ts, "/api/v1/occupancy", &occ); occ.Occupancy != 12 || occ.Capacity != 200 {
		t.Fatalf("occupancy %+v, want 12 of 200", occ)
	}
	c.post("/api/v1/occupancy/correct", `{"count": 0, "reason": "closing: store empty"}`, "")
	var trail []store.Correction
	get(t, ts, "/api/v1/occupancy/corrections", &trail)
	if len(trail) != 2 || trail[0].By != "王经理" || trail[0].ByID != "wang" || trail[0].Previous != 12 ||
		trail[1].Reason != "opening count at the doors" || trail[0].Entry == "" {
		t.Fatalf("audit trail %+v", trail)
	}
	var bad map[string]string
	if code := get(t, ts, "/api/v1/occupancy/corrections?limit=zero", &bad); code != http.StatusBadRequest {
		t.Fatalf("bad limit: status %d", code)
	}
}

// TestCorrectionRefusedWithoutSessionTokenOrFromAnotherPage: no session
// is 401; a session without the CSRF header, with a wrong one, or a
// request from another page's origin is 403; nothing is stored.
func TestCorrectionRefusedWithoutSessionTokenOrFromAnotherPage(t *testing.T) {
	ts := newAPI(t)
	body := `{"count": 99, "reason": "forged"}`
	anon := newClient(t, ts)
	if code, _ := anon.post("/api/v1/occupancy/correct", body, ""); code != http.StatusUnauthorized {
		t.Errorf("no session: %d, want 401", code)
	}
	c := newClient(t, ts)
	c.signIn()
	token := c.csrf
	c.csrf = ""
	if code, _ := c.post("/api/v1/occupancy/correct", body, ts.URL); code != http.StatusForbidden {
		t.Errorf("session without the CSRF header: %d, want 403", code)
	}
	c.csrf = "not-the-token"
	if code, _ := c.post("/api/v1/occupancy/correct", body, ts.URL); code != http.StatusForbidden {
		t.Errorf("session with a wrong CSRF token: %d, want 403", code)
	}
	c.csrf = token
	for _, origin := range []string{"http://evil.example", "null", ts.URL + "/page", "https://" + strings.TrimPrefix(ts.URL, "http://")} {
		if code, _ := c.post("/api/v1/occupancy/correct", body, origin); code != http.StatusForbidden {
			t.Errorf("from origin %q: %d, want 403", origin, code)
		}
	}
	if code, _ := c.post("/api/v1/sign-in", `{"manager":"wang","pin":"2468"}`, "http://evil.example"); code != http.StatusForbidden {
		t.Errorf("sign-in from another page: %d, want 403", code)
	}
	c.post("/api/v1/sign-out", `{}`, ts.URL)
	if code, _ := c.post("/api/v1/occupancy/correct", body, ts.URL); code != http.StatusUnauthorized {
		t.Errorf("after sign-out: %d, want 401", code)
	}
	var trail []store.Correction
	if get(t, ts, "/api/v1/occupancy/corrections", &trail); len(trail) != 0 {
		t.Fatalf("a refused correction was stored: %+v", trail)
	}
}

func TestWrongPINsLockTheManagerOut(t *testing.T) {
	ts := newAPI(t)
	c := newClient(t, ts)
	for range maxFailures {
		if code, _ := c.post("/api/v1/sign-in", `{"manager":"wang","pin":"0000"}`, ""); code != http.StatusUnauthorized {
			t.Fatalf("wrong PIN: %d, want 401", code)
		}
	}
	if code, _ := c.post("/api/v1/sign-in", `{"manager":"wang","pin":"2468"}`, ""); code != http.StatusTooManyRequests {
		t.Fatalf("right PIN while locked out: %d, want 429", code)
	}
	var mgrs []map[string]string
	get(t, ts, "/api/v1/managers", &mgrs)
	if len(mgrs) != 1 || mgrs[0]["name"] != "王经理" || mgrs[0]["pin_hash"] != "" {
		t.Fatalf("managers listed as %v", mgrs)
	}
}

func TestRootServesTheEntrancePageWithItsCSP(t *testing.T) {
	ts := newAPI(t)
	resp, err := http.Get(ts.URL + "/")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	csp := resp.Header.Get("Content-Security-Policy")
	if resp.StatusCode != http.StatusOK || !strings.Contains(csp, "script-src 'self'") || !strings.Contains(csp, "frame-ancestors 'none'") {
		t.Fatalf("GET /: %d, CSP %q", resp.StatusCode, csp)
	}
	for _, p := range []string{"/static/gateway.js", "/static/gateway.css"} {
		r, err := http.Get(ts.URL + p)
		if err != nil || r.StatusCode != http.StatusOK {
			t.Fatalf("%s: %v %v", p, err, r.Status)
		}
		r.Body.Close()
	}
}
