package console

import (
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"net/http"
	"sort"
	"sync"
	"time"

	"github.com/kakou/kakou/firmware/wire"
)

// Guards sign in at the console with their roster id and PIN (the roster
// comes from the centre, or a local file on a unit without one; the unit
// verifies it and hands it over with SetRoster). A sign-in opens a
// session: a random id in a cookie and a CSRF token the page sends with
// every change. Several sessions may be open at once (the kiosk and a
// guard's phone); the guard on duty at the lane is the one who signed in
// last among the live sessions. A lane with nobody signed in still
// screens; its entries say no guard, and the page says 无人值守.

// Guard is a guard signed in at the console.
type Guard struct {
	ID   string `json:"id"`
	Name string `json:"name"`
}

// DefaultSessionIdle ends a session nobody acted in for a shift's length:
// a guard who walks off without signing out is not on duty for ever.
const DefaultSessionIdle = 12 * time.Hour

// sessionCookie names the cookie that holds a session's random id.
const sessionCookie = "kakou_console"

// session is one sign-in. The desk keys it by the SHA-256 of the cookie,
// so the map's lookups leak nothing useful about a live cookie's bytes.
type session struct {
	guard  string // roster id; the name is read from the roster
	csrf   string
	opened time.Time
	seen   time.Time // the sign-in or the last change; polling the page does not count
	addr   string
}

// guardDesk holds the roster and the sessions. Its mutex is never held
// with Console.mu.
type guardDesk struct {
	mu       sync.Mutex
	roster   wire.GuardRoster         // Version 0: none yet, nobody can sign in
	sessions map[string]*session      // by hex SHA-256 of the cookie
	strikes  map[string]*strikeRecord // wrong PINs by guard and by address (lockout.go)
	// hashing lets one PIN check run at a time: PBKDF2 costs a Pi Zero a
	// third of a second, and a flood of sign-ins must not starve the lane.
	// Holding it across check-and-record also makes the lockout count exact.
	hashing chan struct{}
}

func (c *Console) desk() *guardDesk {
	c.deskOnce.Do(func() {
		c.guards = &guardDesk{sessions: map[string]*session{}, strikes: map[string]*strikeRecord{},
			hashing: make(chan struct{}, 1)}
	})
	return c.guards
}

func (c *Console) idle() time.Duration {
	if c.opts.SessionIdle > 0 {
		return c.opts.SessionIdle
	}
	return DefaultSessionIdle
}

// SetRoster replaces the guards who may sign in. The unit has verified it
// (signature, site and unit, version). A guard the new roster drops or
// disables, or whose PIN was reset, is signed out everywhere at once: a
// reset is how the centre answers a lost phone or a PIN overheard.
func (c *Console) SetRoster(r wire.GuardRoster) {
	d := c.desk()
	d.mu.Lock()
	defer d.mu.Unlock()
	old := d.roster
	d.roster = r
	for key, s := range d.sessions {
		was, _ := old.Find(s.guard)
		now, ok := r.Find(s.guard)
		if !ok || now.Disabled || now.PINHash != was.PINHash {
			delete(d.sessions, key)
			c.opts.Logger.Info("guard signed out: the roster no longer lets them in with that PIN",
				"guard", s.guard, "roster_version", r.Version)
		}
	}
}

// signedIn is the guard whose live session r carries; nil when none.
func (c *Console) signedIn(r *http.Request) *Guard {
	d := c.desk()
	d.mu.Lock()
	defer d.mu.Unlock()
	_, s := c.liveLocked(r)
	if s == nil {
		return nil
	}
	return d.guardLocked(s.guard)
}

// liveLocked finds r's session, ending it if it has been idle too long.
// The caller holds the desk's mutex.
func (c *Console) liveLocked(r *http.Request) (string, *session) {
	ck, err := r.Cookie(sessionCookie)
	if err != nil || ck.Value == "" {
		return "", nil
	}
	key := cookieKey(ck.Value)
	s := c.guards.sessions[key]
	if s == nil {
		return "", nil
	}
	if c.opts.Now().Sub(s.seen) > c.idle() {
		delete(c.guards.sessions, key)
		c.opts.Logger.Info("guard session ended: idle too long", "guard", s.guard, "idle", c.idle())
		return "", nil
	}
	return key, s
}

