package console

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"testing"

	"github.com/kakou/kakou/firmware/policy"
	"github.com/kakou/kakou/firmware/screening"
	"github.com/kakou/kakou/firmware/wire"
)

// newShopLane is a supermarket entrance (capacity check hard) behind a
// site gateway whose latest flow leaves this lane allowance places.
func newShopLane(t *testing.T, allowance int) (*Console, lane) {
	t.Helper()
	pol, err := policy.Load(filepath.Join("..", "..", "configs", "policies", "supermarket-normal.toml"))
	if err != nil {
		t.Fatal(err)
	}
	c, l := newLaneUnder(t, workingThermometer{}, func() policy.Policy { return pol })
	shopFlow(t, l, 1, allowance)
	return c, l
}

// shopFlow is the gateway's flow seq: 200 inside a shop for 200, 3 held
// at its doors, allowance places for this lane.
func shopFlow(t *testing.T, l lane, seq uint64, allowance int) {
	t.Helper()
	f := wire.Flow{Schema: wire.SchemaVersion, Site: "sunshine-garden", Unit: "north-gate", Seq: seq,
		Occupancy: 200, Capacity: 200, Waiting: 3, Allowance: allowance}
	if _, err := l.SetFlow(context.Background(), f); err != nil {
		t.Fatal(err)
	}
}

func getState(t *testing.T, c *Console) stateJSON {
	t.Helper()
	w := httptest.NewRecorder()
	c.Handler().ServeHTTP(w, httptest.NewRequest("GET", "/api/state", nil))
	var s stateJSON
	if err := json.Unmarshal(w.Body.Bytes(), &s); err != nil {
		t.Fatalf("state %s: %v", w.Body, err)
	}
	return s
}

// latest is the newest result on screen, open or not.
func latest(s stateJSON) *wire.Entry {
	var e *wire.Entry
	for _, sh := range append(s.Open, s.Recent...) {
		if e == nil || sh.Entry.Seq > e.Seq {
			e = &sh.Entry
		}
	}
	return e
}

func cancelWait(t *testing.T, c *Console, origin string) *httptest.ResponseRecorder {
	t.Helper()
	r := httptest.NewRequest("POST", "http://unit.local/api/cancel-wait", nil)
	asGuard(t, c, r)
	if origin != "" {
		r.Header.Set("Origin", origin)
	}
	w := httptest.NewRecorder()
	c.Handler().ServeHTTP(w, r)
	return w
}

func TestStateShowsTheHeldPersonWithTheSitesCount(t *testing.T) {
	c, l := newShopLane(t, 0)
	if s := getState(t, c); s.Held != nil || s.Count == nil || s.Count.Remaining != 0 {
		t.Fatalf("before anyone came: held %+v, count %+v", s.Held, s.Count)
	}
	e, err := l.Screen(context.Background(), []byte("KAKOU1:PASS:S-1"))
	if err != nil || e.Decision != wire.Wait {
		t.Fatalf("screen: %s %v", e.Decision, err)
	}
	s := getState(t, c)
	if s.Held == nil || s.Held.Entry.ID != e.ID || latest(s) == nil || latest(s).Decision != wire.Wait {
		t.Fatalf("held %+v, last %+v: want the person told to wait", s.Held, latest(s))
	}
	if n := s.Count; n == nil || n.Occupancy != 200 || n.Capacity != 200 || n.Waiting != 3 {
		t.Fatalf("count %+v, want 200/200 with 3 waiting", n)
	}
	shopFlow(t, l, 2, 1) // someone left
	s = getState(t, c)
	if last := latest(s); s.Held != nil || last.Decision != wire.Allow || last.Reasons[0].Code != policy.ReasonAdmittedAfterWait.Code {
		t.Fatalf("after the grant: held %+v, last %s %v", s.Held, last.Decision, last.Reasons)
	}
}

func TestTheGuardEndsAWaitFromTheConsoleAndNothingIsLogged(t *testing.T) {
	c, l := newShopLane(t, 0)
	if w := cancelWait(t, c, ""); w.Code != http.StatusConflict {
		t.Fatalf("cancel with nobody held: %d %s", w.Code, w.Body)
	}
	if _, err := l.Screen(context.Background(), []byte("KAKOU1:PASS:S-1")); err != nil {
		t.Fatal(err)
	}
	if w := cancelWait(t, c, "http://evil.example"); w.Code != http.StatusForbidden || l.Held() == nil {
		t.Fatalf("another site's page ended the wait: %d", w.Code)
	}
	w := cancelWait(t, c, "http://unit.local")
	var h screening.Held
	if err := json.Unmarshal(w.Body.Bytes(), &h); w.Code != http.StatusOK || err != nil || h.Entry.Decision != wire.Wait {
		t.Fatalf("cancel: %d %s", w.Code, w.Body)
	}
	if s := getState(t, c); s.Held != nil || len(s.Open) != 0 {
		t.Fatalf("still held or on screen after cancel: %+v %+v", s.Held, s.Open)
	}
	if logged, _ := l.Entries(context.Background(), 0, 10); len(logged) != 1 {
		t.Fatalf("ledger has %d entries, want only the wait: cancelling logs nothing", len(logged))
	}
}
