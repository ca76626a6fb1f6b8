package api

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/kakou/kakou/cloud/store"
)

// TestDashboardIntegrationListsMissedDuties: a site whose guards missed
// the noon disinfection shows it, by name, slot and gate, in the duty log
// section; nothing is raised as an alert.
func TestDashboardIntegrationListsMissedDuties(t *testing.T) {
	ctx := browser(t, 1920, 1080)
	f := newAuthFixture(t)
	logIn(t, ctx, f, "monitor")
	if err := f.store.PutSites(context.Background(), []store.Site{{ID: "estate", Name: "幸福小区", Facility: "community"}}); err != nil {
		t.Fatal(err)
	}
	morning := time.Date(2022, 4, 2, 8, 5, 0, 0, cst)
	done := dutyRecord("estate", "gate-1", 1, morning, "gate-disinfection", "08:00", false)
	missed := dutyRecord("estate", "gate-1", 2, morning.Add(2*time.Hour), "gate-disinfection", "06:00", true)
	done.Record.Duty.Day, missed.Record.Duty.Day = "2022-04-02", "2022-04-02"
	f.put(t, done, missed)
	line := `#duty-sites li[data-site="estate"]`
	do(t, ctx, "open the duty log", chromedp.Navigate(f.srv.URL+"/"), chromedp.WaitVisible(chromedp.CSS(line)))
	got := value(t, ctx, "read the estate's duty line", chromedp.Text(chromedp.CSS(line)))
	if !strings.Contains(got, "完成 1/2") || !strings.Contains(got, "未完成: 大门消毒 06:00 (gate-1)") {
		t.Fatalf("duty line %q", got)
	}
	alerts, err := f.store.Alerts(context.Background(), store.AlertQuery{})
	if err != nil || len(alerts) != 0 {
		t.Fatalf("a missed duty raised alerts: %+v %v", alerts, err)
	}
}