// guardLocked is the roster's guard id as shown, or nil if it may no
// longer sign in.
func (d *guardDesk) guardLocked(id string) *Guard {
	g, ok := d.roster.Find(id)
	if !ok || g.Disabled {
		return nil
	}
	return &Guard{ID: g.ID, Name: g.Name}
}

// OnDuty is the roster id of the guard on duty at this lane: the one who
// signed in most recently among the live sessions; "" when nobody is. The
// unit stamps it on every entry (wire.Entry.Guard).
func (c *Console) OnDuty() string {
	if g := c.onDuty(); g != nil {
		return g.ID
	}
	return ""
}

// guardsSignedIn is the set of guards with a live session.
func (c *Console) guardsSignedIn() map[string]bool {
	d := c.desk()
	d.mu.Lock()
	defer d.mu.Unlock()
	now, in := c.opts.Now(), map[string]bool{}
	for _, s := range d.sessions {
		if now.Sub(s.seen) <= c.idle() && d.guardLocked(s.guard) != nil {
			in[s.guard] = true
		}
	}
	return in
}

func (c *Console) onDuty() *Guard {
	d := c.desk()
	d.mu.Lock()
	defer d.mu.Unlock()
	now := c.opts.Now()
	var best *session
	for key, s := range d.sessions {
		if now.Sub(s.seen) > c.idle() {
			delete(d.sessions, key)
			continue
		}
		if d.guardLocked(s.guard) != nil && (best == nil || s.opened.After(best.opened)) {
			best = s
		}
	}
	if best == nil {
		return nil
	}
	return d.guardLocked(best.guard)
}

// guardState is what GET /api/state adds for the page: who this browser
// is signed in as, its CSRF token, and who is on duty at the lane.
type guardState struct {
	Guard  *Guard `json:"guard"`   // this browser's guard; null when signed out
	CSRF   string `json:"csrf"`    // send as X-CSRF-Token with every change
	OnDuty *Guard `json:"on_duty"` // null: 无人值守
}

func (c *Console) guardState(r *http.Request) guardState {
	var st guardState
	d := c.desk()
	d.mu.Lock()
	if _, s := c.liveLocked(r); s != nil {
		st.Guard, st.CSRF = d.guardLocked(s.guard), s.csrf
	}
	d.mu.Unlock()
	st.OnDuty = c.onDuty()
	if st.Guard == nil {
		st.CSRF = ""
	}
	return st
}

// guardList answers GET /api/guards: the guards who may sign in, for the
// sign-in panel's list. Ids and names only, never a hash.
func (c *Console) guardList(w http.ResponseWriter, r *http.Request) {
	d := c.desk()
	d.mu.Lock()
	out := []Guard{}
	for _, g := range d.roster.Guards {
		if !g.Disabled {
			out = append(out, Guard{ID: g.ID, Name: g.Name})
		}
	}
	d.mu.Unlock()
	sort.Slice(out, func(i, j int) bool { return out[i].ID < out[j].ID })
	writeJSON(w, http.StatusOK, out)
}

// randomToken is 32 random bytes, URL-safe.
func randomToken() string {
	b := make([]byte, 32)
	rand.Read(b) // never fails (crypto/rand)
	return base64.RawURLEncoding.EncodeToString(b)
}

func cookieKey(cookie string) string {
	sum := sha256.Sum256([]byte(cookie))
	return hex.EncodeToString(sum[:])
}

// actor is the roster id of the guard acting in r; "" when none (a route
// the protection lets through without a session).
func (c *Console) actor(r *http.Request) string {
	if g := c.signedIn(r); g != nil {
		return g.ID
	}
	return ""
}
