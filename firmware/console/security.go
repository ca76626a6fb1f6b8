package console

import (
	"crypto/subtle"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/kakou/kakou/firmware/wire"
)

// Every request that changes something (any method but GET and HEAD, on
// any path) passes protect: it must come from the console's own page
// (Origin, or Sec-Fetch-Site, not another site's: a page open in the
// guard's phone browser cannot act at the gate), carry a live guard
// session (401 otherwise) and that session's CSRF token in the
// X-CSRF-Token header (403 otherwise; the cookie alone is sent by the
// browser whoever asks). The origin is the request's own scheme and host,
// so the same check holds over http on the Pi's loopback and over https
// on the LAN. Only POST /api/sign-in goes without a session; its origin
// check is what keeps another page from signing the kiosk in as someone.
// A vehicle lane's camera posts plates (POST /api/anpr, vehicle.go) with
// the unit's device token instead of a session.

// csrfHeader carries the session's CSRF token with every change.
const csrfHeader = "X-CSRF-Token"

// signInRoute is the one change that needs no session.
const signInRoute = "POST /api/sign-in"

// mux records the patterns Handler registers, so the tests can walk every
// route that changes something and prove each one is protected.
type mux struct {
	*http.ServeMux
	c *Console
}

func (c *Console) newMux() mux {
	c.routes = nil
	return mux{http.NewServeMux(), c}
}

func (m mux) HandleFunc(pattern string, h func(http.ResponseWriter, *http.Request)) {
	m.c.routes = append(m.c.routes, pattern)
	m.ServeMux.HandleFunc(pattern, h)
}

func (m mux) Handle(pattern string, h http.Handler) {
	m.c.routes = append(m.c.routes, pattern)
	m.ServeMux.Handle(pattern, h)
}

// guardRoutes registers sign-in, sign-out and the list of guards.
func (c *Console) guardRoutes(m mux) {
	m.HandleFunc("GET /api/guards", c.guardList)
	m.HandleFunc(signInRoute, c.signIn)
	m.HandleFunc("POST /api/sign-out", c.signOut)
}

// protect wraps the console's routes; see the top of this file.
func (c *Console) protect(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method == http.MethodGet || r.Method == http.MethodHead {
			next.ServeHTTP(w, r)
			return
		}
		if !sameOrigin(w, r) {
			return
		}
		if r.Method+" "+r.URL.Path == signInRoute || c.anprExempt(r) {
			next.ServeHTTP(w, r)
			return
		}
		if code, zh, en := c.checkSession(r); code != 0 {
			c.opts.Logger.Warn("console: change refused", "path", r.URL.Path, "code", code, "from", r.RemoteAddr)
			refuse(w, code, zh, en)
			return
		}
		next.ServeHTTP(w, r)
	})
}

// checkSession finds r's live session and checks its CSRF token; a change
// that passes counts as activity, so the session's idle time restarts.
func (c *Console) checkSession(r *http.Request) (code int, zh, en string) {
	d := c.desk()
	d.mu.Lock()
	defer d.mu.Unlock()
	_, s := c.liveLocked(r)
	if s == nil || d.guardLocked(s.guard) == nil {
		return http.StatusUnauthorized, "请值守人员先登录。", "Sign in as a guard first."
	}
	got := r.Header.Get(csrfHeader)
	if got == "" || subtle.ConstantTimeCompare([]byte(got), []byte(s.csrf)) != 1 {
		return http.StatusForbidden, "页面已过期，请刷新后重试。", "The page is out of date (CSRF token); reload it and try again."
	}
	s.seen = c.opts.Now()
	return 0, "", ""
}

// sameOrigin refuses, with 403, a change another page sent: an Origin
// that is not this console's own scheme://host, or a browser's word that
// the request is cross-site. The scheme is the connection's, so an https
// console accepts its own https page. A request with neither header did
// not come from a browser's page and is left to the session and token.
func sameOrigin(w http.ResponseWriter, r *http.Request) bool {
	ok := r.Header.Get("Sec-Fetch-Site") != "cross-site"
	if o := r.Header.Get("Origin"); o != "" && ok {
		scheme := "http"
		if r.TLS != nil {
			scheme = "https"
		}
		u, err := url.Parse(o)
		ok = err == nil && strings.EqualFold(u.Scheme, scheme) && strings.EqualFold(u.Host, r.Host) &&
			u.Path == "" && u.User == nil
	}
	if !ok {
		refuse(w, http.StatusForbidden, "只接受本机值守页面的操作。",
			"Changes come only from the console's own page.")
	}
	return ok
}

