package console

import (
	"context"
	"fmt"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/kakou/kakou/drivers/sim"
	"github.com/kakou/kakou/firmware/ledger"
	"github.com/kakou/kakou/firmware/policy"
	"github.com/kakou/kakou/firmware/rollcall"
	"github.com/kakou/kakou/firmware/screening"
	"github.com/kakou/kakou/firmware/wire"
	"periph.io/x/conn/v3/physic"
)

// rollCallLane is the unit's roll call with real parts: the tracker and
// the pipeline that logs a tick to the ledger.
type rollCallLane struct {
	tr *rollcall.Tracker
	p  *screening.Pipeline
}

func (r rollCallLane) RollCall() rollcall.Board { return r.tr.Board() }

func (r rollCallLane) Tick(ctx context.Context, id string, t physic.Temperature, guard, name string) (wire.Entry, error) {
	cur, ok := r.tr.Current()
	if !ok {
		return wire.Entry{}, ErrNotInRound
	}
	if _, on := r.tr.Member(id); !on {
		return wire.Entry{}, ErrNotOnRoster
	}
	e, err := r.p.LogStaffCheck(ctx, wire.StaffCheck{ID: id, Round: cur.Name, Day: cur.Day}, t, guard, name)
	if err == nil {
		r.tr.Note(e)
	}
	return e, err
}

// newRollCallConsole is a console at 12:30 in the 午检 round with a class
// of three pupils, P-1 already checked.
func newRollCallConsole(t *testing.T) (*Console, *ledger.Ledger) {
	t.Helper()
	led, err := ledger.Open(filepath.Join(t.TempDir(), "ledger.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { led.Close() })
	clk := &clock{t: time.Date(2026, 12, 7, 12, 30, 0, 0, cst)}
	pol := func() policy.Policy {
		p := dutyPolicy()
		p.Checks.Staff.Rounds = []policy.Round{{Name: "晨检", From: "07:00", To: "09:00"}, {Name: "午检", From: "12:00", To: "14:00"}}
		return p
	}
	n := 0
	p, err := screening.New(workingThermometer{}, sim.Must(nil), led, screening.Options{
		Site: "sunshine-school", Unit: "north-gate", Lane: wire.LaneIn, Policy: pol,
		Now:   func() (time.Time, bool) { return clk.now(), true },
		NewID: func() string { n++; return fmt.Sprintf("id-%d", n) },
	})
	if err != nil {
		t.Fatal(err)
	}
	tr := rollcall.New(func() policy.StaffRule { return pol().Checks.Staff }, func() (time.Time, bool) { return clk.now(), true }, cst)
	tr.SetRoster(wire.StaffRoster{Schema: 1, Site: "sunshine-school", Unit: "north-gate", Version: 1, Members: []wire.StaffMember{
		{ID: "P-1", Name: "李*", Group: wire.GroupPupil, Class: "三年级2班"},
		{ID: "P-2", Name: "王**", Group: wire.GroupPupil, Class: "三年级2班"},
		{ID: "P-3", Name: "赵*", Group: wire.GroupPupil, Class: "三年级2班"}}})
	tr.Note(wire.Entry{Time: clk.now(), Temperature: &wire.Temperature{CorrectedC: 36.5},
		StaffCheck: &wire.StaffCheck{ID: "P-1", Round: "午检", Day: "2026-12-07"}})
	lb := logbook{lane{p, led}}
	c := New(lb, Options{Site: "sunshine-school", Unit: "north-gate", Lane: wire.LaneIn,
		Location: cst, Now: clk.now, Logbook: lb, RollCall: rollCallLane{tr, p}})
	return c, led
}

// TestConsoleIntegrationChromiumRollCallTicksAPupilWithAFever drives the
// roll-call panel in headless chromium: the round and the unchecked are
// shown by class; tapping a pupil and typing a fever reading checks them,
// says the fever was reported and moves them to the checked, marked; an
// id not on the roster is refused in Chinese; the ledger holds the tick
// as a staff_check record with the fever alert.
func TestConsoleIntegrationChromiumRollCallTicksAPupilWithAFever(t *testing.T) {
	browser := chromium(t)
	c, led := newRollCallConsole(t)
	c.SetRoster(testRoster(t, 1))
	listen(t, c)
	ctx := browserContext(t, browser)
	text := reader(t, ctx)
	p2 := `#rc-groups .rc-unchecked button[data-id="P-2"]`
	err := chromedp.Do(ctx,
		chromedp.Navigate(c.URL()), guardSignsIn(),
		chromedp.WaitVisible(chromedp.CSS(p2)),
	)
	if err != nil {
		t.Fatal(err)
	}
	if round, un := text("#rc-round"), text("#rc-groups .rc-unchecked"); !strings.Contains(round, "午检") ||
		!strings.Contains(round, "1/3") || strings.Contains(un, "李*") || !strings.Contains(un, "王**") {
		t.Fatalf("round %q, unchecked %q", round, un)
	}
	err = chromedp.Do(ctx,
		chromedp.Click(chromedp.CSS(p2)),
		chromedp.SendKeys(chromedp.CSS("#rc-temp"), "38.0"),
		chromedp.Click(chromedp.CSS("#rc-submit")),
		chromedp.WaitVisible(chromedp.CSS(`#rc-groups .rc-checked button.bad[data-id="P-2"]`)),
	)
	if err != nil {
		t.Fatal(err)
	}
	if msg := text("#rc-error"); !strings.Contains(msg, "体温异常，已上报") {
		t.Fatalf("fever message %q", msg)
	}
	err = chromedp.Do(ctx,
		chromedp.SendKeys(chromedp.CSS("#rc-id"), "P-9"),
		chromedp.SendKeys(chromedp.CSS("#rc-temp"), "36.5"),
		chromedp.Click(chromedp.CSS("#rc-submit")),
		chromedp.Poll[chromedp.Void](`document.querySelector("#rc-error").textContent.includes("名单上没有这个人")`),
	)
	if err != nil {
		t.Fatal(err)
	}
	es, _ := led.Entries(context.Background(), 0, 20)
	var ticks []wire.Entry
	for _, e := range es {
		if e.StaffCheck != nil {
			ticks = append(ticks, e)
		}
	}
	if len(ticks) != 1 || ticks[0].Record.Kind != wire.RecordStaffCheck || ticks[0].Alert != "fever" ||
		ticks[0].StaffCheck.ID != "P-2" || ticks[0].Guard != "wang" {
		t.Fatalf("ledger's ticks: %+v", ticks)
	}
}

// The panel's API refuses a tick outside a round, a reading that is no
// body temperature, and a caller who has not signed in.
func TestRollCallTickIsRefusedWithoutAGuardOrABodyTemperature(t *testing.T) {
	c, _ := newRollCallConsole(t)
	if w := call(t, c, "POST", "/api/rollcall/check", `{"id":"P-2","temp_c":36.5}`); w.Code != 401 {
		t.Fatalf("no guard: %d %s", w.Code, w.Body)
	}
	onDuty(t, c, "wang", "王师傅")
	for body, want := range map[string]int{`{"id":"P-2","temp_c":52}`: 400, `{"id":"P/2","temp_c":36.5}`: 400,
		`{"id":"P-9","temp_c":36.5}`: 404, `{"id":"P-2","temp_c":36.5}`: 200} {
		if w := call(t, c, "POST", "/api/rollcall/check", body); w.Code != want {
			t.Errorf("%s: %d %s, want %d", body, w.Code, w.Body, want)
		}
	}
}
