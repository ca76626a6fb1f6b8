package api

import (
	"strings"
	"testing"

	"github.com/chromedp/chromedp"
)

// TestDashboardIntegrationHoldsSectionListsWhoIsHeldAndWhoWasReleased:
// central monitoring sees the people held for sampling, pending first,
// with the pass masked, and the one a result released; in English too;
// a site manager sees the section without the form to record results.
func TestDashboardIntegrationHoldsSectionListsWhoIsHeldAndWhoWasReleased(t *testing.T) {
	ctx := browser(t, 1920, 1080)
	f := newAuthFixture(t)
	putHolds(t, f)
	const released, pending = `#holds-rows tr[data-hold="gate-1-11"]`, `#holds-rows tr[data-hold="gate-2-11"]`
	logIn(t, ctx, f, "monitor")
	do(t, ctx, "wait for the holds", chromedp.WaitVisible(chromedp.CSS(released)), chromedp.WaitVisible(chromedp.CSS(pending)))
	text := value(t, ctx, "read the holds", chromedp.Text(chromedp.CSS("#holds-rows")))
	if strings.Contains(text, "P-gate-2") || !strings.Contains(text, "待结果") || !strings.Contains(text, "已解除") {
		t.Errorf("holds read %q: want the pass masked, one waiting and one released", text)
	}
	first := value(t, ctx, "read the first row", chromedp.Evaluate[string](`document.querySelector("#holds-rows tr").dataset.hold`))
	if first == "gate-1-11" {
		t.Errorf("the released hold is listed first; pending ones come first")
	}
	if hidden := value(t, ctx, "look at the form", chromedp.Evaluate[bool](`document.getElementById("result-form").hidden`)); hidden {
		t.Error("central monitoring has no form to record a result")
	}
	do(t, ctx, "switch to English", chromedp.Click(chromedp.CSS("#lang")),
		chromedp.Poll[chromedp.Void](`document.querySelector(`+jsString(pending)+`).textContent.includes("waiting")`))

	mctx := browser(t, 1280, 800)
	logIn(t, mctx, f, "manager")
	do(t, mctx, "wait for the manager's holds", chromedp.WaitVisible(chromedp.CSS(pending)))
	if hidden := value(t, mctx, "look at the form", chromedp.Evaluate[bool](`document.getElementById("result-form").hidden`)); !hidden {
		t.Error("a site manager is offered the form central monitoring records results with")
	}
}
