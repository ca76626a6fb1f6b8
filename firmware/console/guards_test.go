package console

import (
	"encoding/json"
	"net/http"
	"strings"
	"testing"
	"time"
)

// clocked is a console whose clock the test moves.
func clocked(t *testing.T) (*Console, *settable) {
	t.Helper()
	c, _ := newLane(t)
	clk := &settable{t: time.Date(2026, 11, 23, 8, 0, 0, 0, time.UTC)}
	c.opts.Now = clk.now
	return c, clk
}

func TestWrongPINsLockTheGuardOutForAGrowingTime(t *testing.T) {
	c, clk := clocked(t)
	h := c.Handler()
	for i := range guardFreeTries {
		if w, _ := signIn(t, h, "wang", "0000", "192.0.2.1"); w.Code != http.StatusUnauthorized {
			t.Fatalf("wrong PIN %d: %d %s", i+1, w.Code, w.Body)
		}
	}
	// From another address and with the right PIN: the guard is locked.
	w, _ := signIn(t, h, "wang", "2468", "192.0.2.99")
	if w.Code != http.StatusTooManyRequests || w.Header().Get("Retry-After") != "30" || !strings.Contains(w.Body.String(), "秒后再试") {
		t.Fatalf("right PIN while locked: %d %s (Retry-After %q)", w.Code, w.Body, w.Header().Get("Retry-After"))
	}
	if w, _ := signIn(t, h, "li", "1357", "192.0.2.99"); w.Code != http.StatusOK {
		t.Fatalf("another guard is not locked: %d", w.Code)
	}
	clk.add(31 * time.Second)
	if w, _ := signIn(t, h, "wang", "0000", "192.0.2.1"); w.Code != http.StatusUnauthorized {
		t.Fatalf("a try after the lockout: %d", w.Code)
	}
	clk.add(31 * time.Second)
	if w, _ := signIn(t, h, "wang", "2468", "192.0.2.1"); w.Code != http.StatusTooManyRequests {
		t.Fatalf("the sixth wrong PIN locked for only 30 s: %d", w.Code)
	}
	clk.add(30 * time.Second)
	if w, _ := signIn(t, h, "wang", "2468", "192.0.2.1"); w.Code != http.StatusOK {
		t.Fatalf("after the doubled lockout the right PIN: %d %s", w.Code, w.Body)
	}
	// Success clears the guard's count.
	if w, _ := signIn(t, h, "wang", "0000", "192.0.2.1"); w.Code != http.StatusUnauthorized {
		t.Fatalf("one wrong PIN after a success: %d", w.Code)
	}
}

func TestOneAddressTryingManyGuardsIsLockedOut(t *testing.T) {
	c, _ := clocked(t)
	h := c.Handler()
	for i := range addrFreeTries {
		guard := []string{"wang", "li", "nobody"}[i%3]
		if w, _ := signIn(t, h, guard, "0000", "192.0.2.7"); w.Code != http.StatusUnauthorized {
			t.Fatalf("wrong PIN %d: %d", i+1, w.Code)
		}
	}
	if w, _ := signIn(t, h, "li", "1357", "192.0.2.7"); w.Code != http.StatusTooManyRequests {
		t.Fatalf("the address that sprayed PINs: %d, want 429", w.Code)
	}
}

func TestADisabledOrUnknownGuardCannotSignIn(t *testing.T) {
	c, _ := newLane(t)
	for _, g := range [][2]string{{"zhao", "1111"}, {"nobody", "2468"}, {"", "2468"}} {
		if w, _ := signIn(t, c.Handler(), g[0], g[1], "192.0.2.1"); w.Code == http.StatusOK {
			t.Errorf("%q signed in", g[0])
		}
	}
	w := serve(c, request("GET", "/api/guards", "", nil, ""))
	if s := w.Body.String(); !strings.Contains(s, "王师傅") || strings.Contains(s, "赵师傅") || strings.Contains(s, "pbkdf2") {
		t.Fatalf("guard list %s: want enabled guards, no hashes", s)
	}
}

func state(t *testing.T, c *Console, cr *signedCred) stateJSON {
	t.Helper()
	w := serve(c, request("GET", "/api/state", "", cr, ""))
	var s stateJSON
	if err := json.Unmarshal(w.Body.Bytes(), &s); err != nil {
		t.Fatalf("state %s: %v", w.Body, err)
	}
	return s
}

