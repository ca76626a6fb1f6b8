package api

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/kakou/kakou/cloud/store"
	"github.com/kakou/kakou/firmware/wire"
)

// householdExit is an exit of household hh at unit, a use if allowed.
func householdExit(site, unit string, seq uint64, at time.Time, hh string) wire.Entry {
	e := entry(site, unit, seq, at)
	e.Lane = wire.LaneOut
	e.Credential = wire.Credential{Kind: wire.CredentialResidentPass, Result: "valid", Subject: "P-1"}
	e.Household = &wire.Household{ID: hh, Counted: true, Allowance: 1, PeriodSeconds: 2 * 86400}
	return e
}

type householdsAnswer struct {
	Households []householdJSON
}

func TestHouseholdsHealWhenALanesLateUseLandsAndStayInScope(t *testing.T) {
	f := newAuthFixture(t)
	at := f.clock.now().Add(-time.Hour)
	if _, err := f.store.PutEntries(context.Background(), []wire.Entry{householdExit("site-a", "gate-1", 1, at, "B3-1201"),
		householdExit("site-b", "door-1", 1, at, "B3-1201")}, at); err != nil {
		t.Fatal(err)
	}
	cookie, _ := f.login(t, f.h, "manager", "")
	var got householdsAnswer
	if code := f.getAs(t, cookie, "/api/v1/households?site=site-a", &got); code != 200 || len(got.Households) != 1 ||
		got.Households[0].Used != 1 || got.Households[0].Remaining != 0 || got.Households[0].OverQuota || got.Households[0].NextAt == nil {
		t.Fatalf("one use: %d %+v", code, got)
	}
	// The second lane was cut off and let the copied pass out too; its entry lands late.
	if _, err := f.store.PutEntries(context.Background(), []wire.Entry{householdExit("site-a", "gate-2", 1, at.Add(time.Minute), "B3-1201")}, at); err != nil {
		t.Fatal(err)
	}
	got = householdsAnswer{}
	f.getAs(t, cookie, "/api/v1/households?site=site-a&over=1", &got)
	if len(got.Households) != 1 || got.Households[0].Used != 2 || !got.Households[0].OverQuota || got.Households[0].OverUseEntry != "gate-2-1" {
		t.Fatalf("after the late use: %+v", got)
	}
	if code := f.getAs(t, cookie, "/api/v1/households?site=site-b", nil); code != 403 {
		t.Fatalf("a site manager asked for another site: %d", code)
	}
	if code := f.getAs(t, cookie, "/api/v1/households", nil); code != 200 {
		t.Fatalf("a site manager without ?site (theirs is implied): %d", code)
	}
	guard, _ := f.login(t, f.h, "guard", "")
	got = householdsAnswer{}
	f.getAs(t, guard, "/api/v1/households?site=site-a", &got)
	if len(got.Households) != 1 || !strings.Contains(strings.Join(got.Households[0].Units, ","), "gate-1") {
		t.Fatalf("the guard of gate-1: %+v", got)
	}
}

// TestDashboardIntegrationShowsAHouseholdOverItsQuota: two exits let the
// same household out within its period; the household screen lists it
// over quota, in Chinese.
func TestDashboardIntegrationShowsAHouseholdOverItsQuota(t *testing.T) {
	ctx := browser(t, 1920, 1080)
	f := newAuthFixture(t)
	logIn(t, ctx, f, "monitor")
	if err := f.store.PutSites(context.Background(), []store.Site{{ID: "estate", Name: "幸福小区", Facility: "community"}}); err != nil {
		t.Fatal(err)
	}
	at := f.clock.now().Add(-time.Hour)
	if _, err := f.store.PutEntries(context.Background(), []wire.Entry{householdExit("estate", "north", 1, at, "B3-1201"),
		householdExit("estate", "south", 1, at.Add(time.Minute), "B3-1201")}, at); err != nil {
		t.Fatal(err)
	}
	do(t, ctx, "open the household screen", chromedp.Navigate(f.srv.URL+"/"),
		chromedp.WaitVisible(chromedp.CSS(`#households .pill.deny`)))
	got := value(t, ctx, "read the household row", chromedp.Text(chromedp.CSS("#households")))
	if !strings.Contains(got, "幸福小区") || !strings.Contains(got, "B3-1201") || !strings.Contains(got, "2 / 1") || !strings.Contains(got, "超次") {
		t.Fatalf("household row %q", got)
	}
}
