package console

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/kakou/kakou/drivers/sim"
	"github.com/kakou/kakou/firmware/duty"
	"github.com/kakou/kakou/firmware/ledger"
	"github.com/kakou/kakou/firmware/policy"
	"github.com/kakou/kakou/firmware/screening"
	"github.com/kakou/kakou/firmware/wire"
)

var cst = time.FixedZone("CST", 8*3600)

// dutyPolicy is the closed community's duty list on the default rules.
func dutyPolicy() policy.Policy {
	p := policy.Default()
	p.MinGuards = 2
	p.Duties = []policy.Duty{
		{ID: "gate-disinfection", Name: "大门消毒", At: []string{"08:00", "12:00", "18:00"}, Window: "2h"},
		{ID: "lift-buttons", Name: "电梯按键消毒", TimesPerDay: 2},
	}
	return p
}

// logbook is a real pipeline and ledger keeping the duty log; Inside
// stands in for the unit's visits: visitors admitted and not decided again.
type logbook struct{ lane }

func (l logbook) Inside(ctx context.Context) ([]wire.Entry, error) {
	es, err := l.Ledger.Notable(ctx, time.Time{})
	later := map[string]bool{}
	for _, e := range es {
		later[e.Amends] = true
	}
	var in []wire.Entry
	for _, e := range es {
		if e.Visitor != nil && e.Decision == wire.Allow && !later[e.ID] {
			in = append(in, e)
		}
	}
	return in, err
}
func (l logbook) Duties() ([]policy.Duty, int) { p := dutyPolicy(); return p.Duties, p.MinGuards }

// clock is a settable time shared by the pipeline and the console.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) now() time.Time  { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *clock) set(t time.Time) { c.mu.Lock(); c.t = t; c.mu.Unlock() }

