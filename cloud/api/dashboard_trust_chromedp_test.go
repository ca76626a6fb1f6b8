package api

import (
	"strings"
	"testing"

	"github.com/chromedp/chromedp"
)

// TestDashboardIntegrationTrustScreenRevokesAPassWithItsReason: central
// monitoring sees the trust list's counts, revokes a lost pass with a
// reason and finds it listed with who did it; a pass id no unit could
// hold is refused before it is sent; the English switch relabels the
// screen. A district's monitor sees the list but no revoke form, and a
// guard does not see the screen.
func TestDashboardIntegrationTrustScreenRevokesAPassWithItsReason(t *testing.T) {
	ctx := browser(t, 1920, 1080)
	f := newRegionFixture(t)
	if code, body := f.raw(t, "monitor", "POST", "/api/v1/trust/revoke", `{"pass":"P-OLD","reason":"离职"}`); code != 200 {
		t.Fatalf("revoke: %d %s", code, body)
	}
	logIn(t, ctx, f.authFixture, "monitor")
	do(t, ctx, "wait for the trust list", chromedp.WaitVisible(chromedp.CSS(`#trust-rows tr[data-pass="P-OLD"]`)),
		chromedp.WaitVisible(chromedp.CSS("#trust-revoke")))
	if counts := value(t, ctx, "read the counts", chromedp.Text(chromedp.CSS("#trust-counts"))); !strings.Contains(counts, "已注销出入证 1") ||
		!strings.Contains(counts, "名单版本 1") {
		t.Errorf("the counts say %q", counts)
	}
	do(t, ctx, "try a pass id no unit could hold", chromedp.SendKeys(chromedp.CSS("#trust-pass"), "P 1"),
		chromedp.Click(chromedp.CSS("#trust-submit")), chromedp.WaitVisible(chromedp.CSS("#trust-error")))
	if e := value(t, ctx, "read the error", chromedp.Text(chromedp.CSS("#trust-error"))); !strings.Contains(e, "字母、数字") {
		t.Errorf("the error says %q", e)
	}
	row := `#trust-rows tr[data-pass="P-LOST"]`
	do(t, ctx, "revoke a lost pass", chromedp.Poll[chromedp.Void](`(document.getElementById("trust-pass").value = "", true)`),
		chromedp.SendKeys(chromedp.CSS("#trust-pass"), "P-LOST"), chromedp.SendKeys(chromedp.CSS("#trust-reason"), "丢失"),
		chromedp.Click(chromedp.CSS("#trust-submit")), chromedp.WaitVisible(chromedp.CSS(row)))
	text := value(t, ctx, "read the row", chromedp.Text(chromedp.CSS(row)))
	for _, want := range []string{"P-LOST", "丢失", "monitor", "2"} {
		if !strings.Contains(text, want) {
			t.Errorf("the row says %q, want %q in it", text, want)
		}
	}
	if done := value(t, ctx, "read the outcome", chromedp.Text(chromedp.CSS("#trust-done"))); !strings.Contains(done, "已注销 P-LOST") {
		t.Errorf("after revoking: %q", done)
	}
	do(t, ctx, "switch to English", chromedp.Click(chromedp.CSS("#lang")),
		chromedp.Poll[chromedp.Void](`document.getElementById("h-trust").textContent.includes("Revoked passes")`))

	do(t, ctx, "log out", chromedp.Click(chromedp.CSS("#logout")), chromedp.WaitVisible(chromedp.CSS("#login-form")))
	do(t, ctx, "log in as the district", chromedp.SendKeys(chromedp.CSS("#user"), "district"),
		chromedp.SendKeys(chromedp.CSS("#password"), "pw-district"), chromedp.Click(chromedp.CSS("#login-submit")),
		chromedp.WaitVisible(chromedp.CSS(row)))
	if value(t, ctx, "look for the form", chromedp.Evaluate[bool](`!document.getElementById("trust-revoke").hidden`)) {
		t.Error("a district's monitor is offered the revoke form")
	}
	do(t, ctx, "log out", chromedp.Click(chromedp.CSS("#logout")), chromedp.WaitVisible(chromedp.CSS("#login-form")))
	do(t, ctx, "log in as a guard", chromedp.SendKeys(chromedp.CSS("#user"), "guard"),
		chromedp.SendKeys(chromedp.CSS("#password"), "pw-guard"), chromedp.Click(chromedp.CSS("#login-submit")),
		chromedp.WaitVisible(chromedp.CSS("#logout")))
	if value(t, ctx, "look for the screen", chromedp.Evaluate[bool](`!document.getElementById("trust").hidden`)) {
		t.Error("a guard sees the trust screen")
	}
}
