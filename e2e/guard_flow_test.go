package e2e

import (
	"context"
	"fmt"
	"net/http/httptest"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/kakou/kakou/firmware/unit"
	"github.com/kakou/kakou/firmware/wire"
	"github.com/kakou/kakou/internal/testenv"
)

// TestGuardFlowIntegrationChromium is a guard's shift at a community gate,
// driven in headless chromium against two real units (the entrance and the
// exit of one site, each with its simulated crowd still scanning) and the
// collector: the guard signs in; a visitor's "register" stays on screen
// while residents pass, and the form lands on that visitor; the visit code
// is shown; a duty is logged; the hand-over sheet lists the visitor inside;
// at the exit console the visit is closed by its code; the centre then
// lists nobody inside, the duty as done by the guard, and who signed in
// at which lane.
func TestGuardFlowIntegrationChromium(t *testing.T) {
	browser := testenv.Need(t, "chromium")
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	// The duty log's day is the units' calendar day at the centre: the
	// centre must keep the calendar of these in-process units (the test's
	// local zone), or the test fails whenever the two dates differ.
	c := startCollector(t, ctx, "timezone = \""+unitsZone()+"\"\n[broker]\nembedded = true\nlisten = \"127.0.0.1:0\"\n")
	unitCtx, stopUnits := context.WithCancel(ctx)
	defer stopUnits()
	guards := writeGuards(t)
	in := startGuardedUnit(t, unitCtx, "gate-in", "in", c.BrokerURL(), guards, 0.3)
	out := startGuardedUnit(t, unitCtx, "gate-out", "out", c.BrokerURL(), guards, 0)
	inPage := httptest.NewServer(in.ConsoleHandler())
	defer inPage.Close()
	outPage := httptest.NewServer(out.ConsoleHandler())
	defer outPage.Close()

	page := chromiumPage(t, browser, ctx)
	text := func(sel string) string {
		t.Helper()
		v, err := chromedp.Run(page, chromedp.Text(chromedp.CSS(sel)))
		if err != nil {
			t.Fatalf("read %s: %v", sel, err)
		}
		return v
	}
	if err := chromedp.Do(page, chromedp.Navigate(inPage.URL), signInAs("wang", "2468")); err != nil {
		t.Fatal(err)
	}
	// The guard taps the first visitor waiting to register in the strip
	// (another result may be waiting for them first: a re-check).
	var visitorID string
	testenv.Await(t, "a visitor to register", time.Minute, func() bool {
		id, err := chromedp.Run(page, chromedp.Evaluate[string](`(() => {
			const c = [...document.querySelectorAll("#strip .chip.open")].find(c => c.textContent.includes("请登记"));
			if (!c) return "";
			c.click();
			return c.dataset.entry;
		})()`))
		visitorID = id
		return err == nil && id != ""
	})
	testenv.Await(t, "others scanned behind the visitor, who stays on screen", 30*time.Second, func() bool {
		es, _ := in.Ledger().Entries(ctx, 0, 100000)
		return len(es) > 0 && es[len(es)-1].ID != visitorID && resultEntry(t, page) == visitorID
	})
	fill := func(sel, v string) chromedp.Action[chromedp.Void] { return chromedp.SendKeys(chromedp.CSS(sel), v) }
	err := chromedp.Do(page, fill("#reg-name", "张三"), fill("#reg-phone", "13812345678"),
		fill("#reg-destination", "3-2-501"), chromedp.Click(chromedp.CSS("#reg-submit")),
		chromedp.WaitVisible(chromedp.CSS("#visit-code:not(:empty)")))
	if err != nil {
		t.Fatal(err)
	}
	code := strings.TrimSpace(text("#visit-code"))
	reg := findEntry(t, in, func(e wire.Entry) bool { return e.Amends == visitorID })
	if reg.Visitor == nil || reg.Visitor.Name != "张三" || reg.Guard != "wang" || reg.Visit == nil || reg.Visit.Code != code {
		t.Fatalf("registration for %s: %+v by %q, visit %+v; page shows code %q", visitorID, reg.Visitor, reg.Guard, reg.Visit, code)
	}

	lift := `#duty-due button[data-duty="lift-buttons"]`
	err = chromedp.Do(page, chromedp.WaitVisible(chromedp.CSS(lift)), chromedp.Click(chromedp.CSS(lift)),
		chromedp.WaitVisible(chromedp.CSS(`#duty-turns li[data-duty="lift-buttons"][data-state="done"]`)),
		chromedp.Click(chromedp.CSS("#ho-preview")), chromedp.WaitVisible(chromedp.CSS("#ho-inside li")))
	if err != nil {
		t.Fatal(err)
	}
	if inside := text("#ho-inside"); !strings.Contains(inside, "张*") {
		t.Fatalf("hand-over sheet, visitors inside: %q", inside)
	}

	insideAtCentre := func() []string {
		var visits struct{ Visits []struct{ Code string } }
		getCentre(t, c.HTTPURL()+"/api/v1/visits?site=garden&state=inside", &visits)
		var codes []string
		for _, v := range visits.Visits {
			codes = append(codes, v.Code)
		}
		return codes
	}
	testenv.Await(t, "the centre to list the visitor inside", time.Minute, func() bool {
		return slices.Contains(insideAtCentre(), code)
	})

	err = chromedp.Do(page, chromedp.Navigate(outPage.URL), signInAs("li", "1357"),
		chromedp.WaitVisible(chromedp.CSS("#exit-panel")), fill("#exit-input", code),
		chromedp.Click(chromedp.CSS("#exit-submit")), chromedp.WaitVisible(chromedp.CSS("#exit-confirm")),
		chromedp.Click(chromedp.CSS("#exit-confirm")), chromedp.WaitVisible(chromedp.CSS("#exit-result.closed")))
	if err != nil {
		t.Fatal(err)
	}
	closed := findEntry(t, out, func(e wire.Entry) bool { return e.CloseOut != nil })
	if closed.CloseOut.Code != code || closed.Guard != "li" {
		t.Fatalf("exit close-out %+v by %q, want code %s by li", closed.CloseOut, closed.Guard, code)
	}
	testenv.Await(t, "the centre to list the visitor gone and the duty done", time.Minute, func() bool {
		var duties struct {
			Sites []struct {
				Done       []struct{ By, Duty string }
				Attendance []struct{ Unit, Kind, Guard string }
			}
		}
		getCentre(t, c.HTTPURL()+"/api/v1/duties?site=garden", &duties)
		if len(duties.Sites) != 1 {
			return false
		}
		site := duties.Sites[0]
		var on []string
		for _, a := range site.Attendance {
			on = append(on, a.Unit+" "+a.Kind+" "+a.Guard)
		}
		done := len(site.Done) == 1 && site.Done[0].By == "wang"
		signedIn := slices.Contains(on, "gate-in sign_in wang") && slices.Contains(on, "gate-out sign_in li")
		return !slices.Contains(insideAtCentre(), code) && done && signedIn
	})
}