// newDutyConsole builds a console over a real pipeline and ledger whose
// clock reads 2026-12-07 at hh:mm in Beijing time.
func newDutyConsole(t testing.TB, hh, mm int) (*Console, logbook, *clock) {
	t.Helper()
	led, err := ledger.Open(filepath.Join(t.TempDir(), "ledger.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { led.Close() })
	clk := &clock{t: time.Date(2026, 12, 7, hh, mm, 0, 0, cst)}
	n := 0
	p, err := screening.New(workingThermometer{}, sim.Must(nil), led, screening.Options{
		Site: "sunshine-garden", Unit: "north-gate", Lane: wire.LaneIn, Policy: dutyPolicy,
		Now:   func() (time.Time, bool) { return clk.now(), true },
		NewID: func() string { n++; return fmt.Sprintf("id-%d", n) },
	})
	if err != nil {
		t.Fatal(err)
	}
	lb := logbook{lane{p, led}}
	c := New(lb, Options{Site: "sunshine-garden", Unit: "north-gate", Lane: wire.LaneIn,
		Location: cst, Now: clk.now, Logbook: lb})
	return c, lb, clk
}

// onDuty signs guard id in at c (a roster of that guard and the one taking
// over, PIN 2468); call then acts with the session.
func onDuty(t *testing.T, c *Console, id, name string) {
	t.Helper()
	h := testRoster(t, 1).Guards[0].PINHash // 2468
	c.SetRoster(wire.GuardRoster{Schema: wire.SchemaVersion, Site: "sunshine-garden", Unit: "north-gate", Version: 1,
		Guards: []wire.RosterGuard{{ID: id, Name: name, PINHash: h}, {ID: "g-08", Name: "李师傅", PINHash: h}}})
	w, cred := signIn(t, c.Handler(), id, "2468", "192.0.2.20")
	if w.Code != http.StatusOK {
		t.Fatalf("sign in %s: %d %s", id, w.Code, w.Body)
	}
	testGuards.Store(c, cred)
}

func call(t *testing.T, c *Console, method, path, body string) *httptest.ResponseRecorder {
	t.Helper()
	r := httptest.NewRequest(method, "http://unit.local"+path, strings.NewReader(body))
	r.Header.Set("Origin", "http://unit.local")
	if cr, ok := testGuards.Load(c); ok {
		cr.(signedCred).add(r)
	}
	w := httptest.NewRecorder()
	c.Handler().ServeHTTP(w, r)
	return w
}

func decodeInto[T any](t *testing.T, w *httptest.ResponseRecorder) T {
	t.Helper()
	var v T
	if err := json.Unmarshal(w.Body.Bytes(), &v); err != nil {
		t.Fatalf("%d %s: %v", w.Code, w.Body, err)
	}
	return v
}

func TestDutyAndHandOverRefuseAnyoneNotSignedIn(t *testing.T) {
	c, lb, _ := newDutyConsole(t, 9, 0)
	for _, path := range []string{"/api/duty", "/api/handover"} {
		w := call(t, c, "POST", path, `{"duty": "gate-disinfection", "incoming": "g-08"}`)
		if w.Code != http.StatusUnauthorized || !strings.Contains(w.Body.String(), "登录") {
			t.Errorf("%s with nobody signed in: %d %s, want 401 and the Chinese reason", path, w.Code, w.Body)
		}
	}
	onDuty(t, c, "g-07", "王师傅")
	r := httptest.NewRequest("POST", "http://unit.local/api/duty", strings.NewReader(`{"duty": "gate-disinfection"}`))
	r.Header.Set("Origin", "http://evil.example")
	w := httptest.NewRecorder()
	c.Handler().ServeHTTP(w, r)
	if w.Code != http.StatusForbidden {
		t.Errorf("a post from another page: %d, want 403", w.Code)
	}
	if es := dutyLog(t, lb); len(es) != 0 {
		t.Fatalf("refused posts left %d records", len(es))
	}
}

func TestDutyIsLoggedWithWhoAndWhenAndNeverCountsAsAPerson(t *testing.T) {
	c, lb, _ := newDutyConsole(t, 8, 20)
	onDuty(t, c, "g-07", "王师傅")
	w := call(t, c, "POST", "/api/duty", `{"duty": "gate-disinfection", "note": "84消毒液"}`)
	if w.Code != 200 {
		t.Fatalf("log: %d %s", w.Code, w.Body)
	}
	e := decodeInto[wire.Entry](t, w)
	// Seq 1 is the guard's sign-in.
	if e.Seq != 2 || e.Guard != "g-07" || e.Decision != "" || e.Record.Duty.Slot != "08:00" || e.Record.GuardName != "王师傅" {
		t.Fatalf("record = %+v", e)
	}
	d := decodeInto[dutiesJSON](t, call(t, c, "GET", "/api/duties", ""))
	first := d.Turns[0]
	if first.State != duty.Done || first.By != "g-07" || first.ByName != "王师傅" || first.At == nil || first.Note != "84消毒液" {
		t.Fatalf("the 08:00 round = %+v", first)
	}
	if len(d.Due) != 1 || d.Due[0].Duty != "lift-buttons" {
		t.Fatalf("due = %+v; want only the lift buttons' first round", d.Due)
	}
	if !d.Staffing.Short || d.Staffing.Need != 2 || d.Staffing.OnDuty != 1 {
		t.Fatalf("双岗 with one guard signed in: %+v", d.Staffing)
	}
	// The second guard signs in on their phone: the lane is staffed.
	if w, _ := signIn(t, c.Handler(), "g-08", "2468", "192.0.2.21"); w.Code != http.StatusOK {
		t.Fatalf("second guard: %d %s", w.Code, w.Body)
	}
	if d := decodeInto[dutiesJSON](t, call(t, c, "GET", "/api/duties", "")); d.Staffing.Short || d.Staffing.OnDuty != 2 {
		t.Fatalf("双岗 with two guards signed in on two screens: %+v", d.Staffing)
	}
	if today, _ := lb.Counts(context.Background(), time.Time{}); len(today) != 0 {
		t.Fatalf("a duty record counted as a person today: %v", today)
	}
	st := decodeInto[stateJSON](t, call(t, c, "GET", "/api/state", ""))
	if len(st.Today) != 0 || len(st.Open) != 0 || len(st.Recent) != 0 {
		t.Fatalf("state after a duty: today %v, on screen %+v %+v; a record is neither a count nor a result", st.Today, st.Open, st.Recent)
	}
}

func TestDutyLogRefusesUnknownDutiesAndTurnsAlreadyDone(t *testing.T) {
	c, _, _ := newDutyConsole(t, 19, 0)
	onDuty(t, c, "g-07", "王师傅")
	if w := call(t, c, "POST", "/api/duty", `{"duty": "mop-floor"}`); w.Code != http.StatusNotFound {
		t.Errorf("unknown duty: %d %s", w.Code, w.Body)
	}
	if w := call(t, c, "POST", "/api/duty", `{"duty": "gate-disinfection"}`); w.Code != 200 {
		t.Fatalf("the 18:00 round: %d %s", w.Code, w.Body)
	}
	if w := call(t, c, "POST", "/api/duty", `{"duty": "gate-disinfection"}`); w.Code != http.StatusConflict || !strings.Contains(w.Body.String(), "已全部完成") {
		t.Errorf("after the last round of the day: %d %s, want 409", w.Code, w.Body)
	}
	if w := call(t, c, "POST", "/api/duty", `{"duty": "gate-disinfection", "note": "a\u0007b"}`); w.Code != http.StatusBadRequest {
		t.Errorf("a note with a control character: %d", w.Code)
	}
}

func TestConcurrentLogsClaimEachTurnOnce(t *testing.T) {
	c, lb, _ := newDutyConsole(t, 8, 30)
	onDuty(t, c, "g-07", "王师傅")
	var wg sync.WaitGroup
	codes := make(chan int, 10)
	for range 10 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			codes <- call(t, c, "POST", "/api/duty", `{"duty": "gate-disinfection"}`).Code
		}()
	}
	wg.Wait()
	close(codes)
	ok := 0
	for code := range codes {
		if code == 200 {
			ok++
		}
	}
	es := dutyLog(t, lb)
	slots := map[string]bool{}
	for _, e := range es {
		slots[e.Record.Duty.Slot] = true
	}
	if ok != 3 || len(es) != 3 || len(slots) != 3 {
		t.Fatalf("10 taps at once: %d accepted, %d records, slots %v; want each of the 3 rounds once", ok, len(es), slots)
	}
}

