package console

import (
	"crypto/tls"
	"encoding/json"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"
	"time"
)

// changeRoutes are the patterns Handler registered for anything but GET.
func changeRoutes(t *testing.T, c *Console) []string {
	t.Helper()
	c.Handler()
	var out []string
	for _, p := range c.routes {
		if !strings.HasPrefix(p, "GET ") {
			out = append(out, p)
		}
	}
	// The walk must see the lane's actions, or it proves nothing.
	for _, want := range []string{"POST /api/manual-temperature", "POST /api/override", "POST /api/cancel-wait", "POST /api/sign-out"} {
		if !slices.Contains(out, want) {
			t.Fatalf("routes %v lack %s: the walk over Handler's routes is broken", out, want)
		}
	}
	return out
}

func request(method, path, body string, cr *signedCred, origin string) *http.Request {
	r := httptest.NewRequest(method, "http://unit.local"+path, strings.NewReader(body))
	if cr != nil {
		cr.add(r)
	}
	if origin != "" {
		r.Header.Set("Origin", origin)
	}
	return r
}

func serve(c *Console, r *http.Request) *httptest.ResponseRecorder {
	w := httptest.NewRecorder()
	c.Handler().ServeHTTP(w, r)
	return w
}

// TestEveryChangeRouteRefusesARequestWithoutASignedInGuard walks every
// route Handler registers, so a route added later without a session check
// fails here: without a session each answers 401 in Chinese and English
// and the lane's ledger is untouched.
func TestEveryChangeRouteRefusesARequestWithoutASignedInGuard(t *testing.T) {
	c, l := newLane(t)
	for _, pattern := range changeRoutes(t, c) {
		if pattern == signInRoute {
			continue
		}
		method, path, _ := strings.Cut(pattern, " ")
		for name, cr := range map[string]*signedCred{"no cookie": nil,
			"a made-up cookie": {cookie: "forged", csrf: "forged"}} {
			w := serve(c, request(method, path, `{"temp_c": 36.6, "decision": "allow", "reason": "四个字的", "guard": "x"}`, cr, ""))
			var body refusal
			json.Unmarshal(w.Body.Bytes(), &body)
			if w.Code != http.StatusUnauthorized || body.Error == "" || body.EN == "" {
				t.Errorf("%s with %s: %d %s, want 401 with zh and en", pattern, name, w.Code, w.Body)
			}
		}
	}
	if logged, _ := l.Entries(t.Context(), 0, 10); len(logged) != 0 {
		t.Fatalf("refused requests made entries: %+v", logged)
	}
}

func TestChangesNeedTheSessionsCSRFToken(t *testing.T) {
	c, _ := newLane(t)
	_, wang := signIn(t, c.Handler(), "wang", "2468", "192.0.2.1")
	_, li := signIn(t, c.Handler(), "li", "1357", "192.0.2.2")
	for name, cr := range map[string]signedCred{
		"no token":                   {cookie: wang.cookie},
		"a wrong token":              {cookie: wang.cookie, csrf: "0123"},
		"another session's token":    {cookie: wang.cookie, csrf: li.csrf},
		"the token without a cookie": {csrf: wang.csrf},
	} {
		r := request("POST", "/api/sign-out", "", &cr, "http://unit.local")
		if cr.csrf == "" {
			r.Header.Del(csrfHeader)
		}
		if cr.cookie == "" {
			r.Header.Del("Cookie")
		}
		w := serve(c, r)
		want := http.StatusForbidden
		if cr.cookie == "" {
			want = http.StatusUnauthorized
		}
		if w.Code != want {
			t.Errorf("%s: %d %s, want %d", name, w.Code, w.Body, want)
		}
	}
	if w := serve(c, request("POST", "/api/sign-out", "", &wang, "http://unit.local")); w.Code != http.StatusOK {
		t.Fatalf("sign-out with the session's token: %d %s", w.Code, w.Body)
	}
	if w := serve(c, request("POST", "/api/sign-out", "", &wang, "")); w.Code != http.StatusUnauthorized {
		t.Fatalf("the signed-out session still works: %d", w.Code)
	}
}

