package console

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/kakou/kakou/firmware/wire"
)

// The guards of the tests: 王师傅 (PIN 2468), 李师傅 (1357), and 赵师傅,
// whose account the centre disabled (PIN 1111).
var (
	rosterOnce sync.Once
	rosterHash map[string]string
)

func testRoster(t testing.TB, version uint64) wire.GuardRoster {
	t.Helper()
	rosterOnce.Do(func() {
		rosterHash = map[string]string{}
		for _, pin := range []string{"2468", "1357", "1111", "9999"} {
			h, err := wire.HashPIN(pin)
			if err != nil {
				panic(err)
			}
			rosterHash[pin] = h
		}
	})
	return wire.GuardRoster{Schema: wire.SchemaVersion, Site: "sunshine-garden", Unit: "north-gate",
		Version: version, IssuedAt: time.Now(), IssuedBy: "test",
		Guards: []wire.RosterGuard{{ID: "wang", Name: "王师傅", PINHash: rosterHash["2468"]},
			{ID: "li", Name: "李师傅", PINHash: rosterHash["1357"]},
			{ID: "zhao", Name: "赵师傅", PINHash: rosterHash["1111"], Disabled: true}}}
}

// signedCred is a signed-in browser: its cookie and CSRF token.
type signedCred struct{ cookie, csrf string }

// signIn signs guard in with pin from addr through the handler and
// returns the answer, and the credential when it succeeded.
func signIn(t *testing.T, h http.Handler, guard, pin, addr string) (*httptest.ResponseRecorder, signedCred) {
	t.Helper()
	r := httptest.NewRequest("POST", "http://unit.local/api/sign-in",
		strings.NewReader(`{"guard": "`+guard+`", "pin": "`+pin+`"}`))
	r.RemoteAddr = addr + ":50000"
	r.Header.Set("Origin", "http://unit.local")
	w := httptest.NewRecorder()
	h.ServeHTTP(w, r)
	var cr signedCred
	if w.Code == http.StatusOK {
		for _, ck := range w.Result().Cookies() {
			if ck.Name == sessionCookie {
				cr.cookie = ck.Value
			}
		}
		var body struct{ CSRF string }
		json.Unmarshal(w.Body.Bytes(), &body)
		cr.csrf = body.CSRF
		if cr.cookie == "" || cr.csrf == "" {
			t.Fatalf("sign-in answered 200 without a cookie or a token: %s", w.Body)
		}
	}
	return w, cr
}

// add puts the credential on r, as the page's fetch sends it.
func (cr signedCred) add(r *http.Request) {
	r.AddCookie(&http.Cookie{Name: sessionCookie, Value: cr.cookie})
	r.Header.Set(csrfHeader, cr.csrf)
}

// asGuard signs 王师傅 in at c (once per console) and puts the session on
// r: the tests of the lane's actions act as a signed-in guard.
func asGuard(t *testing.T, c *Console, r *http.Request) {
	t.Helper()
	c.desk()
	if c.guards.roster.Version == 0 {
		c.SetRoster(testRoster(t, 1))
	}
	cr, ok := testGuards.Load(c)
	if !ok {
		_, cred := signIn(t, c.Handler(), "wang", "2468", "192.0.2.10")
		cr, _ = testGuards.LoadOrStore(c, cred)
	}
	cr.(signedCred).add(r)
}

// testGuards holds each console's signed-in test guard.
var testGuards sync.Map // *Console → signedCred

// settable is a clock the tests move by hand.
type settable struct {
	mu sync.Mutex
	t  time.Time
}

func (s *settable) now() time.Time      { s.mu.Lock(); defer s.mu.Unlock(); return s.t }
func (s *settable) add(d time.Duration) { s.mu.Lock(); defer s.mu.Unlock(); s.t = s.t.Add(d) }