// resultEntry is the id of the entry on the page's result.
func resultEntry(t *testing.T, page context.Context) string {
	t.Helper()
	a, err := chromedp.Run(page, chromedp.AttributeValue(chromedp.CSS("#result"), "data-entry"))
	if err != nil {
		t.Fatal(err)
	}
	return a.Value
}

func findEntry(t *testing.T, u *unit.Unit, match func(wire.Entry) bool) wire.Entry {
	t.Helper()
	es, err := u.Ledger().Entries(context.Background(), 0, 100000)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range es {
		if match(e) {
			return e
		}
	}
	t.Fatalf("no such entry among %d", len(es))
	return wire.Entry{}
}

// signInAs signs a guard in on the page with the PIN pad.
func signInAs(guard, pin string) chromedp.Action[chromedp.Void] {
	steps := []chromedp.Action[chromedp.Void]{
		chromedp.WaitVisible(chromedp.CSS("#sign-in.shown")),
		chromedp.WaitReady(chromedp.CSS(`#si-guard option[value="` + guard + `"]`)),
		chromedp.SetValue(chromedp.CSS("#si-guard"), guard),
	}
	for _, d := range pin {
		steps = append(steps, chromedp.Click(chromedp.CSS(`.pad [data-digit="`+string(d)+`"]`)))
	}
	steps = append(steps, chromedp.Click(chromedp.CSS("#si-submit")), chromedp.WaitVisible(chromedp.CSS("#sign-out.shown")))
	return func(ctx context.Context, tg *chromedp.Target) (chromedp.Void, error) {
		for _, s := range steps {
			if _, err := s(ctx, tg); err != nil {
				return chromedp.Void{}, err
			}
		}
		return chromedp.Void{}, nil
	}
}

