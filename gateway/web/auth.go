package web

import (
	"crypto/rand"
	"crypto/subtle"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"

	"github.com/kakou/kakou/firmware/wire"
)

// A correction changes what every door lets in, so it takes a signed-in
// site manager, as a change at the unit's console takes a signed-in guard
// (firmware/console security.go, the same rules): every request but GET
// and HEAD must come from this page's own origin (403 otherwise: a page
// open in another tab cannot post here), and every one but sign-in needs
// a live session (401) and that session's token in X-CSRF-Token (403;
// the cookie alone the browser sends whoever asks). Managers are the
// gateway config's [[managers]], each with a PIN hash checked by
// wire.CheckPIN; the audit trail names the manager signed in, never a
// name typed into the form.

// Manager is one site manager who may sign in.
type Manager struct {
	ID, Name, PINHash string
}

const (
	csrfHeader  = "X-CSRF-Token"
	cookieName  = "kakou_gateway_session"
	signInRoute = "POST /api/v1/sign-in"
	// idleAfter ends a session nobody used for this long: the tablet at
	// the entrance is left on the counter.
	idleAfter = 15 * time.Minute
	// maxFailures wrong PINs in a row lock a manager out for lockFor; a
	// 4-6 digit PIN has at most a million values.
	maxFailures = 5
	lockFor     = time.Minute
)

type session struct {
	manager string
	csrf    string
	seen    time.Time
}

// desk holds the sessions and the lockouts. hashing lets one PIN check
// run at a time: each costs a Pi a third of a second.
type desk struct {
	managers map[string]Manager
	now      func() time.Time
	hashing  chan struct{}

	mu       sync.Mutex
	sessions map[string]*session // by cookie value
	failures map[string]int
	locked   map[string]time.Time
}

func newDesk(ms []Manager, now func() time.Time) *desk {
	d := &desk{managers: map[string]Manager{}, now: now, hashing: make(chan struct{}, 1),
		sessions: map[string]*session{}, failures: map[string]int{}, locked: map[string]time.Time{}}
	for _, m := range ms {
		d.managers[m.ID] = m
	}
	return d
}

// signedIn is the manager of r's live session, and the session.
func (d *desk) signedIn(r *http.Request) (Manager, *session) {
	c, err := r.Cookie(cookieName)
	if err != nil {
		return Manager{}, nil
	}
	d.mu.Lock()
	defer d.mu.Unlock()
	s := d.sessions[c.Value]
	if s == nil {
		return Manager{}, nil
	}
	if d.now().Sub(s.seen) > idleAfter {
		delete(d.sessions, c.Value)
		return Manager{}, nil
	}
	m, ok := d.managers[s.manager]
	if !ok {
		return Manager{}, nil
	}
	return m, s
}

// protect wraps every route; see the top of this file.
func (a *api) protect(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method == http.MethodGet || r.Method == http.MethodHead {
			next.ServeHTTP(w, r)
			return
		}
		if !sameOrigin(r) {
			a.log.Warn("change from another page refused", "path", r.URL.Path, "origin", r.Header.Get("Origin"))
			fail(w, http.StatusForbidden, "只接受本机页面的操作 (changes come only from this gateway's own page)")
			return
		}
		if r.Method+" "+r.URL.Path == signInRoute {
			next.ServeHTTP(w, r)
			return
		}
		_, s := a.desk.signedIn(r)
		if s == nil {
			fail(w, http.StatusUnauthorized, "请场所管理员先登录 (sign in as a site manager first)")
			return
		}
		got := r.Header.Get(csrfHeader)
		if got == "" || subtle.ConstantTimeCompare([]byte(got), []byte(s.csrf)) != 1 {
			fail(w, http.StatusForbidden, "页面已过期，请刷新后重试 (the page is out of date: reload it and try again)")
			return
		}
		a.desk.mu.Lock()
		s.seen = a.desk.now()
		a.desk.mu.Unlock()
		next.ServeHTTP(w, r)
	})
}

// sameOrigin refuses a change another page sent: an Origin that is not
// this gateway's own scheme://host, or a browser's word that the request
// is cross-site. A request with neither header did not come from a
// browser's page and is left to the session and the token.
func sameOrigin(r *http.Request) bool {
	if r.Header.Get("Sec-Fetch-Site") == "cross-site" {
		return false
	}
	o := r.Header.Get("Origin")
	if o == "" {
		return true
	}
	scheme := "http"
	if r.TLS != nil {
		scheme = "https"
	}
	u, err := url.Parse(o)
	return err == nil && strings.EqualFold(u.Scheme, scheme) && strings.EqualFold(u.Host, r.Host) &&
		u.Path == "" && u.User == nil
}