func TestMissedTurnsAreRecordedOnceWithTheirSlot(t *testing.T) {
	c, lb, clk := newDutyConsole(t, 10, 30)
	notBefore := time.Date(2026, 12, 7, 0, 0, 0, 0, cst)
	n, err := c.RecordMissed(context.Background(), notBefore, "")
	if err != nil || n != 1 {
		t.Fatalf("at 10:30 with nothing logged: %d missed recorded, %v; want the 08:00 round", n, err)
	}
	if n, _ := c.RecordMissed(context.Background(), notBefore, ""); n != 0 {
		t.Fatalf("the check ran again and recorded %d more", n)
	}
	clk.set(time.Date(2026, 12, 8, 0, 5, 0, 0, cst))
	n, _ = c.RecordMissed(context.Background(), notBefore, "")
	es, _ := lb.Entries(context.Background(), 0, 20)
	last := es[len(es)-1].Record.Duty
	if n != 4 || len(es) != 5 || !last.Missed || last.Day != "2026-12-07" {
		t.Fatalf("after midnight: %d recorded, %d in all, last %+v; want 12:00, 18:00 and both lift rounds of the 7th", n, len(es), last)
	}
}

// handOverLedger puts a shift's people in the ledger: a visitor let in,
// a re-check nobody took, a re-check settled by a later entry, and a plain
// pass.
func handOverLedger(t *testing.T, lb logbook, clk *clock) {
	t.Helper()
	base := func(id string, d wire.Decision) wire.Entry {
		return wire.Entry{Schema: wire.SchemaVersion, ID: id, Site: "sunshine-garden", Unit: "north-gate",
			BootID: "b", Lane: wire.LaneIn, Time: clk.now().Add(-time.Hour), ClockSynced: true,
			Credential: wire.Credential{Kind: wire.CredentialNone}, Decision: d,
			Reasons: []wire.Reason{{Code: "x", ZH: "x", EN: "x"}}, PolicyVersion: "default-1"}
	}
	visitor := base("visit-1", wire.Allow)
	visitor.Visitor = &wire.Visitor{Name: "张三丰", Destination: "3-2-501"}
	amend := base("amend-1", wire.Allow)
	amend.Amends = "recheck-2"
	for _, e := range []wire.Entry{visitor, base("recheck-1", wire.Recheck), base("recheck-2", wire.Recheck), amend, base("pass-1", wire.Allow)} {
		if err := lb.Ledger.Append(context.Background(), &e); err != nil {
			t.Fatal(err)
		}
	}
}