// signIn takes {"guard": "wang", "pin": "2468"} and opens a session.
func (c *Console) signIn(w http.ResponseWriter, r *http.Request) {
	var req struct {
		Guard string `json:"guard"`
		PIN   string `json:"pin"`
	}
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, 1024))
	if err != nil || json.Unmarshal(body, &req) != nil || req.Guard == "" || req.PIN == "" {
		refuse(w, http.StatusBadRequest, `请选择值守人员并输入密码。`, `send {"guard": "<id>", "pin": "<PIN>"}`)
		return
	}
	d := c.desk()
	select { // one PIN check at a time: see guardDesk.hashing
	case d.hashing <- struct{}{}:
		defer func() { <-d.hashing }()
	case <-r.Context().Done():
		return
	}
	addr := clientAddr(r)
	if wait := c.lockedOut(req.Guard, addr); wait > 0 {
		secs := int((wait + time.Second - 1) / time.Second)
		w.Header().Set("Retry-After", fmt.Sprint(secs))
		refuse(w, http.StatusTooManyRequests, fmt.Sprintf("密码错误次数过多，请 %d 秒后再试。", secs),
			fmt.Sprintf("Too many wrong PINs; try again in %d s.", secs))
		return
	}
	if !c.checkPIN(req.Guard, req.PIN) {
		c.strike(req.Guard, addr)
		c.opts.Logger.Warn("console: wrong guard or PIN", "guard", clip(req.Guard), "from", addr)
		refuse(w, http.StatusUnauthorized, "工号或密码错误。", "Wrong guard or PIN.")
		return
	}
	g, csrf, replaced := c.openSession(w, r, req.Guard, addr)
	c.opts.Logger.Info("guard signed in", "guard", g.ID, "from", addr)
	if replaced != nil && replaced.ID != g.ID {
		c.attend(r.Context(), wire.RecordSignOut, replaced) // the kiosk changed hands
	}
	c.attend(r.Context(), wire.RecordSignIn, g)
	writeJSON(w, http.StatusOK, map[string]any{"guard": g, "csrf": csrf})
}

// lockedOut is how long guard or addr must wait before another try.
func (c *Console) lockedOut(guard, addr string) time.Duration {
	d := c.desk()
	d.mu.Lock()
	defer d.mu.Unlock()
	now := c.opts.Now()
	return max(d.waitLocked("guard:"+guard, now), d.waitLocked("addr:"+addr, now))
}

func (c *Console) strike(guard, addr string) {
	d := c.desk()
	d.mu.Lock()
	defer d.mu.Unlock()
	now := c.opts.Now()
	d.failLocked("guard:"+guard, guardFreeTries, now)
	d.failLocked("addr:"+addr, addrFreeTries, now)
}

// checkPIN runs the slow hash outside the desk's mutex, so the lane's
// state polls are not held up by it.
func (c *Console) checkPIN(guard, pin string) bool {
	d := c.desk()
	d.mu.Lock()
	g, ok := d.roster.Find(guard)
	d.mu.Unlock()
	return ok && !g.Disabled && wire.CheckPIN(g.PINHash, pin)
}

// openSession makes a session for guard, ending the one this browser had
// (a shift change on the kiosk: replaced is that session's guard), and
// sets its cookie.
func (c *Console) openSession(w http.ResponseWriter, r *http.Request, guard, addr string) (g *Guard, csrf string, replaced *Guard) {
	cookie, csrf := randomToken(), randomToken()
	d := c.desk()
	d.mu.Lock()
	defer d.mu.Unlock()
	if key, old := c.liveLocked(r); key != "" {
		replaced = d.guardLocked(old.guard)
		delete(d.sessions, key)
	}
	now := c.opts.Now()
	delete(d.strikes, "guard:"+guard)
	d.sessions[cookieKey(cookie)] = &session{guard: guard, csrf: csrf, opened: now, seen: now, addr: addr}
	http.SetCookie(w, &http.Cookie{Name: sessionCookie, Value: cookie, Path: "/", HttpOnly: true,
		SameSite: http.SameSiteStrictMode, Secure: r.TLS != nil})
	return d.guardLocked(guard), csrf, replaced
}

// signOut ends this browser's session; protect has checked it.
func (c *Console) signOut(w http.ResponseWriter, r *http.Request) {
	d := c.desk()
	d.mu.Lock()
	key, s := c.liveLocked(r)
	var g *Guard
	if s != nil {
		g = d.guardLocked(s.guard)
	}
	delete(d.sessions, key)
	d.mu.Unlock()
	if s != nil {
		c.opts.Logger.Info("guard signed out", "guard", s.guard)
		c.attend(r.Context(), wire.RecordSignOut, g)
	}
	http.SetCookie(w, &http.Cookie{Name: sessionCookie, Value: "", Path: "/", MaxAge: -1, HttpOnly: true,
		SameSite: http.SameSiteStrictMode, Secure: r.TLS != nil})
	writeJSON(w, http.StatusOK, map[string]any{"guard": nil})
}

// clientAddr is the peer's IP: the console is reached directly, never
// through a proxy, so forwarding headers are not believed.
func clientAddr(r *http.Request) string {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		return r.RemoteAddr
	}
	return host
}

// clip bounds a value a stranger sent before it reaches the log.
func clip(s string) string {
	if len(s) > 64 {
		return strings.ToValidUTF8(s[:64], "") + "…"
	}
	return s
}
