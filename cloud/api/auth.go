package api

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/kakou/kakou/cloud/store"
)

// Who may see what (SECURITY.md "Logins with roles"): a person logs in to the dashboard
// with a name and password from the collector's config and gets a
// session; a machine sends a bearer token from [[api_tokens]]. Every
// request under /api/v1 is answered for one Caller, whose role and scope
// the handlers apply (auth_scope.go). Without AuthOptions the collector is
// in open mode: everyone is an anonymous monitor, which the collector's
// config allows on a loopback address only (the one-command demo).

// More roles besides RoleMonitor and RoleTracer (trace.go).
const (
	RoleGuard       = "guard"        // a gate guard: their own unit only
	RoleSiteManager = "site_manager" // a site's manager: their own site only
)

// User is one [[users]] entry of the collector's config.
type User struct {
	Name, Role   string
	Site, Unit   string // the scope of a site manager (Site) or a guard (both)
	Region       string // a monitor's or tracer's region, "" for every site
	PasswordHash string // argon2id, see HashPassword
}

// SessionStore keeps logins where every replica sees them (store.Session).
type SessionStore interface {
	PutSession(ctx context.Context, s store.Session) error
	Session(ctx context.Context, id string) (store.Session, error)
	TouchSession(ctx context.Context, id string, at time.Time) error
	DeleteSession(ctx context.Context, id string) error
	PurgeSessions(ctx context.Context, idleBefore, openedBefore time.Time) (int, error)
}

// AuthOptions turns logins on. Zero durations and counts take the defaults
// in the comments.
type AuthOptions struct {
	Users    []User
	Sessions SessionStore
	// IdleTimeout ends a session nobody used for this long (30 min); the
	// dashboard polls every second, so an open screen stays logged in.
	IdleTimeout time.Duration
	// MaxAge ends every session this long after login (12 h), whatever
	// its use: at least once a shift, someone types the password again.
	MaxAge time.Duration
	// MaxFailures failed logins per user name, and per client address,
	// within FailureWindow (5 in 15 min) lock that name or address out
	// until the oldest failure leaves the window.
	MaxFailures   int
	FailureWindow time.Duration
	// Argon2 is the cost of the dummy hash checked for unknown user names
	// (DefaultArgon2), so a wrong name takes as long as a wrong password.
	Argon2 Argon2Params
}

// auth is the request-time state of logins and tokens.
type auth struct {
	open     bool              // no logins: everyone is an anonymous monitor
	tokens   map[string]Caller // by hex SHA-256 of the bearer token
	users    map[string]User   // by name
	hashes   map[string]passwordHash
	dummy    passwordHash // checked for unknown names
	sessions SessionStore
	opts     AuthOptions
	limit    *limiter
	hashing  chan struct{} // bounds concurrent argon2 runs: each takes Argon2.Memory
}

func newAuth(opts Options) (*auth, error) {
	a := &auth{open: opts.Auth == nil, tokens: map[string]Caller{}}
	for tok, c := range opts.Tokens {
		c.via = "token"
		a.tokens[sha256Hex(tok)] = c
	}
	if a.open {
		return a, nil
	}
	a.opts = withAuthDefaults(*opts.Auth)
	if a.opts.Sessions == nil {
		return nil, errors.New("api: AuthOptions.Sessions is required: logins are kept in the store")
	}
	a.sessions, a.users, a.hashes = a.opts.Sessions, map[string]User{}, map[string]passwordHash{}
	for _, u := range a.opts.Users {
		h, err := parseHash(u.PasswordHash)
		if err != nil {
			return nil, fmt.Errorf("api: user %q: %w", u.Name, err)
		}
		a.users[u.Name], a.hashes[u.Name] = u, h
	}
	dummy, err := HashPassword("no such user", a.opts.Argon2)
	if err != nil {
		return nil, err
	}
	a.dummy, _ = parseHash(dummy)
	a.limit = newLimiter(a.opts.MaxFailures, a.opts.FailureWindow)
	a.hashing = make(chan struct{}, 2)
	return a, nil
}

func withAuthDefaults(o AuthOptions) AuthOptions {
	if o.IdleTimeout <= 0 {
		o.IdleTimeout = 30 * time.Minute
	}
	if o.MaxAge <= 0 {
		o.MaxAge = 12 * time.Hour
	}
	if o.MaxFailures <= 0 {
		o.MaxFailures = 5
	}
	if o.FailureWindow <= 0 {
		o.FailureWindow = 15 * time.Minute
	}
	if o.Argon2 == (Argon2Params{}) {
		o.Argon2 = DefaultArgon2
	}
	return o
}

func sha256Hex(s string) string {
	sum := sha256.Sum256([]byte(s))
	return hex.EncodeToString(sum[:])
}

type callerKey struct{}

// caller is who the authenticating middleware let in (see guard).
func (s *server) caller(r *http.Request) Caller {
	c, ok := r.Context().Value(callerKey{}).(Caller)
	if !ok {
		c = anonymous
	}
	c.regions = s.opts.Regions
	return c
}

// anonymous is everyone in open mode: central monitoring, masked.
var anonymous = Caller{User: "anonymous", Role: RoleMonitor, via: "open"}

// errNoLogin is answered with 401: log in, or send a token.
var errNoLogin = errors.New("log in at /login, or send Authorization: Bearer <token> from [[api_tokens]]")

// authenticate finds the caller of r: a bearer token, else a session
// cookie, else (in open mode only) the anonymous monitor. A token or
// cookie that is present but wrong is refused, never downgraded to
// anonymous, so a mistyped token does not silently see masked data.
func (s *server) authenticate(r *http.Request) (Caller, error) {
	if h := r.Header.Get("Authorization"); h != "" {
		tok, ok := strings.CutPrefix(h, "Bearer ")
		if c, known := s.auth.tokens[sha256Hex(tok)]; ok && known {
			return c, nil
		}
		return Caller{}, errors.New("the bearer token is not one of the collector's [[api_tokens]]")
	}
	if s.auth.open {
		return anonymous, nil
	}
	ck, err := r.Cookie(sessionCookie)
	if err != nil {
		return Caller{}, errNoLogin
	}
	return s.session(r.Context(), ck.Value)
}

// session checks a session cookie against the store and the config.
func (s *server) session(ctx context.Context, cookie string) (Caller, error) {
	id := sha256Hex(cookie)
	se, err := s.auth.sessions.Session(ctx, id)
	if errors.Is(err, store.ErrNotFound) {
		return Caller{}, errors.New("your session has ended; log in again at /login")
	}
	if err != nil {
		return Caller{}, fmt.Errorf("read session: %w", err)
	}
	now := s.opts.Now()
	u, known := s.auth.users[se.User]
	if !known || now.Sub(se.CreatedAt) >= s.auth.opts.MaxAge || now.Sub(se.SeenAt) >= s.auth.opts.IdleTimeout {
		if err := s.auth.sessions.DeleteSession(ctx, id); err != nil {
			s.log.Warn("delete an ended session", "err", err)
		}
		return Caller{}, errors.New("your session has expired; log in again at /login")
	}
	// A write per poll would be five a second per screen; a minute's
	// staleness in SeenAt only ends an idle session that much sooner.
	if now.Sub(se.SeenAt) >= time.Minute {
		if err := s.auth.sessions.TouchSession(ctx, id, now); err != nil {
			s.log.Warn("touch session", "err", err)
		}
	}
	return Caller{User: u.Name, Role: u.Role, Site: u.Site, Unit: u.Unit, Region: u.Region, via: "session",
		session: id, csrf: se.CSRF}, nil
}