func TestHandOverSheetListsAVisitorInsideAndAnOpenRecheck(t *testing.T) {
	c, lb, clk := newDutyConsole(t, 20, 0)
	handOverLedger(t, lb, clk)
	preview := decodeInto[handoverJSON](t, call(t, c, "GET", "/api/handover", ""))
	if len(preview.Inside) != 1 || preview.Inside[0].Name != "张**" || preview.Inside[0].Entry != "visit-1" {
		t.Fatalf("inside = %+v; want the visitor, name masked", preview.Inside)
	}
	if len(preview.Open) != 1 || preview.Open[0].Entry != "recheck-1" {
		t.Fatalf("open = %+v; want the re-check nobody took, not the settled one", preview.Open)
	}
	if preview.Counts[wire.Allow] != 3 || preview.Counts[wire.Recheck] != 2 {
		t.Fatalf("counts = %v", preview.Counts)
	}
	onDuty(t, c, "g-07", "王师傅")
	if w := call(t, c, "POST", "/api/handover", `{"incoming": "g-07"}`); w.Code != http.StatusBadRequest {
		t.Errorf("handing over to oneself: %d", w.Code)
	}
	w := call(t, c, "POST", "/api/handover", `{"incoming": "g-08", "incoming_name": "李师傅", "note": "3号楼访客未出"}`)
	if w.Code != 200 {
		t.Fatalf("hand over: %d %s", w.Code, w.Body)
	}
	rec := decodeInto[handoverJSON](t, w).Entry
	s := rec.Record.Shift
	if rec.Guard != "g-07" || s.Incoming != "g-08" || s.InsideTotal != 1 || s.OpenTotal != 1 || s.Inside[0].Name != "张**" {
		t.Fatalf("shift record = %+v / %+v", rec, s)
	}
	clk.set(clk.now().Add(time.Minute))
	after := decodeInto[handoverJSON](t, call(t, c, "GET", "/api/handover", ""))
	if !after.Since.Equal(rec.Time) || len(after.Open) != 0 || len(after.Counts) != 0 || len(after.Inside) != 1 {
		t.Fatalf("the next shift's sheet starts at the hand-over and keeps who is inside: %+v", after)
	}
}

func TestWithoutALogbookTheRoutesSaySo(t *testing.T) {
	c, _ := newLane(t)
	onDuty(t, c, "g-07", "王师傅")
	for _, r := range []struct{ method, path string }{{"GET", "/api/duties"}, {"POST", "/api/duty"}, {"GET", "/api/handover"}} {
		if w := call(t, c, r.method, r.path, `{}`); w.Code != http.StatusServiceUnavailable {
			t.Errorf("%s %s: %d, want 503", r.method, r.path, w.Code)
		}
	}
}

// dutyLog is the ledger's duty and shift records, without the sign-ins.
func dutyLog(t *testing.T, lb logbook) []wire.Entry {
	t.Helper()
	es, err := lb.Entries(context.Background(), 0, 100)
	if err != nil {
		t.Fatal(err)
	}
	var out []wire.Entry
	for _, e := range es {
		if e.Record != nil && (e.Record.Duty != nil || e.Record.Shift != nil) {
			out = append(out, e)
		}
	}
	return out
}

// Who was on duty when reaches the centre like the duty log: a sign-in, a
// kiosk changing hands and a sign-out are each a record in the ledger.
func TestSignInsAndSignOutsAreRecordedForTheCentre(t *testing.T) {
	c, lb, _ := newDutyConsole(t, 9, 0)
	onDuty(t, c, "g-07", "王师傅")
	kiosk, _ := testGuards.Load(c)
	r := httptest.NewRequest("POST", "http://unit.local/api/sign-in", strings.NewReader(`{"guard": "g-08", "pin": "2468"}`))
	r.Header.Set("Origin", "http://unit.local")
	r.AddCookie(&http.Cookie{Name: sessionCookie, Value: kiosk.(signedCred).cookie}) // the same browser
	w := httptest.NewRecorder()
	c.Handler().ServeHTTP(w, r)
	if w.Code != http.StatusOK {
		t.Fatalf("李师傅 takes the kiosk: %d %s", w.Code, w.Body)
	}
	var cred signedCred
	for _, ck := range w.Result().Cookies() {
		if ck.Name == sessionCookie {
			cred.cookie = ck.Value
		}
	}
	var body struct{ CSRF string }
	json.Unmarshal(w.Body.Bytes(), &body)
	cred.csrf = body.CSRF
	testGuards.Store(c, cred)
	if w := call(t, c, "POST", "/api/sign-out", ""); w.Code != http.StatusOK {
		t.Fatalf("sign out: %d %s", w.Code, w.Body)
	}
	es, err := lb.Entries(context.Background(), 0, 100)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, e := range es {
		if err := e.Validate(); err != nil || e.Record == nil {
			t.Fatalf("entry %+v: %v", e, err)
		}
		got = append(got, string(e.Record.Kind)+" "+e.Guard+" "+e.Record.GuardName)
	}
	want := []string{"sign_in g-07 王师傅", "sign_out g-07 王师傅", "sign_in g-08 李师傅", "sign_out g-08 李师傅"}
	if !slices.Equal(got, want) {
		t.Fatalf("records %q, want %q", got, want)
	}
	if today, _ := lb.Counts(context.Background(), time.Time{}); len(today) != 0 {
		t.Fatalf("sign-ins counted as people: %v", today)
	}
}
