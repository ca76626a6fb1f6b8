package api

import (
	"context"
	"net/http/httptest"
	"regexp"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"
	"github.com/kakou/kakou/cloud/store"
	"github.com/kakou/kakou/firmware/wire"
)

// storedGuard is site's guard id as the store holds it.
func storedGuard(t *testing.T, f *authFixture, site, id string) store.Guard {
	t.Helper()
	gs, err := f.store.Guards(context.Background(), site)
	if err != nil {
		t.Fatal(err)
	}
	for _, g := range gs {
		if g.ID == id {
			return g
		}
	}
	t.Fatalf("site %s has no guard %s: %+v", site, id, gs)
	return store.Guard{}
}

// pickSite chooses site in the guard screen as an operator would.
func pickSite(t *testing.T, ctx context.Context, site string) {
	t.Helper()
	do(t, ctx, "pick site "+site, chromedp.WaitReady(chromedp.CSS(`#guard-site option[value="`+site+`"]`)),
		chromedp.Evaluate[chromedp.Void](`(() => { const s = document.getElementById("guard-site");
			s.value = `+jsString(site)+`; s.dispatchEvent(new Event("change")); })()`))
}

// TestDashboardIntegrationGuardScreenAddsResetsAndDisablesAGuard: central
// monitoring picks site-b, adds 赵师傅 with a PIN, resets the lost PIN to a
// generated one after a confirmation that says the guard is signed out at
// the gate (the page shows the PIN once, with the note, and the store's
// hash checks it while the old PIN no longer works), backs out of a
// disable, then disables; a bad ID is refused in Chinese before anything
// is sent. Site-a's manager, logged in next, is offered site-a only, and a
// tracer does not see the screen at all.
func TestDashboardIntegrationGuardScreenAddsResetsAndDisablesAGuard(t *testing.T) {
	ctx := browser(t, 1920, 1080)
	f, _ := guardFixture(t)
	f.srv = httptest.NewServer(f.h) // the fixture's handler with guard management on
	t.Cleanup(f.srv.Close)
	logIn(t, ctx, f, "monitor")
	pickSite(t, ctx, "site-b")

	do(t, ctx, "try an ID the collector would refuse",
		chromedp.SendKeys(chromedp.CSS("#guard-new-id"), "Zhao!"), chromedp.SendKeys(chromedp.CSS("#guard-new-name"), "赵师傅"),
		chromedp.Click(chromedp.CSS("#guard-add-submit")), chromedp.WaitVisible(chromedp.CSS("#guard-error")))
	if msg := value(t, ctx, "read the error", chromedp.Text(chromedp.CSS("#guard-error"))); !strings.Contains(msg, "编号只能用小写字母") {
		t.Errorf("a bad ID says %q", msg)
	}
	row := `#guard-rows tr[data-guard="zhao"]`
	do(t, ctx, "add 赵师傅 with a PIN",
		chromedp.SetValue(chromedp.CSS("#guard-new-id"), "zhao"), chromedp.SendKeys(chromedp.CSS("#guard-new-pin"), "2468"),
		chromedp.Click(chromedp.CSS("#guard-add-submit")), chromedp.WaitVisible(chromedp.CSS(row)))
	if text := value(t, ctx, "read the new row", chromedp.Text(chromedp.CSS(row))); !strings.Contains(text, "赵师傅") ||
		!strings.Contains(text, "在岗可用") || !strings.Contains(text, "monitor") {
		t.Errorf("the new guard's row says %q", text)
	}
	if value(t, ctx, "look for a PIN", chromedp.Evaluate[bool](`!document.getElementById("guard-pin").hidden`)) {
		t.Error("a PIN the operator typed is shown back")
	}

	do(t, ctx, "ask to reset the PIN", chromedp.Click(chromedp.CSS(row+" button.guard-reset")),
		chromedp.WaitVisible(chromedp.CSS("#guard-confirm button.guard-go")))
	if ask := value(t, ctx, "read the confirmation", chromedp.Text(chromedp.CSS("#guard-confirm"))); !strings.Contains(ask, "赵师傅（zhao）") || !strings.Contains(ask, "签退") {
		t.Errorf("the reset asks %q; it must name the guard and say they are signed out", ask)
	}
	do(t, ctx, "reset to a generated PIN", chromedp.Click(chromedp.CSS("#guard-confirm button.guard-go")),
		chromedp.WaitVisible(chromedp.CSS("#guard-pin .pin-value")))
	pin := value(t, ctx, "read the PIN", chromedp.Text(chromedp.CSS("#guard-pin .pin-value")))
	note := value(t, ctx, "read the note", chromedp.Text(chromedp.CSS("#guard-pin")))
	if !regexp.MustCompile(`^[0-9]{6}$`).MatchString(pin) || !strings.Contains(note, "仅此一次显示") || !strings.Contains(note, "赵师傅") {
		t.Fatalf("the page shows PIN %q with %q", pin, note)
	}
	if g := storedGuard(t, f, "site-b", "zhao"); !wire.CheckPIN(g.PINHash, pin) || wire.CheckPIN(g.PINHash, "2468") {
		t.Fatalf("the stored hash: checks the shown PIN %v, the old one %v", wire.CheckPIN(g.PINHash, pin), wire.CheckPIN(g.PINHash, "2468"))
	}
	do(t, ctx, "close the PIN", chromedp.Click(chromedp.CSS("#guard-pin button.guard-pin-done")),
		chromedp.WaitNotVisible(chromedp.CSS("#guard-pin")))
	if body := value(t, ctx, "read the page", chromedp.Evaluate[string](`document.body.innerText`)); strings.Contains(body, pin) {
		t.Error("the PIN is still on the page after it was closed")
	}

	do(t, ctx, "ask to disable, then cancel", chromedp.Click(chromedp.CSS(row+" button.guard-disable")),
		chromedp.WaitVisible(chromedp.CSS("#guard-confirm button.guard-cancel")),
		chromedp.Click(chromedp.CSS("#guard-confirm button.guard-cancel")), chromedp.WaitNotVisible(chromedp.CSS("#guard-confirm")))
	if storedGuard(t, f, "site-b", "zhao").Disabled {
		t.Fatal("a cancelled disable disabled the guard")
	}
	do(t, ctx, "disable", chromedp.Click(chromedp.CSS(row+" button.guard-disable")),
		chromedp.WaitVisible(chromedp.CSS("#guard-confirm button.guard-go")),
		chromedp.Click(chromedp.CSS("#guard-confirm button.guard-go")),
		chromedp.WaitVisible(chromedp.CSS(row+" button.guard-enable")))
	if text := value(t, ctx, "read the row", chromedp.Text(chromedp.CSS(row))); !strings.Contains(text, "已停用") {
		t.Errorf("the disabled guard's row says %q", text)
	}
	if !storedGuard(t, f, "site-b", "zhao").Disabled {
		t.Fatal("the store does not hold the disable")
	}

	do(t, ctx, "log out", chromedp.Click(chromedp.CSS("#logout")), chromedp.WaitVisible(chromedp.CSS("#login-form")))
	logIn(t, ctx, f, "manager")
	do(t, ctx, "wait for the manager's guard screen", chromedp.WaitVisible(chromedp.CSS("#guards")),
		chromedp.WaitReady(chromedp.CSS(`#guard-site option[value="site-a"]`)))
	offered := value(t, ctx, "read the sites offered", chromedp.Evaluate[[]string](
		`[...document.querySelectorAll("#guard-site option")].map(o => o.value)`))
	if len(offered) != 1 || offered[0] != "site-a" {
		t.Errorf("site-a's manager is offered sites %v, want [site-a]", offered)
	}
	if rows := value(t, ctx, "read the manager's list", chromedp.Text(chromedp.CSS("#guard-rows"))); strings.Contains(rows, "zhao") {
		t.Errorf("site-a's manager sees site-b's guard: %q", rows)
	}

	do(t, ctx, "log out", chromedp.Click(chromedp.CSS("#logout")), chromedp.WaitVisible(chromedp.CSS("#login-form")))
	logIn(t, ctx, f, "tracer")
	do(t, ctx, "wait for the first poll", chromedp.WaitVisible(chromedp.CSS("#alerts-none")))
	if value(t, ctx, "look for the guard screen", chromedp.Evaluate[bool](`!document.getElementById("guards").hidden`)) {
		t.Error("a tracer, who may not manage guards, sees the guard screen")
	}
}

