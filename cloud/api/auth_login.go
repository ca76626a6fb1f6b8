package api

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"net"
	"net/http"
	"strconv"
	"time"
	"unicode/utf8"

	"github.com/kakou/kakou/cloud/store"
)

// sessionCookie names the login cookie. It is HttpOnly (no script reads
// it; the page gets the CSRF token from /api/v1/session instead),
// SameSite=Strict (no other site's page sends it) and Secure under TLS.
const sessionCookie = "kakou_session"

// login checks a name and password posted by the login page and opens a
// session. Failures are counted per name and per client address; past
// the limit the answer is 429 with Retry-After, before any password is
// checked, so a locked name cannot be guessed at all.
func (s *server) login(w http.ResponseWriter, r *http.Request) {
	if s.auth.open {
		writeError(w, http.StatusNotFound, "logins are off: this collector runs in open mode ([auth] mode)")
		return
	}
	if err := sameOrigin(r); err != nil {
		writeError(w, http.StatusForbidden, err.Error())
		return
	}
	r.Body = http.MaxBytesReader(w, r.Body, 4<<10)
	name, password := r.PostFormValue("user"), r.PostFormValue("password")
	if name == "" || password == "" {
		writeError(w, http.StatusBadRequest, "send the form fields user and password")
		return
	}
	now, ip := s.opts.Now(), clientIP(r)
	if wait := max(s.auth.limit.wait("user:"+name, now), s.auth.limit.wait("ip:"+ip, now)); wait > 0 {
		s.log.Warn("login refused: too many failures", "user", clip(name), "ip", ip)
		w.Header().Set("Retry-After", strconv.Itoa(int(wait.Seconds()+0.999)))
		writeError(w, http.StatusTooManyRequests, "too many failed logins; try again in "+wait.Round(time.Second).String())
		return
	}
	u, ok := s.auth.users[name]
	if !s.checkPassword(r.Context(), name, password) {
		s.loginFailed(r.Context(), name, ip, ok, now)
		writeError(w, http.StatusUnauthorized, "wrong user name or password")
		return
	}
	s.auth.limit.forget("user:" + name)
	s.openSession(w, r, u, ip)
}

// checkPassword runs argon2 for known and unknown names alike, at most two
// at a time: each run takes tens of MiB, and a flood of logins must not
// take the collector's memory.
func (s *server) checkPassword(ctx context.Context, name, password string) bool {
	select {
	case s.auth.hashing <- struct{}{}:
		defer func() { <-s.auth.hashing }()
	case <-ctx.Done():
		return false
	}
	h, ok := s.auth.hashes[name]
	if !ok {
		s.auth.dummy.matches(password) // the same time as a wrong password
		return false
	}
	return h.matches(password)
}

func (s *server) loginFailed(ctx context.Context, name, ip string, known bool, now time.Time) {
	s.auth.limit.fail("user:"+name, now)
	s.auth.limit.fail("ip:"+ip, now)
	s.log.Warn("login failed", "user", clip(name), "ip", ip, "known_user", known)
	err := s.audit(ctx, Caller{User: clip(name)}, "login_failed", map[string]any{"ip": ip, "known_user": known})
	if err != nil {
		s.log.Error("audit a failed login", "err", err)
	}
}

// openSession stores a new session for u and sets its cookie; the id is
// new at every login, so a cookie planted before login is worth nothing.
func (s *server) openSession(w http.ResponseWriter, r *http.Request, u User, ip string) {
	cookie, csrf := randomToken(), randomToken()
	now := s.opts.Now()
	err := s.auth.sessions.PutSession(r.Context(), store.Session{ID: sha256Hex(cookie), User: u.Name,
		CSRF: csrf, CreatedAt: now, SeenAt: now})
	if err != nil {
		s.internal(w, "open a session", err)
		return
	}
	if _, err := s.auth.sessions.PurgeSessions(r.Context(), now.Add(-s.auth.opts.IdleTimeout),
		now.Add(-s.auth.opts.MaxAge)); err != nil {
		s.log.Warn("purge ended sessions", "err", err)
	}
	c := Caller{User: u.Name, Role: u.Role, Site: u.Site, Unit: u.Unit, via: "session", csrf: csrf}
	if err := s.audit(r.Context(), c, "login", map[string]any{"ip": ip}); err != nil {
		s.log.Error("audit a login", "err", err)
	}
	s.log.Info("login", "user", u.Name, "role", u.Role, "ip", ip)
	http.SetCookie(w, &http.Cookie{Name: sessionCookie, Value: cookie, Path: "/", HttpOnly: true,
		Secure: r.TLS != nil, SameSite: http.SameSiteStrictMode, MaxAge: int(s.auth.opts.MaxAge.Seconds())})
	writeJSON(w, http.StatusOK, whoami(c, "login"))
}

// logout ends the caller's session on every replica at once.
func (s *server) logout(w http.ResponseWriter, r *http.Request) {
	c := s.caller(r)
	if c.via != "session" {
		writeError(w, http.StatusBadRequest, "only a login session can log out; a token stays valid until removed from the config")
		return
	}
	if err := s.auth.sessions.DeleteSession(r.Context(), c.session); err != nil {
		s.internal(w, "end the session", err)
		return
	}
	if err := s.audit(r.Context(), c, "logout", map[string]any{"ip": clientIP(r)}); err != nil {
		s.log.Error("audit a logout", "err", err)
	}
	http.SetCookie(w, &http.Cookie{Name: sessionCookie, Value: "", Path: "/", HttpOnly: true,
		Secure: r.TLS != nil, SameSite: http.SameSiteStrictMode, MaxAge: -1})
	writeJSON(w, http.StatusOK, map[string]string{"status": "logged out"})
}

// whoamiHandler tells the dashboard who is logged in and the CSRF token to
// send with changes.
func (s *server) whoamiHandler(w http.ResponseWriter, r *http.Request) {
	mode := "login"
	if s.auth.open {
		mode = "open"
	}
	me := whoami(s.caller(r), mode)
	me["timezone"] = zoneName(s.opts.Location, s.opts.Now()) // the dashboard's clock (names.go)
	writeJSON(w, http.StatusOK, me)
}

func whoami(c Caller, mode string) map[string]string {
	return map[string]string{"user": c.User, "role": c.Role, "site": c.Site, "unit": c.Unit, "region": c.Region,
		"via": c.via, "mode": mode, "csrf_token": c.csrf}
}

// clientIP is the address the connection came from. X-Forwarded-For is
// not trusted: anyone can send it (SECURITY.md "Known limits"
// says what a proxy in front changes).
func clientIP(r *http.Request) string {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		return r.RemoteAddr
	}
	return host
}

// randomToken is 256 random bits, URL-safe.
func randomToken() string {
	b := make([]byte, 32)
	rand.Read(b) // crypto/rand.Read never fails (Go 1.24+)
	return base64.RawURLEncoding.EncodeToString(b)
}

// clip keeps what a stranger typed as a user name short and valid UTF-8
// before it reaches the log and the audit trail.
func clip(s string) string {
	if !utf8.ValidString(s) {
		s = "(invalid UTF-8)"
	}
	if r := []rune(s); len(r) > 64 {
		s = string(r[:64]) + "…"
	}
	return s
}
