package api

import (
	"context"
	"crypto/subtle"
	"errors"
	"net/http"
	"net/url"
	"strings"
)

// csrfHeader carries the session's CSRF token on every request that
// changes something; the dashboard reads the token from /api/v1/session.
const csrfHeader = "X-CSRF-Token"

// public are the routes answered without a caller: the health check for
// load balancers, the login page and its form, Prometheus, and device
// enrollment, which a unit authenticates with its one-time token. The
// venue code's page, its data and the visitors' registrations are public
// too (isPublicVenue, venue.go): a visitor has no login.
var public = map[string]bool{
	"GET /healthz": true, "GET /login": true, "POST /login": true,
	"GET /metrics": true, "POST /api/v1/enroll": true,
}

// guard wraps the API: it finds the caller (authenticate), refuses a
// cross-site or token-less change (checkChange), and hands the caller to
// the handlers through the request's context.
func (s *server) guard(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if public[r.Method+" "+r.URL.Path] || isPublicVenue(r) {
			next.ServeHTTP(w, r)
			return
		}
		c, err := s.authenticate(r)
		if err != nil {
			s.refuseUnknown(w, r, err)
			return
		}
		if err := checkChange(r, c); err != nil {
			s.log.Warn("change refused", "user", c.User, "path", r.URL.Path, "origin", r.Header.Get("Origin"), "err", err)
			writeError(w, http.StatusForbidden, err.Error())
			return
		}
		next.ServeHTTP(w, r.WithContext(context.WithValue(r.Context(), callerKey{}, c)))
	})
}

// refuseUnknown sends a person's browser to the login page and tells a
// program why with 401.
func (s *server) refuseUnknown(w http.ResponseWriter, r *http.Request, err error) {
	if r.Method == http.MethodGet && r.URL.Path == "/" {
		http.Redirect(w, r, "/login", http.StatusSeeOther)
		return
	}
	w.Header().Set("WWW-Authenticate", `Bearer realm="kakou"`)
	writeError(w, http.StatusUnauthorized, err.Error())
}

// safe methods change nothing, so they need no CSRF check.
func safe(method string) bool {
	return method == http.MethodGet || method == http.MethodHead || method == http.MethodOptions
}

// checkChange refuses a state-changing request another site made the
// browser send: Origin (or Sec-Fetch-Site) must say it came from this
// page, and a session must also send its CSRF token, since the cookie
// alone is sent by the browser whoever asks. A bearer token is not
// ambient, so it needs no CSRF token.
func checkChange(r *http.Request, c Caller) error {
	if safe(r.Method) {
		return nil
	}
	if err := sameOrigin(r); err != nil {
		return err
	}
	if c.via != "session" {
		return nil
	}
	got := r.Header.Get(csrfHeader)
	if got == "" {
		return errors.New("the " + csrfHeader + " header is missing; reload the dashboard")
	}
	if subtle.ConstantTimeCompare([]byte(got), []byte(c.csrf)) != 1 {
		return errors.New("the " + csrfHeader + " header does not match your session; reload the dashboard")
	}
	return nil
}

// sameOrigin refuses a request whose Origin names another host, or that
// the browser marks as cross-site. A request without either header did not
// come from a modern browser's page and is left to the token check.
func sameOrigin(r *http.Request) error {
	if r.Header.Get("Sec-Fetch-Site") == "cross-site" {
		return errors.New("cross-site request refused")
	}
	o := r.Header.Get("Origin")
	if o == "" {
		return nil
	}
	u, err := url.Parse(o)
	if err != nil || o == "null" || !strings.EqualFold(u.Host, r.Host) {
		return errors.New("request from origin " + o + " refused: only the dashboard's own pages may change things")
	}
	return nil
}