// TestDashboardIntegrationGuardScreenSpeaksEnglish: with ?lang=en the
// screen's labels, and an error the collector answers (a PIN too short,
// sent past the page's own check), are in English.
func TestDashboardIntegrationGuardScreenSpeaksEnglish(t *testing.T) {
	ctx := browser(t, 390, 844)
	f, _ := guardFixture(t)
	f.srv = httptest.NewServer(f.h)
	t.Cleanup(f.srv.Close)
	logIn(t, ctx, f, "manager")
	do(t, ctx, "open the English page", chromedp.Navigate(f.srv.URL+"/?lang=en"),
		chromedp.WaitVisible(chromedp.CSS("#guard-add-submit")),
		chromedp.Poll[chromedp.Void](`document.getElementById("h-guards").textContent === "Guards"`))
	// The page's own check would stop this PIN; call the same path the
	// page uses with it, as a stale copy of the page might.
	do(t, ctx, "send a short PIN", chromedp.Evaluate[chromedp.Void](`changeGuard(guardPath("site-a"),
		{ id: "li", name: "李师傅", pin: "12" }, "guardAdded")`),
		chromedp.WaitVisible(chromedp.CSS("#guard-error")))
	if msg := value(t, ctx, "read the error", chromedp.Text(chromedp.CSS("#guard-error"))); !strings.HasPrefix(msg, "A PIN is 4 to 32 characters") {
		t.Errorf("the collector's refusal shows as %q", msg)
	}
	l := value(t, ctx, "measure the page", chromedp.Evaluate[int](`document.documentElement.scrollWidth`))
	if l > 390 {
		t.Errorf("on a phone the page is %d px wide with the guard screen", l)
	}
}
