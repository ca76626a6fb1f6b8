package api

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/emulation"
	"github.com/chromedp/chromedp"
	"github.com/kakou/kakou/cloud/store"
	"github.com/kakou/kakou/firmware/wire"
)

// TestDashboardIntegrationTracingScreenFindsWhoWasInsideAndExports: a
// tracer ticks the mart and the market, asks for 09:00-10:00 with stays of
// at least 30 minutes, and gets 王五 (inside since 08:00, never seen
// leaving) and 张三 (08:30-09:30, in before the window) by name and number
// in full, the mart by its name; the CSV link gives the same rows; both
// are in the audit trail. In English the screen is in English. Central
// monitoring does not see the screen.
func TestDashboardIntegrationTracingScreenFindsWhoWasInsideAndExports(t *testing.T) {
	ctx := browser(t, 1920, 1080)
	f := traceFixture(t)
	logIn(t, ctx, f, "tracer")
	do(t, ctx, "ask who was at the mart and the market 09:00-10:00 for 30 min or more",
		chromedp.WaitVisible(chromedp.CSS(`#trace-sites input[value="market"]`)),
		chromedp.Evaluate[chromedp.Void](`(() => {
			for (const s of ["mart", "market"]) document.querySelector('#trace-sites input[value="' + s + '"]').checked = true;
			document.getElementById("trace-since").value = "2022-04-02T09:00";
			document.getElementById("trace-until").value = "2022-04-02T10:00";
			document.getElementById("trace-min-stay").value = "30";
		})()`),
		chromedp.Click(chromedp.CSS("#trace-run")),
		chromedp.WaitVisible(chromedp.CSS("#trace-rows tr[data-entry]")))
	rows := value(t, ctx, "read the visits", chromedp.Evaluate[[]string](
		`[...document.querySelectorAll("#trace-rows tr")].map(r => r.innerText)`))
	if len(rows) != 2 || !strings.Contains(rows[0], "320404197003035678") || !strings.Contains(rows[0], "未见离开") ||
		!strings.Contains(rows[1], "万家福超市") || !strings.Contains(rows[1], "110101199001011234") ||
		!strings.Contains(rows[1], "1 小时") || !strings.Contains(rows[1], "出入证") {
		t.Fatalf("the visits shown: %q", rows)
	}
	csv := value(t, ctx, "download the CSV", chromedp.Evaluate[string](
		`fetch(document.getElementById("trace-csv").href).then(r => r.text())`, chromedp.EvalAwaitPromise))
	if lines := strings.Split(strings.TrimSpace(csv), "\n"); len(lines) != 3 || !strings.HasPrefix(lines[0], "点位编号") ||
		!strings.Contains(csv, "万家福超市") || !strings.Contains(csv, "出入证") || !strings.Contains(csv, "110101199001011234") {
		t.Fatalf("the CSV: %q", csv)
	}
	var asked []string
	for _, a := range f.audited(t) {
		if a.Action == "trace" {
			asked = append(asked, a.Detail)
		}
	}
	if len(asked) != 2 || !strings.Contains(asked[0], `"min_stay":"30m0s"`) || !strings.Contains(asked[1], `"format":"csv"`) {
		t.Errorf("the audit trail holds %q; want the search, then the download", asked)
	}
	do(t, ctx, "switch to English", chromedp.Click(chromedp.CSS("#lang")),
		chromedp.Poll[chromedp.Void](`document.getElementById("h-trace").textContent === "Contact tracing"`))
	if head := value(t, ctx, "read the table's head", chromedp.Text(chromedp.CSS("#trace-head"))); !strings.Contains(head, "Entered") {
		t.Errorf("the English table's head is %q", head)
	}

	do(t, ctx, "log out", chromedp.Click(chromedp.CSS("#logout")), chromedp.WaitVisible(chromedp.CSS("#login-form")))
	logIn(t, ctx, f, "monitor")
	do(t, ctx, "wait for the first poll", chromedp.WaitVisible(chromedp.CSS("#alerts-none")))
	if value(t, ctx, "look for the tracing screen", chromedp.Evaluate[bool](`!document.getElementById("tracing").hidden`)) {
		t.Error("central monitoring sees the tracing screen")
	}
}