func chromiumPage(t *testing.T, browser string, ctx context.Context) context.Context {
	t.Helper()
	opts := append(chromedp.DefaultExecAllocatorOptions[:], chromedp.ExecPath(browser), chromedp.NoSandbox,
		chromedp.DisableGPU, chromedp.UserDataDir(t.TempDir()))
	alloc, cancelAlloc := chromedp.NewExecAllocator(ctx, opts...)
	page, cancelPage := chromedp.NewContext(alloc)
	t.Cleanup(func() { cancelPage(); cancelAlloc() })
	return page
}

// writeGuards writes a local roster of two guards, wang (PIN 2468) and li
// (1357), as a unit with no centre's roster yet reads it.
func writeGuards(t *testing.T) string {
	t.Helper()
	var b strings.Builder
	for _, g := range []struct{ id, name, pin string }{{"wang", "王师傅", "2468"}, {"li", "李师傅", "1357"}} {
		h, err := wire.HashPIN(g.pin)
		if err != nil {
			t.Fatal(err)
		}
		fmt.Fprintf(&b, "[[guard]]\nid = %q\nname = %q\npin_hash = %q\n\n", g.id, g.name, h)
	}
	path := filepath.Join(t.TempDir(), "guards.toml")
	if err := os.WriteFile(path, []byte(b.String()), 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

// startGuardedUnit runs a unit of site garden whose crowd keeps coming
// (a person every 800 ms, visitors among them), under the community
// policy with a lift-button duty, its console served by the caller.
func startGuardedUnit(t *testing.T, ctx context.Context, id, lane, brokerURL, guards string, visitors float64) *unit.Unit {
	t.Helper()
	pol, err := os.ReadFile(filepath.Join(testenv.RepoRoot(t), "configs", "policies", "community-normal.toml"))
	if err != nil {
		t.Fatal(err)
	}
	pol = append(pol, "\n[[duties]]\nid = \"lift-buttons\"\nname = \"电梯按键消毒\"\ntimes_per_day = 2\n"...)
	return runUnit(t, ctx, id, func(dir string) string {
		if err := os.WriteFile(filepath.Join(dir, "policy.toml"), pol, 0o600); err != nil {
			t.Fatal(err)
		}
		return fmt.Sprintf(`site = "garden"
unit = %q
lane = %q
data_dir = %q
trust_clock = true
[console]
listen = "off"
guards_file = %q
[mqtt]
broker = %q
[policy]
path = %q
[visits]
prefix = 3
[simulator]
mean_interval = "800ms"
max_people = 1000
fever_ratio = 0.0
visitor_ratio = %.1f
no_code_ratio = 0.0
unreadable_ratio = 0.0
`, id, lane, filepath.Join(dir, "data"), guards, brokerURL, filepath.Join(dir, "policy.toml"), visitors)
	})
}

// unitsZone names the zone in-process units keep their calendar in (the
// test's local time) for a collector's timezone key.
func unitsZone() string {
	_, offset := time.Now().Zone()
	if offset == 0 {
		return "UTC"
	}
	return fmt.Sprintf("Etc/GMT%+d", -offset/3600) // POSIX signs: Etc/GMT-8 is UTC+8
}
