package api

import (
	"net/http"
	"net/http/httptest"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/kakou/kakou/cloud/store"
)

// TestWithoutASessionNothingButTheLoginIsServed: the API answers 401 and
// the dashboard sends the browser to the login page, whose CSP allows no
// inline code but its own.
func TestWithoutASessionNothingButTheLoginIsServed(t *testing.T) {
	f := newAuthFixture(t)
	for _, path := range []string{"/api/v1/units", "/api/v1/entries", "/api/v1/alerts", "/api/v1/rollups",
		"/api/v1/occupancy", "/api/v1/reports/daily", "/api/v1/session", "/api/v1/trace?site=a"} {
		if rec := f.do(t, f.h, req{method: "GET", path: path}); rec.Code != http.StatusUnauthorized {
			t.Errorf("GET %s without a session: %d, want 401", path, rec.Code)
		}
	}
	if rec := f.do(t, f.h, req{method: "GET", path: "/api/v1/units", cookie: "forged"}); rec.Code != http.StatusUnauthorized {
		t.Errorf("a forged cookie: %d, want 401", rec.Code)
	}
	rec := f.do(t, f.h, req{method: "GET", path: "/"})
	if rec.Code != http.StatusSeeOther || rec.Header().Get("Location") != "/login" {
		t.Errorf("GET / without a session: %d to %q, want 303 to /login", rec.Code, rec.Header().Get("Location"))
	}
	rec = f.do(t, f.h, req{method: "GET", path: "/login"})
	csp := rec.Header().Get("Content-Security-Policy")
	if rec.Code != 200 || !strings.Contains(rec.Body.String(), `id="login-form"`) ||
		!strings.Contains(csp, "script-src "+hash(loginJS)+";") || strings.Contains(csp, "unsafe-inline") {
		t.Errorf("GET /login: %d, CSP %q", rec.Code, csp)
	}
	if rec := f.do(t, f.h, req{method: "GET", path: "/healthz"}); rec.Code != 200 {
		t.Errorf("GET /healthz: %d, want 200 for the load balancer", rec.Code)
	}
}

func TestLoginRefusesAWrongPasswordAndAuditsIt(t *testing.T) {
	f := newAuthFixture(t)
	for _, form := range []url.Values{
		{"user": {"monitor"}, "password": {"pw-tracer"}},
		{"user": {"nobody"}, "password": {"pw-nobody"}},
	} {
		rec := f.do(t, f.h, req{method: "POST", path: "/login", body: form.Encode()})
		if rec.Code != http.StatusUnauthorized || len(rec.Result().Cookies()) != 0 {
			t.Errorf("login %v: %d with cookies %v, want 401 and none", form, rec.Code, rec.Result().Cookies())
		}
	}
	audit := f.audited(t)
	if len(audit) != 2 || audit[0].Action != "login_failed" || audit[0].User != "monitor" ||
		!strings.Contains(audit[1].Detail, `"known_user":false`) {
		t.Fatalf("audit %+v, want both failures", audit)
	}
	f.login(t, f.h, "monitor", "")
	if audit := f.audited(t); audit[len(audit)-1].Action != "login" || audit[len(audit)-1].Role != RoleMonitor {
		t.Errorf("a login is not audited: %+v", audit)
	}
}

