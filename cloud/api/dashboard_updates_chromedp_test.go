package api

import (
	"context"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"github.com/kakou/kakou/cloud/store"
	"github.com/kakou/kakou/firmware/wire"
)

// TestDashboardIntegrationUpdatesScreenStartsARolloutAndPromotesAfterTheCanary:
// central monitoring starts a rollout of kakou-unit 1.5.0 to site-a with
// gate-1 as its canary from the 程序更新 screen; the canary shows waiting,
// then kept when its report arrives; promoting is refused with the
// collector's words before that and pushes gate-2 after; the English
// switch relabels the screen. A site manager sees the rollout but no form
// and no promote button.
func TestDashboardIntegrationUpdatesScreenStartsARolloutAndPromotesAfterTheCanary(t *testing.T) {
	ctx := browser(t, 1920, 1080)
	f, pub := rolloutFixture(t)
	f.srv = httptest.NewServer(f.h)
	t.Cleanup(f.srv.Close)
	logIn(t, ctx, f, "monitor")
	do(t, ctx, "start a rollout with a canary", chromedp.WaitVisible(chromedp.CSS("#upd-start")),
		chromedp.SendKeys(chromedp.CSS("#upd-version"), "1.5.0"), chromedp.SendKeys(chromedp.CSS("#upd-sites"), "site-a"),
		chromedp.SendKeys(chromedp.CSS("#upd-canary"), "site-a/gate-1"), chromedp.Click(chromedp.CSS("#upd-submit")),
		chromedp.WaitVisible(chromedp.CSS(`#upd-rows tr[data-rollout="kakou-unit/1.5.0"]`)),
		chromedp.WaitVisible(chromedp.CSS(`#upd-devices tr[data-unit="site-a/gate-1"][data-phase="waiting"]`)))
	if done := value(t, ctx, "read the outcome", chromedp.Text(chromedp.CSS("#upd-done"))); !strings.Contains(done, "已发起 1.5.0") {
		t.Errorf("after starting: %q", done)
	}
	do(t, ctx, "promote before the canary reported", chromedp.Click(chromedp.CSS(".upd-promote")),
		chromedp.Poll[chromedp.Void](`document.getElementById("upd-done").textContent.includes("site-a/gate-1")`))
	rep := wire.UpdateReport{Program: "kakou-unit", Version: "1.5.0", Previous: "1.4.0", Phase: "kept", Canary: true}
	if err := f.store.PutUpdateReport(context.Background(), store.UnitID{Site: "site-a", Unit: "gate-1"}, rep, now); err != nil {
		t.Fatal(err)
	}
	do(t, ctx, "see the canary's outcome arrive",
		chromedp.WaitVisible(chromedp.CSS(`#upd-devices tr[data-unit="site-a/gate-1"][data-phase="kept"]`)))
	do(t, ctx, "promote", chromedp.Click(chromedp.CSS(".upd-promote")),
		chromedp.WaitVisible(chromedp.CSS(`#upd-devices tr[data-unit="site-a/gate-2"][data-phase="waiting"]`)))
	if row := value(t, ctx, "read the rollout", chromedp.Text(chromedp.CSS(`#upd-rows tr[data-rollout="kakou-unit/1.5.0"]`))); !strings.Contains(row, "全部设备") ||
		!strings.Contains(row, "已更新 1") {
		t.Errorf("the rollout's row says %q", row)
	}
	if pub.n(wire.UpdateTopic("site-a", "gate-2")) != 1 {
		t.Errorf("gate-2 was pushed %d times, want once", pub.n(wire.UpdateTopic("site-a", "gate-2")))
	}
	do(t, ctx, "switch to English", chromedp.Click(chromedp.CSS("#lang")),
		chromedp.Poll[chromedp.Void](`document.getElementById("h-updates").textContent === "Program updates"`))

	do(t, ctx, "log out", chromedp.Click(chromedp.CSS("#logout")), chromedp.WaitVisible(chromedp.CSS("#login-form")))
	do(t, ctx, "log in as site-a's manager", chromedp.SendKeys(chromedp.CSS("#user"), "manager"),
		chromedp.SendKeys(chromedp.CSS("#password"), "pw-manager"), chromedp.Click(chromedp.CSS("#login-submit")),
		chromedp.WaitVisible(chromedp.CSS(`#upd-rows tr[data-rollout="kakou-unit/1.5.0"]`)))
	if value(t, ctx, "look for the form", chromedp.Evaluate[bool](`!document.getElementById("upd-start").hidden || !!document.querySelector(".upd-promote, .upd-stop")`)) {
		t.Error("a site manager is offered to start or change a rollout")
	}
}