type sessionJSON struct {
	Manager string `json:"manager"`
	Name    string `json:"name"`
	CSRF    string `json:"csrf"`
}

// session says who is signed in on this browser, with the CSRF token the
// page sends with each change; {} when nobody is.
func (a *api) session(w http.ResponseWriter, r *http.Request) {
	m, s := a.desk.signedIn(r)
	if s == nil {
		reply(w, http.StatusOK, struct{}{})
		return
	}
	reply(w, http.StatusOK, sessionJSON{m.ID, m.Name, s.csrf})
}

// managers lists who may sign in, for the page's choice; no hashes.
func (a *api) managers(w http.ResponseWriter, _ *http.Request) {
	type row struct {
		ID   string `json:"id"`
		Name string `json:"name"`
	}
	out := []row{}
	for _, m := range a.opts.Managers {
		out = append(out, row{m.ID, m.Name})
	}
	reply(w, http.StatusOK, out)
}

// signIn takes {"manager": "wang", "pin": "2468"} and opens a session.
func (a *api) signIn(w http.ResponseWriter, r *http.Request) {
	var req struct {
		Manager string `json:"manager"`
		PIN     string `json:"pin"`
	}
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, 1024))
	if err != nil || json.Unmarshal(body, &req) != nil || req.Manager == "" || req.PIN == "" {
		fail(w, http.StatusBadRequest, `请选择管理员并输入密码 (send {"manager": "<id>", "pin": "<PIN>"})`)
		return
	}
	d := a.desk
	select {
	case d.hashing <- struct{}{}:
		defer func() { <-d.hashing }()
	case <-r.Context().Done():
		return
	}
	if wait := d.lockedOut(req.Manager); wait > 0 {
		secs := int((wait + time.Second - 1) / time.Second)
		w.Header().Set("Retry-After", fmt.Sprint(secs))
		fail(w, http.StatusTooManyRequests, fmt.Sprintf("密码错误次数过多，请 %d 秒后再试 (too many wrong PINs: try again in %d s)", secs, secs))
		return
	}
	m, ok := d.managers[req.Manager]
	if !ok || !wire.CheckPIN(m.PINHash, req.PIN) {
		d.failed(req.Manager)
		a.log.Warn("manager sign-in refused", "manager", req.Manager, "from", r.RemoteAddr)
		fail(w, http.StatusUnauthorized, "管理员或密码不对 (unknown manager or wrong PIN)")
		return
	}
	token, csrf := randomToken(), randomToken()
	d.mu.Lock()
	delete(d.failures, m.ID)
	d.sessions[token] = &session{manager: m.ID, csrf: csrf, seen: d.now()}
	d.mu.Unlock()
	http.SetCookie(w, &http.Cookie{Name: cookieName, Value: token, Path: "/", HttpOnly: true,
		Secure: r.TLS != nil, SameSite: http.SameSiteStrictMode})
	a.log.Info("manager signed in", "manager", m.ID)
	reply(w, http.StatusOK, sessionJSON{m.ID, m.Name, csrf})
}

func (a *api) signOut(w http.ResponseWriter, r *http.Request) {
	if c, err := r.Cookie(cookieName); err == nil {
		a.desk.mu.Lock()
		delete(a.desk.sessions, c.Value)
		a.desk.mu.Unlock()
	}
	http.SetCookie(w, &http.Cookie{Name: cookieName, Value: "", Path: "/", MaxAge: -1, HttpOnly: true})
	reply(w, http.StatusOK, struct{}{})
}

func (d *desk) lockedOut(id string) time.Duration {
	d.mu.Lock()
	defer d.mu.Unlock()
	if until, ok := d.locked[id]; ok {
		if wait := until.Sub(d.now()); wait > 0 {
			return wait
		}
		delete(d.locked, id)
	}
	return 0
}

func (d *desk) failed(id string) {
	d.mu.Lock()
	defer d.mu.Unlock()
	if _, known := d.managers[id]; !known {
		return // no table of every name someone guessed
	}
	d.failures[id]++
	if d.failures[id] >= maxFailures {
		d.locked[id], d.failures[id] = d.now().Add(lockFor), 0
	}
}

func randomToken() string {
	var b [32]byte
	_, _ = rand.Read(b[:]) // crypto/rand.Read never fails (Go 1.24)
	return base64.RawURLEncoding.EncodeToString(b[:])
}