// TestLoginIsRateLimitedPerUserAndPerAddress: five failures in 15 minutes
// lock the name (from any address) and the address (for any name) with
// 429 and Retry-After, even for the right password, until the window
// moves on.
func TestLoginIsRateLimitedPerUserAndPerAddress(t *testing.T) {
	f := newAuthFixture(t)
	wrong := func(user, ip string) int {
		form := url.Values{"user": {user}, "password": {"guess"}}.Encode()
		return f.do(t, f.h, req{method: "POST", path: "/login", body: form, ip: ip}).Code
	}
	for i := range 5 { // one name from five addresses
		if code := wrong("manager", "198.51.100."+strconv.Itoa(i)); code != http.StatusUnauthorized {
			t.Fatalf("failure %d: %d, want 401", i+1, code)
		}
	}
	right := url.Values{"user": {"manager"}, "password": {"pw-manager"}}.Encode()
	rec := f.do(t, f.h, req{method: "POST", path: "/login", body: right, ip: "203.0.113.9"})
	if rec.Code != http.StatusTooManyRequests || rec.Header().Get("Retry-After") != strconv.Itoa(15*60) {
		t.Fatalf("sixth try, right password, new address: %d Retry-After %q, want 429 and 900",
			rec.Code, rec.Header().Get("Retry-After"))
	}
	f.login(t, f.h, "tracer", "203.0.113.9") // another name is not locked

	for i := range 5 { // five names from one address
		wrong("nobody-"+strconv.Itoa(i), "192.0.2.77")
	}
	if rec := f.do(t, f.h, req{method: "POST", path: "/login", ip: "192.0.2.77",
		body: url.Values{"user": {"monitor"}, "password": {"pw-monitor"}}.Encode()}); rec.Code != http.StatusTooManyRequests {
		t.Fatalf("the address after five failures: %d, want 429", rec.Code)
	}

	f.clock.add(15 * time.Minute)
	f.login(t, f.h, "manager", "203.0.113.9")
	f.login(t, f.h, "monitor", "192.0.2.77")
}

// TestChangesNeedTheSessionsCSRFTokenFromTheSameOrigin: acknowledging an
// alert with the session cookie alone, a wrong token, or from another
// site's page is refused with 403 and changes nothing.
func TestChangesNeedTheSessionsCSRFTokenFromTheSameOrigin(t *testing.T) {
	f := newAuthFixture(t)
	f.put(t, feverAt("site-a", "gate-1", 1, now.Add(-time.Minute)))
	cookie, csrf := f.login(t, f.h, "monitor", "")
	ack := `{"by": "张三", "action": "已送发热门诊"}`
	for _, tt := range []struct {
		name         string
		csrf, origin string
	}{
		{"no token", "", ""},
		{"a wrong token", csrf + "x", ""},
		{"another site's page", csrf, "https://evil.example"},
		{"an opaque origin", csrf, "null"},
	} {
		rec := f.do(t, f.h, req{method: "POST", path: "/api/v1/alerts/gate-1-1/ack", body: ack,
			cookie: cookie, csrf: tt.csrf, origin: tt.origin})
		if rec.Code != http.StatusForbidden {
			t.Errorf("%s: %d %s, want 403", tt.name, rec.Code, rec.Body)
		}
	}
	if a, _ := f.store.Alerts(t.Context(), storeOpenAlerts); len(a) != 1 {
		t.Fatalf("a refused acknowledgement changed the alert: %+v", a)
	}
	rec := f.do(t, f.h, req{method: "POST", path: "/api/v1/alerts/gate-1-1/ack", body: ack, cookie: cookie, csrf: csrf})
	if rec.Code != http.StatusOK {
		t.Fatalf("with the token: %d %s", rec.Code, rec.Body)
	}
	// A machine's bearer token is not sent by browsers on their own: no CSRF token needed.
	f.put(t, feverAt("site-a", "gate-1", 2, now))
	rec = f.do(t, f.h, req{method: "POST", path: "/api/v1/alerts/gate-1-2/ack", body: ack,
		token: "machine-token-0123456789abcdef", origin: "-"})
	if rec.Code != http.StatusOK {
		t.Fatalf("with a bearer token: %d %s", rec.Code, rec.Body)
	}
	if rec := f.do(t, f.h, req{method: "GET", path: "/api/v1/units", token: "not-a-token"}); rec.Code != http.StatusUnauthorized {
		t.Errorf("an unknown bearer token: %d, want 401", rec.Code)
	}
}

