package api

import (
	"context"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"
	"github.com/kakou/kakou/firmware/wire"
)

// pickPolicy sets one of the policy screen's selects as an operator would.
func pickPolicy(t *testing.T, ctx context.Context, id, v string) {
	t.Helper()
	do(t, ctx, "pick "+id+" "+v, chromedp.WaitReady(chromedp.CSS("#"+id+` option[value="`+v+`"]`)),
		chromedp.Evaluate[chromedp.Void](`(() => { const s = document.getElementById(`+jsString(id)+`);
			s.value = `+jsString(v)+`; s.dispatchEvent(new Event("change")); })()`))
}

// TestDashboardIntegrationPolicyScreenChoosesShowsChangesAndConfirms:
// Wujin's monitor is offered Wujin's site only, picks community-closed for
// site-a, sees that it is always in effect, reaches both gates and adds
// the two-guard rule and the 48 h test that community-normal (what they
// run) lacks; confirms; the units list then shows both gates lagging
// behind the new version. A choice the collector refuses shows its
// reason. Site-a's manager sees the versions but no form.
func TestDashboardIntegrationPolicyScreenChoosesShowsChangesAndConfirms(t *testing.T) {
	ctx := browser(t, 1920, 1080)
	f := newRegionFixture(t)
	for _, u := range []string{"gate-1", "gate-2"} {
		if err := f.store.PutStatus(context.Background(), wire.Status{Schema: wire.SchemaVersion, Site: "site-a", Unit: u,
			Facility: "community", State: wire.Online, PolicyVersion: "community-normal-1"}, now); err != nil {
			t.Fatal(err)
		}
	}
	logIn(t, ctx, f.authFixture, "district")
	do(t, ctx, "wait for the policy screen", chromedp.WaitVisible(chromedp.CSS("#pol-form")))
	pickPolicy(t, ctx, "pol-scope", "site")
	offered := value(t, ctx, "read the sites offered", chromedp.Evaluate[[]string](
		`[...document.querySelectorAll("#pol-target option")].map(o => o.value)`))
	if strings.Join(offered, ",") != "site-a" {
		t.Errorf("Wujin's monitor is offered sites %v, want site-a alone", offered)
	}
	pickPolicy(t, ctx, "pol-target", "site-a")
	pickPolicy(t, ctx, "pol-profile", "community-closed")
	do(t, ctx, "wait for the preview", chromedp.WaitVisible(chromedp.CSS(`#pol-diff tr[data-rule="min_guards"]`)))
	preview := value(t, ctx, "read the preview", chromedp.Text(chromedp.CSS("#pol-preview")))
	for _, want := range []string{"长期有效", "涉及 2 台设备", "最少值守人数", "核酸"} {
		if !strings.Contains(preview, want) {
			t.Errorf("the preview lacks %q: %q", want, preview)
		}
	}
	if strings.Contains(preview, "发热阈值") {
		t.Errorf("the preview lists the fever threshold, which does not change: %q", preview)
	}
	do(t, ctx, "confirm", chromedp.Click(chromedp.CSS("#pol-confirm")),
		chromedp.Poll[chromedp.Void](`document.getElementById("pol-done").textContent.includes("community-closed-1")`),
		chromedp.Poll[chromedp.Void](`document.querySelector('#pol-units tr[data-unit="site-a/gate-2"]').textContent.includes("未同步")`))
	units := value(t, ctx, "read the units", chromedp.Text(chromedp.CSS("#pol-units")))
	if !strings.Contains(units, "community-closed-1") || strings.Contains(units, "door-1") {
		t.Errorf("the units list after the choice: %q", units)
	}

	pickPolicy(t, ctx, "pol-scope", "facility")
	pickPolicy(t, ctx, "pol-target", "wujin")
	pickPolicy(t, ctx, "pol-facility", "supermarket")
	pickPolicy(t, ctx, "pol-profile", "class-b")
	do(t, ctx, "push a community profile to Wujin's supermarkets", chromedp.Click(chromedp.CSS("#pol-confirm")),
		chromedp.WaitVisible(chromedp.CSS("#pol-error")))
	if msg := value(t, ctx, "read the refusal", chromedp.Text(chromedp.CSS("#pol-error"))); !strings.Contains(msg, "未下发") ||
		!strings.Contains(msg, "community, not supermarket") {
		t.Errorf("the refusal shows as %q", msg)
	}

	do(t, ctx, "log out", chromedp.Click(chromedp.CSS("#logout")), chromedp.WaitVisible(chromedp.CSS("#login-form")))
	logIn(t, ctx, f.authFixture, "manager")
	do(t, ctx, "wait for the manager's view", chromedp.WaitVisible(chromedp.CSS("#pol-look")),
		chromedp.WaitVisible(chromedp.CSS(`#pol-units tr[data-unit="site-a/gate-1"]`)))
	if value(t, ctx, "look for the form", chromedp.Evaluate[bool](`!document.getElementById("pol-form").hidden`)) {
		t.Error("a site manager, who may not choose, is shown the form")
	}
	do(t, ctx, "switch to English", chromedp.Click(chromedp.CSS("#lang")),
		chromedp.Poll[chromedp.Void](`document.getElementById("h-policy").textContent === "Policies"`))
	if look := value(t, ctx, "read the note", chromedp.Text(chromedp.CSS("#pol-look"))); !strings.HasPrefix(look, "View only") {
		t.Errorf("the English note says %q", look)
	}
}

// TestDashboardIntegrationFleetViewFiltersByRegion: central monitoring
// picks Liyang and the fleet shows its supermarket's door alone; picking
// all brings Hutang's gates back.
func TestDashboardIntegrationFleetViewFiltersByRegion(t *testing.T) {
	ctx := browser(t, 1920, 1080)
	f := newRegionFixture(t)
	logIn(t, ctx, f.authFixture, "monitor")
	do(t, ctx, "wait for the fleet", chromedp.WaitVisible(chromedp.CSS(".fleet-region")),
		chromedp.Poll[chromedp.Void](`document.getElementById("fleet").textContent.includes("gate-1")`))
	pickPolicy(t, ctx, "fleet-region", "liyang")
	do(t, ctx, "wait for Liyang's fleet", chromedp.Poll[chromedp.Void](`!document.getElementById("fleet").textContent.includes("gate-1")`))
	if fleet := value(t, ctx, "read the fleet", chromedp.Text(chromedp.CSS("#fleet"))); !strings.Contains(fleet, "door-1") {
		t.Errorf("Liyang's fleet: %q", fleet)
	}
	pickPolicy(t, ctx, "fleet-region", "")
	do(t, ctx, "wait for the whole fleet", chromedp.Poll[chromedp.Void](`document.getElementById("fleet").textContent.includes("gate-1")`))
}