// inZone sets the browser's own time zone, as an official's laptop may be.
func inZone(zone string) chromedp.Action[chromedp.Void] {
	return func(ctx context.Context, t *chromedp.Target) (chromedp.Void, error) {
		_, err := cdp.Call(ctx, t, emulation.SetTimezoneOverride, emulation.SetTimezoneOverrideParams{TimezoneID: zone})
		return chromedp.Void{}, err
	}
}

// TestDashboardIntegrationShowsNamesWordsAndTheCollectorsTime: in a
// browser set to New York, a gate's entry at 09:15 in Shanghai shows at
// 09:15 (not 21:15 the day before); the gate shows as 阳光花园小区 and 北门,
// the names its status gave; its decision and its credential's result in
// words (劝返, 未验签), never the codes.
func TestDashboardIntegrationShowsNamesWordsAndTheCollectorsTime(t *testing.T) {
	ctx := browser(t, 1920, 1080)
	do(t, ctx, "set the browser in New York", inZone("America/New_York"))
	f := newAuthFixture(t)
	st := wire.Status{Schema: wire.SchemaVersion, Site: "site-a", Unit: "gate-1", State: wire.Online,
		SiteName: "阳光花园小区", UnitName: "北门"}
	if err := f.store.PutStatus(context.Background(), st, now); err != nil {
		t.Fatal(err)
	}
	e := entry("site-a", "gate-1", 1, time.Date(2022, 4, 2, 9, 15, 0, 0, cst))
	e.Decision, e.Credential = wire.PersuadeReturn, wire.Credential{Kind: wire.CredentialResidentPass, Result: "unverified"}
	f.put(t, e)
	logIn(t, ctx, f, "monitor")
	do(t, ctx, "wait for the entry", chromedp.WaitVisible(chromedp.CSS("#entries tr td.reasons")))
	got := value(t, ctx, "read the entry", chromedp.Text(chromedp.CSS("#entries tr")))
	for _, want := range []string{"09:15", "阳光花园小区", "北门", "劝返", "出入证 · 未验签"} {
		if !strings.Contains(got, want) {
			t.Errorf("the entry row %q lacks %q", got, want)
		}
	}
	body := value(t, ctx, "read the page", chromedp.Evaluate[string](`document.body.innerText`))
	for _, raw := range []string{"21:15", "unverified", "persuade_return", "resident_pass"} {
		if strings.Contains(body, raw) {
			t.Errorf("the page shows %q", raw)
		}
	}
	if fleet := value(t, ctx, "read the fleet", chromedp.Text(chromedp.CSS(`#units tr[data-unit="site-a/gate-1"]`))); !strings.Contains(fleet, "北门") ||
		!strings.Contains(fleet, "阳光花园小区") {
		t.Errorf("the fleet row says %q; want the unit and site by name", fleet)
	}
}