// TestSessionsEndWhenIdleAndAfterTheirMaximumAge: 30 minutes unused ends
// a session; so do 12 hours of constant use.
func TestSessionsEndWhenIdleAndAfterTheirMaximumAge(t *testing.T) {
	f := newAuthFixture(t)
	idle, _ := f.login(t, f.h, "monitor", "")
	busy, _ := f.login(t, f.h, "tracer", "")
	f.clock.add(29 * time.Minute)
	if code := f.getAs(t, busy, "/api/v1/units", nil); code != 200 {
		t.Fatalf("busy session after 29 min: %d", code)
	}
	f.clock.add(time.Minute)
	if code := f.getAs(t, idle, "/api/v1/units", nil); code != http.StatusUnauthorized {
		t.Fatalf("session idle 30 min: %d, want 401", code)
	}
	for f.clock.now().Sub(now) < 12*time.Hour-10*time.Minute {
		f.clock.add(10 * time.Minute)
		if code := f.getAs(t, busy, "/api/v1/units", nil); code != 200 {
			t.Fatalf("busy session at %v: %d", f.clock.now().Sub(now), code)
		}
	}
	f.clock.add(10 * time.Minute)
	if code := f.getAs(t, busy, "/api/v1/units", nil); code != http.StatusUnauthorized {
		t.Fatalf("session used for 12 h: %d, want 401", code)
	}
}

// TestLogoutEndsTheSessionOnEveryReplica: a session opened on one replica
// works on another sharing the store, and logging out on either ends it
// for both; the cookie replayed later is refused.
func TestLogoutEndsTheSessionOnEveryReplica(t *testing.T) {
	f := newAuthFixture(t)
	other := f.handler(t)
	cookie, csrf := f.login(t, f.h, "manager", "")
	if rec := f.do(t, other, req{method: "GET", path: "/api/v1/session", cookie: cookie}); rec.Code != 200 ||
		!strings.Contains(rec.Body.String(), `"user":"manager"`) {
		t.Fatalf("the other replica: %d %s", rec.Code, rec.Body)
	}
	if rec := f.do(t, other, req{method: "POST", path: "/logout", cookie: cookie}); rec.Code != http.StatusForbidden {
		t.Fatalf("logout without the CSRF token: %d, want 403", rec.Code)
	}
	rec := f.do(t, other, req{method: "POST", path: "/logout", cookie: cookie, csrf: csrf})
	if rec.Code != 200 || rec.Result().Cookies()[0].MaxAge >= 0 {
		t.Fatalf("logout: %d, cookies %v", rec.Code, rec.Result().Cookies())
	}
	for _, h := range []http.Handler{f.h, other} {
		if rec := f.do(t, h, req{method: "GET", path: "/api/v1/units", cookie: cookie}); rec.Code != http.StatusUnauthorized {
			t.Errorf("the cookie after logout: %d, want 401", rec.Code)
		}
	}
}

// TestSessionCookieIsHttpOnlyStrictAndSecureUnderTLS.
func TestSessionCookieIsHttpOnlyStrictAndSecureUnderTLS(t *testing.T) {
	f := newAuthFixture(t)
	srv := httptestTLS(t, f.h)
	form := url.Values{"user": {"monitor"}, "password": {"pw-monitor"}}
	resp, err := srv.Client().PostForm(srv.URL+"/login", form)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	c := resp.Cookies()
	if resp.StatusCode != 200 || len(c) != 1 || !c[0].HttpOnly || !c[0].Secure ||
		c[0].SameSite != http.SameSiteStrictMode || c[0].MaxAge != int((12*time.Hour).Seconds()) {
		t.Fatalf("login over TLS: %d, cookies %+v", resp.StatusCode, c)
	}
}

var storeOpenAlerts = store.AlertQuery{Open: true}

func httptestTLS(t *testing.T, h http.Handler) *httptest.Server {
	srv := httptest.NewTLSServer(h)
	t.Cleanup(srv.Close)
	return srv
}