// TestForeignOriginsAreRefusedEvenWithASession: a page on another site,
// the console's host under the other scheme, a sandboxed frame, and a
// request the browser marks cross-site are all refused with 403; the
// console's own origin is accepted.
func TestForeignOriginsAreRefusedEvenWithASession(t *testing.T) {
	c, _ := newLane(t)
	_, cr := signIn(t, c.Handler(), "wang", "2468", "192.0.2.1")
	for _, origin := range []string{"http://evil.example", "https://unit.local", "null", "http://unit.local.evil.example",
		"http://unit.local:8081"} {
		if w := serve(c, request("POST", "/api/mask", `{"worn": true}`, &cr, origin)); w.Code != http.StatusForbidden {
			t.Errorf("Origin %s: %d %s, want 403", origin, w.Code, w.Body)
		}
	}
	r := request("POST", "/api/mask", `{"worn": true}`, &cr, "")
	r.Header.Set("Sec-Fetch-Site", "cross-site")
	if w := serve(c, r); w.Code != http.StatusForbidden {
		t.Errorf("Sec-Fetch-Site: cross-site: %d, want 403", w.Code)
	}
	// Sign-in itself: another page must not sign the kiosk in as someone.
	r = request("POST", "/api/sign-in", `{"guard": "li", "pin": "1357"}`, nil, "http://evil.example")
	if w := serve(c, r); w.Code != http.StatusForbidden || len(w.Result().Cookies()) != 0 {
		t.Errorf("sign-in from another origin: %d, cookies %v", w.Code, w.Result().Cookies())
	}
	w := serve(c, request("POST", "/api/mask", `{"worn": true}`, &cr, "http://unit.local"))
	if w.Code == http.StatusForbidden || w.Code == http.StatusUnauthorized {
		t.Fatalf("the console's own origin: %d %s", w.Code, w.Body)
	}
}

// TestHTTPSConsoleTakesChangesFromItsOwnPageOnly is the production set-up:
// the console over TLS, a browser-like client with a cookie jar. Its own
// https origin signs in and acts; the cookie is Secure; an http:// origin
// for the same host is refused.
func TestHTTPSConsoleTakesChangesFromItsOwnPageOnly(t *testing.T) {
	ca, certFile, keyFile := testCert(t)
	c, l := newLane(t)
	if err := c.StartTLS("127.0.0.1:0", certFile, keyFile); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Shutdown(t.Context()) })
	if _, err := l.Screen(t.Context(), []byte("KAKOU1:PASS:R-1")); err != nil {
		t.Fatal(err)
	}
	jar, _ := cookiejar.New(nil)
	client := &http.Client{Jar: jar, Timeout: 10 * time.Second,
		Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: ca}}}
	origin := strings.TrimSuffix(c.URL(), "/")
	do := func(path, body, origin, csrf string) (*http.Response, string) {
		t.Helper()
		r, _ := http.NewRequest("POST", c.URL()+path, strings.NewReader(body))
		r.Header.Set("Origin", origin)
		r.Header.Set("Content-Type", "application/json")
		if csrf != "" {
			r.Header.Set(csrfHeader, csrf)
		}
		resp, err := client.Do(r)
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		return resp, string(b)
	}
	resp, body := do("api/sign-in", `{"guard": "wang", "pin": "2468"}`, origin, "")
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("sign-in from the https page: %s %s", resp.Status, body)
	}
	var signed struct{ CSRF string }
	json.Unmarshal([]byte(body), &signed)
	var ck *http.Cookie
	for _, k := range resp.Cookies() {
		if k.Name == sessionCookie {
			ck = k
		}
	}
	if ck == nil || !ck.Secure || !ck.HttpOnly || ck.SameSite != http.SameSiteStrictMode || ck.Path != "/" {
		t.Fatalf("session cookie %+v: want Secure, HttpOnly, SameSite=Strict, Path=/", ck)
	}
	if resp, body := do("api/manual-temperature", `{"entry": "id-1", "temp_c": 36.6}`, "http://"+strings.TrimPrefix(origin, "https://"), signed.CSRF); resp.StatusCode != http.StatusForbidden {
		t.Fatalf("http:// origin against the https console: %s %s", resp.Status, body)
	}
	if resp, body := do("api/manual-temperature", `{"entry": "id-1", "temp_c": 36.6}`, origin, signed.CSRF); resp.StatusCode != http.StatusOK {
		t.Fatalf("the https page's own manual entry: %s %s", resp.Status, body)
	}
	if logged, _ := l.Entries(t.Context(), 0, 10); len(logged) != 2 {
		t.Fatalf("want the scan and the manual entry, got %d entries", len(logged))
	}
}

func TestSessionCookieOverHTTPIsHttpOnlyStrictAndNotSecure(t *testing.T) {
	c, _ := newLane(t)
	w, _ := signIn(t, c.Handler(), "wang", "2468", "192.0.2.1")
	cks := w.Result().Cookies()
	if len(cks) != 1 || cks[0].Secure || !cks[0].HttpOnly || cks[0].SameSite != http.SameSiteStrictMode {
		t.Fatalf("cookies %+v", cks)
	}
}