// TestDashboardIntegrationPhoneHeaderItemsStayOnOneLine: on a 375 px
// phone, with an alert open and a tracer logged in, every item of the
// header is one line high and at least a character wide: none is squeezed
// into a column of single characters.
func TestDashboardIntegrationPhoneHeaderItemsStayOnOneLine(t *testing.T) {
	ctx := browser(t, 375, 812)
	f := newAuthFixture(t)
	f.put(t, feverAt("site-a", "gate-1", 1, now.Add(-time.Minute)))
	logIn(t, ctx, f, "tracer")
	do(t, ctx, "wait for the badge", chromedp.WaitVisible(chromedp.CSS("#open-count")))
	bad := value(t, ctx, "measure the header", chromedp.Evaluate[[]string](`[...document.querySelectorAll("header > *")]
		.filter(n => !n.hidden && getComputedStyle(n).display !== "none")
		.filter(n => { const r = n.getBoundingClientRect(), s = getComputedStyle(n);
			const font = parseFloat(s.fontSize), line = parseFloat(s.lineHeight) || font * 1.45;
			return r.height > line * 1.5 + parseFloat(s.paddingTop) + parseFloat(s.paddingBottom) + 4 || r.width < font; })
		.map(n => (n.id || n.tagName) + " " + Math.round(n.getBoundingClientRect().width) + "x" + Math.round(n.getBoundingClientRect().height))`))
	if len(bad) > 0 {
		t.Errorf("header items wrapped or squeezed at 375 px: %v", bad)
	}
	if w := value(t, ctx, "measure the page", chromedp.Evaluate[int](`document.documentElement.scrollWidth`)); w > 375 {
		t.Errorf("the page is %d px wide on a 375 px phone", w)
	}
}

// TestDashboardIntegrationSoundsOnceForANewHighAlert: a fever open when
// the page loads makes no sound; a yellow code after it none either (not
// high); a red code sounds once, however many polls show it again; muted,
// a new fever sounds nothing, and the page remembers the mute on reload.
func TestDashboardIntegrationSoundsOnceForANewHighAlert(t *testing.T) {
	ctx := browser(t, 1920, 1080)
	f := newAuthFixture(t)
	f.put(t, feverAt("site-a", "gate-1", 1, now.Add(-time.Hour)))
	logIn(t, ctx, f, "monitor")
	played := func() int {
		return value(t, ctx, "count the tones", chromedp.Evaluate[int](`window.kakouAlertSound.played`))
	}
	do(t, ctx, "wait for the open fever", chromedp.WaitVisible(chromedp.CSS("#alerts-open li")))
	if n := played(); n != 0 {
		t.Fatalf("loading the page with a fever open played %d tones", n)
	}
	yellow := entry("site-a", "gate-1", 2, now)
	yellow.Decision, yellow.Alert = wire.Deny, "health_code_yellow"
	f.put(t, yellow)
	do(t, ctx, "wait for the yellow code", chromedp.Poll[chromedp.Void](`document.querySelectorAll("#alerts-open li").length === 2`))
	if n := played(); n != 0 {
		t.Fatalf("a yellow code played %d tones", n)
	}
	red := entry("site-a", "gate-1", 3, now)
	red.Decision, red.Alert = wire.Deny, "health_code_red"
	f.put(t, red)
	do(t, ctx, "wait for the red code", chromedp.Poll[chromedp.Void](`document.querySelectorAll("#alerts-open li").length === 3`))
	status := value(t, ctx, "read the status", chromedp.Text(chromedp.CSS("#status")))
	do(t, ctx, "let the page poll again", chromedp.Poll[chromedp.Void](`document.getElementById("status").textContent !== `+jsString(status)))
	if n := played(); n != 1 {
		t.Fatalf("a red code played %d tones, want 1", n)
	}

	do(t, ctx, "mute", chromedp.Click(chromedp.CSS("#sound")))
	f.put(t, feverAt("site-a", "gate-1", 4, now))
	do(t, ctx, "wait for the fever", chromedp.Poll[chromedp.Void](`document.querySelectorAll("#alerts-open li").length === 4`))
	if n := played(); n != 1 {
		t.Fatalf("muted, a fever played a tone (%d in all)", n)
	}
	do(t, ctx, "reload", chromedp.Reload(), chromedp.WaitVisible(chromedp.CSS("#alerts-open li")))
	if label := value(t, ctx, "read the sound button", chromedp.Text(chromedp.CSS("#sound"))); !strings.Contains(label, "已静音") {
		t.Errorf("after a reload the sound button says %q; want it still muted", label)
	}
	if stored, _ := f.store.Alerts(context.Background(), store.AlertQuery{Open: true}); len(stored) != 4 {
		t.Fatalf("open alerts in the store: %d, want 4", len(stored))
	}
}