// TestOnDutyIsTheLatestLiveSignIn: nobody → "", and the page's state has
// null guard and on_duty (无人值守); the kiosk's guard, then a second
// guard on a phone; the latest is on duty until their session ends.
func TestOnDutyIsTheLatestLiveSignIn(t *testing.T) {
	c, clk := clocked(t)
	if s := state(t, c, nil); c.OnDuty() != "" || s.Guard != nil || s.OnDuty != nil || s.CSRF != "" {
		t.Fatalf("nobody signed in: OnDuty %q, state %+v", c.OnDuty(), s.guardState)
	}
	if w := serve(c, request("GET", "/api/state", "", nil, "")); !strings.Contains(w.Body.String(), `"on_duty":null`) {
		t.Fatalf("state without a guard: %s", w.Body)
	}
	_, kiosk := signIn(t, c.Handler(), "wang", "2468", "127.0.0.1")
	clk.add(time.Minute)
	_, phone := signIn(t, c.Handler(), "li", "1357", "192.0.2.30")
	if c.OnDuty() != "li" {
		t.Fatalf("OnDuty = %q, want li (signed in last)", c.OnDuty())
	}
	s := state(t, c, &kiosk)
	if s.Guard == nil || s.Guard.ID != "wang" || s.CSRF != kiosk.csrf || s.OnDuty == nil || s.OnDuty.Name != "李师傅" {
		t.Fatalf("the kiosk's state: %+v", s.guardState)
	}
	if w := serve(c, request("POST", "/api/sign-out", "", &phone, "")); w.Code != http.StatusOK {
		t.Fatal(w.Code)
	}
	if c.OnDuty() != "wang" {
		t.Fatalf("after li signed out OnDuty = %q, want wang", c.OnDuty())
	}
	// Polling the page is not activity: an idle shift ends the session.
	for range 13 {
		clk.add(time.Hour)
		state(t, c, &kiosk)
	}
	if c.OnDuty() != "" {
		t.Fatalf("after 13 h idle OnDuty = %q", c.OnDuty())
	}
	if w := serve(c, request("POST", "/api/mask", `{"worn": true}`, &kiosk, "")); w.Code != http.StatusUnauthorized {
		t.Fatalf("the idle session still acts: %d", w.Code)
	}
}

func TestAnActionKeepsTheSessionAlive(t *testing.T) {
	c, clk := clocked(t)
	c.opts.SessionIdle = time.Hour
	_, cr := signIn(t, c.Handler(), "wang", "2468", "127.0.0.1")
	for range 3 {
		clk.add(50 * time.Minute)
		if w := serve(c, request("POST", "/api/mask", `{"worn": true}`, &cr, "")); w.Code == http.StatusUnauthorized {
			t.Fatalf("a session in use expired: %s", w.Body)
		}
	}
	if c.OnDuty() != "wang" {
		t.Fatalf("OnDuty = %q", c.OnDuty())
	}
}

// TestARosterChangeSignsOutAResetOrDisabledGuard: the centre resets 王's
// PIN and disables 李; both are signed out at once, the old PIN no longer
// works, the new one does.
func TestARosterChangeSignsOutAResetOrDisabledGuard(t *testing.T) {
	c, _ := newLane(t)
	_, wang := signIn(t, c.Handler(), "wang", "2468", "127.0.0.1")
	_, li := signIn(t, c.Handler(), "li", "1357", "127.0.0.1")
	r := testRoster(t, 2)
	r.Guards[0].PINHash = rosterHash["9999"]
	r.Guards[1].Disabled = true
	r.Guards[2].Disabled = false
	c.SetRoster(r)
	for name, cr := range map[string]signedCred{"wang": wang, "li": li} {
		if w := serve(c, request("POST", "/api/mask", `{"worn": true}`, &cr, "")); w.Code != http.StatusUnauthorized {
			t.Errorf("%s's session after the roster change: %d", name, w.Code)
		}
	}
	if w, _ := signIn(t, c.Handler(), "wang", "2468", "127.0.0.1"); w.Code != http.StatusUnauthorized {
		t.Fatalf("the old PIN after a reset: %d", w.Code)
	}
	for _, g := range [][2]string{{"wang", "9999"}, {"zhao", "1111"}} {
		if w, _ := signIn(t, c.Handler(), g[0], g[1], "127.0.0.1"); w.Code != http.StatusOK {
			t.Fatalf("%s with the roster's PIN: %d", g[0], w.Code)
		}
	}
}

// TestSigningInOnABrowserEndsItsPreviousSession: at a shift change on the
// kiosk the incoming guard signs in over the outgoing one.
func TestSigningInOnABrowserEndsItsPreviousSession(t *testing.T) {
	c, _ := newLane(t)
	_, out := signIn(t, c.Handler(), "wang", "2468", "127.0.0.1")
	r := request("POST", "/api/sign-in", `{"guard": "li", "pin": "1357"}`, &out, "http://unit.local")
	if w := serve(c, r); w.Code != http.StatusOK {
		t.Fatal(w.Code)
	}
	if c.OnDuty() != "li" {
		t.Fatalf("OnDuty = %q", c.OnDuty())
	}
	if w := serve(c, request("POST", "/api/sign-out", "", &out, "")); w.Code != http.StatusUnauthorized {
		t.Fatalf("the outgoing guard's session survived: %d", w.Code)
	}
}

func FuzzSignIn(f *testing.F) {
	for _, s := range []string{`{"guard": "wang", "pin": "2468"}`, `{"guard": "wang"}`, `{}`, `[]`, `{"guard": 1}`,
		`{"guard": "` + strings.Repeat("a", 2000) + `", "pin": "x"}`, "\xff"} {
		f.Add(s)
	}
	c := New(nil, Options{}) // sign-in needs no lane
	c.SetRoster(testRoster(f, 1))
	f.Fuzz(func(t *testing.T, body string) {
		w := serve(c, request("POST", "/api/sign-in", body, nil, ""))
		if w.Code == http.StatusOK && body != `{"guard": "wang", "pin": "2468"}` && !strings.Contains(body, "2468") && !strings.Contains(body, "1357") {
			t.Fatalf("signed in with %q", body)
		}
		if w.Code >= 500 {
			t.Fatalf("%d for %q", w.Code, body)
		}
	})
}
