package api

import (
	"cmp"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/kakou/kakou/cloud/store"
	"github.com/kakou/kakou/cloud/store/sqlite"
)

// cheapArgon2 keeps the tests' logins fast; the parameters travel in each
// hash, so the code under test is the production code.
var cheapArgon2 = Argon2Params{Memory: 64, Time: 1, Threads: 1}

// The people of the tests: a guard at site-a's gate-1, site-a's manager,
// central monitoring and a tracer. Each one's password is "pw-" + name.
var testUsers = []User{
	{Name: "guard", Role: RoleGuard, Site: "site-a", Unit: "gate-1"},
	{Name: "manager", Role: RoleSiteManager, Site: "site-a"},
	{Name: "monitor", Role: RoleMonitor},
	{Name: "tracer", Role: RoleTracer},
}

// clock is a settable Now shared by a fixture's handlers.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) now() time.Time      { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *clock) add(d time.Duration) { c.mu.Lock(); defer c.mu.Unlock(); c.t = c.t.Add(d) }

// authFixture is the API with logins on, over a temp-dir SQLite store.
type authFixture struct {
	fixture
	h      http.Handler
	clock  *clock
	guards *GuardDesk // the guard endpoints, when a test sets it before handler
}

func newAuthFixture(t *testing.T) *authFixture {
	t.Helper()
	st, err := sqlite.Open(filepath.Join(t.TempDir(), "cloud.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	f := &authFixture{fixture: fixture{store: st}, clock: &clock{t: now}}
	f.h = f.handler(t)
	f.srv = httptest.NewServer(f.h)
	t.Cleanup(f.srv.Close)
	return f
}

// handler is another replica on the fixture's store.
func (f *authFixture) handler(t *testing.T) http.Handler {
	t.Helper()
	users := make([]User, len(testUsers))
	for i, u := range testUsers {
		h, err := HashPassword("pw-"+u.Name, cheapArgon2)
		if err != nil {
			t.Fatal(err)
		}
		u.PasswordHash = h
		users[i] = u
	}
	h, err := New(f.store, Options{Location: cst, Now: f.clock.now,
		Tokens: map[string]Caller{"machine-token-0123456789abcdef": {User: "etl", Role: RoleMonitor}},
		Auth:   &AuthOptions{Users: users, Sessions: f.store, Argon2: cheapArgon2}, Guards: f.guards})
	if err != nil {
		t.Fatal(err)
	}
	return h
}

// req is one request to a handler, as a browser at ip would send it.
type req struct {
	method, path, body string
	ip                 string // 192.0.2.1 unless set
	cookie, csrf       string
	origin             string // the page's own origin unless set; "-" for none
	token              string
}

func (f *authFixture) do(t *testing.T, h http.Handler, q req) *httptest.ResponseRecorder {
	t.Helper()
	r := httptest.NewRequest(q.method, q.path, strings.NewReader(q.body))
	r.RemoteAddr = cmp.Or(q.ip, "192.0.2.1") + ":40000"
	if q.method == http.MethodPost {
		r.Header.Set("Content-Type", "application/json")
		if strings.HasPrefix(q.path, "/login") {
			r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		}
		if q.origin != "-" {
			r.Header.Set("Origin", cmp.Or(q.origin, "http://"+r.Host))
		}
	}
	if q.cookie != "" {
		r.AddCookie(&http.Cookie{Name: sessionCookie, Value: q.cookie})
	}
	if q.csrf != "" {
		r.Header.Set(csrfHeader, q.csrf)
	}
	if q.token != "" {
		r.Header.Set("Authorization", "Bearer "+q.token)
	}
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, r)
	return rec
}

// login logs user in from ip and returns the cookie and CSRF token.
func (f *authFixture) login(t *testing.T, h http.Handler, user, ip string) (cookie, csrf string) {
	t.Helper()
	rec := f.do(t, h, req{method: "POST", path: "/login", ip: ip,
		body: url.Values{"user": {user}, "password": {"pw-" + user}}.Encode()})
	if rec.Code != http.StatusOK {
		t.Fatalf("login %s: %d %s", user, rec.Code, rec.Body)
	}
	for _, c := range rec.Result().Cookies() {
		if c.Name == sessionCookie {
			cookie = c.Value
		}
	}
	var body map[string]string
	if err := json.Unmarshal(rec.Body.Bytes(), &body); err != nil || cookie == "" || body["csrf_token"] == "" {
		t.Fatalf("login %s: cookie %q, body %s", user, cookie, rec.Body)
	}
	return cookie, body["csrf_token"]
}

// getAs fetches path with a session and decodes the JSON answer.
func (f *authFixture) getAs(t *testing.T, cookie, path string, v any) int {
	t.Helper()
	rec := f.do(t, f.h, req{method: "GET", path: path, cookie: cookie})
	if v != nil {
		if err := json.NewDecoder(io.Reader(rec.Body)).Decode(v); err != nil {
			t.Fatalf("GET %s: %d %v", path, rec.Code, err)
		}
	}
	return rec.Code
}

// audited returns the audit trail's actions, oldest first.
func (f *authFixture) audited(t *testing.T) []store.AuditRecord {
	t.Helper()
	list, err := f.store.Audit(context.Background(), 100)
	if err != nil {
		t.Fatal(err)
	}
	for i, j := 0, len(list)-1; i < j; i, j = i+1, j-1 {
		list[i], list[j] = list[j], list[i]
	}
	return list
}
