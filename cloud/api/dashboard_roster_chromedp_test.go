package api

import (
	"strings"
	"testing"

	"github.com/chromedp/chromedp"
)

// TestDashboardIntegrationRosterScreenCountsFindsAndEnds: Wujin's monitor
// sees the roster of the district's sites only, counted by what each entry
// is today, with the pass masked and an ID said to be on file, never its
// hash; finds a household written the way people write it; ends an entry
// after a confirmation that says no gate will flag the person; the
// English switch relabels the screen. A guard does not see the screen.
func TestDashboardIntegrationRosterScreenCountsFindsAndEnds(t *testing.T) {
	ctx := browser(t, 1920, 1080)
	f := newRegionFixture(t)
	if code, body := f.raw(t, "monitor", "POST", "/api/v1/roster", "["+rosterA+","+rosterB+"]"); code != 200 {
		t.Fatalf("import: %d %s", code, body)
	}
	logIn(t, ctx, f.authFixture, "district")
	row := `#roster-rows tr[data-entry="w-a"]`
	do(t, ctx, "wait for the roster", chromedp.WaitVisible(chromedp.CSS(row)))
	text := value(t, ctx, "read the row", chromedp.Text(chromedp.CSS(row)))
	for _, want := range []string{"3-2-501", "居家隔离", "身份证", "24h · 7d · 14d", "按策略"} {
		if !strings.Contains(text, want) {
			t.Errorf("the row says %q, want %q in it", text, want)
		}
	}
	page := value(t, ctx, "read the screen", chromedp.Text(chromedp.CSS("#roster")))
	for _, leak := range []string{hexHash, "SG-0012", "9-9-909", "返乡人员 1"} {
		if strings.Contains(page, leak) {
			t.Errorf("the district's screen shows %q", leak)
		}
	}
	if !strings.Contains(page, "共 1 人") || !strings.Contains(page, "居家隔离 1") {
		t.Errorf("the counts say %q", page)
	}
	do(t, ctx, "find a household written another way",
		chromedp.SendKeys(chromedp.CSS("#roster-find"), "3栋2单元501"), chromedp.Submit(chromedp.CSS("#roster-search")),
		chromedp.WaitVisible(chromedp.CSS(row)))
	do(t, ctx, "ask to end the entry", chromedp.Click(chromedp.CSS(row+" button.roster-end")),
		chromedp.WaitVisible(chromedp.CSS("#roster-confirm button.roster-go")))
	if ask := value(t, ctx, "read the confirmation", chromedp.Text(chromedp.CSS("#roster-confirm"))); !strings.Contains(ask, "3-2-501") ||
		!strings.Contains(ask, "不再提示") {
		t.Errorf("the confirmation says %q", ask)
	}
	do(t, ctx, "end it", chromedp.Click(chromedp.CSS("#roster-confirm button.roster-go")),
		chromedp.WaitNotPresent(chromedp.CSS(row)))
	if done := value(t, ctx, "read the outcome", chromedp.Text(chromedp.CSS("#roster-done"))); !strings.Contains(done, "已解除") {
		t.Errorf("after ending: %q", done)
	}
	do(t, ctx, "switch to English", chromedp.Click(chromedp.CSS("#lang")),
		chromedp.Poll[chromedp.Void](`document.getElementById("h-roster").textContent.includes("Home quarantine")`))

	do(t, ctx, "log out", chromedp.Click(chromedp.CSS("#logout")), chromedp.WaitVisible(chromedp.CSS("#login-form")))
	do(t, ctx, "log in as a guard", chromedp.SendKeys(chromedp.CSS("#user"), "guard"),
		chromedp.SendKeys(chromedp.CSS("#password"), "pw-guard"), chromedp.Click(chromedp.CSS("#login-submit")),
		chromedp.WaitVisible(chromedp.CSS("#logout")))
	if value(t, ctx, "look for the screen", chromedp.Evaluate[bool](`!document.getElementById("roster").hidden`)) {
		t.Error("a guard sees the roster screen")
	}
}
