package api

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/kakou/kakou/cloud/report"
	"github.com/kakou/kakou/cloud/store"
)

// TestDashboardIntegrationReportsScreenListsFilesAndDelivery: central
// monitoring sees each report with its cut, its latest period, links to
// its files, and that the latest reached the district office after a
// failed attempt; in English too. A site manager sees the reports but not
// the deliveries; a guard does not see the screen.
func TestDashboardIntegrationReportsScreenListsFilesAndDelivery(t *testing.T) {
	ctx := browser(t, 1920, 1080)
	f := newAuthFixture(t)
	date := report.LatestCut(now, 0, 0, cst).Date // the fixture's cut is 00:00
	for i, ok := range []bool{false, true} {
		d := store.Delivery{Report: "daily", Date: date, Recipient: "district-office", Attempt: i + 1,
			At: now.Add(time.Duration(i) * time.Minute), OK: ok, By: "c1"}
		if !ok {
			d.Error = "connection refused"
		}
		if err := f.store.PutDelivery(context.Background(), d); err != nil {
			t.Fatal(err)
		}
	}
	const daily = `#reports-rows tr[data-report="daily"]`
	logIn(t, ctx, f, "monitor")
	do(t, ctx, "wait for the reports", chromedp.WaitVisible(chromedp.CSS(daily)),
		chromedp.Poll[chromedp.Void](`document.querySelector(`+jsString(daily)+`).textContent.includes("已送达")`))
	text := value(t, ctx, "read the daily report's row", chromedp.Text(chromedp.CSS(daily)))
	for _, want := range []string{"日报", "00:00", "已送达 district-office"} {
		if !strings.Contains(text, want) {
			t.Errorf("the row says %q, want %q in it", text, want)
		}
	}
	href := value(t, ctx, "read the CSV link", chromedp.Evaluate[string](
		`document.querySelector(`+jsString(daily+" a")+`).getAttribute("href")`))
	if href != "/api/v1/reports/daily?date="+date+"&format=csv" {
		t.Errorf("CSV link %q", href)
	}
	do(t, ctx, "switch to English", chromedp.Click(chromedp.CSS("#lang")),
		chromedp.Poll[chromedp.Void](`document.querySelector(`+jsString(daily)+`).textContent.includes("delivered to district-office")`))

	for _, who := range []struct {
		user              string
		section, delivery bool
	}{{"manager", true, false}, {"guard", false, false}} {
		ctx := browser(t, 1280, 800)
		logIn(t, ctx, f, who.user)
		ready := `document.getElementById("who").textContent.includes(` + jsString(who.user) + `)`
		if who.section {
			ready = `!!document.querySelector(` + jsString(daily) + `)`
		}
		do(t, ctx, "wait for the page to know "+who.user, chromedp.Poll[chromedp.Void](ready))
		got := value(t, ctx, "look at the reports screen", chromedp.Evaluate[[]any](`[
			!document.getElementById("reports").hidden,
			!document.getElementById("reports-delivery-head").hidden]`))
		if got[0] != who.section || (who.section && got[1] != who.delivery) {
			t.Errorf("%s: section shown %v, delivery column %v; want %v, %v", who.user, got[0], got[1], who.section, who.delivery)
		}
	}
}
