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

// visitor is a visitor admitted at unit with a visit allowed maxStay.
func visitor(unit string, seq uint64, at time.Time, maxStay time.Duration) wire.Entry {
	e := entry("garden", unit, seq, at)
	e.Visitor = &wire.Visitor{Name: "张三丰", Phone: "138****5678"}
	e.Visit = &wire.Visit{Prefix: 3, MaxStaySeconds: int64(maxStay / time.Second)}
	e.Visit.Number(seq)
	return e
}

func TestVisitsListsWhoIsStillInsideWithHowLongAndOverstays(t *testing.T) {
	f := newFixture(t)
	a := visitor("gate-in", 1, now.Add(-3*time.Hour), 2*time.Hour)
	b := visitor("gate-in", 2, now.Add(-time.Hour), 4*time.Hour)
	c := visitor("gate-in", 3, now.Add(-90*time.Minute), 0)
	out := entry("garden", "gate-out", 1, now.Add(-30*time.Minute))
	out.Lane, out.CloseOut = wire.LaneOut, &wire.CloseOut{Code: c.Visit.Code, MatchedBy: wire.MatchedByCode}
	f.put(t, a, b, c, out)

	var got struct {
		Count  int
		Masked bool
		Visits []visitRowJSON
	}
	if code := f.get(t, "/api/v1/visits?site=garden", &got); code != 200 || got.Count != 2 || !got.Masked {
		t.Fatalf("inside: %d %+v, want a and b, masked", code, got)
	}
	first, second := got.Visits[0], got.Visits[1]
	if first.EntryID != a.ID || first.StaySeconds != 3*3600 || !first.Overstay || first.Name != "张**" {
		t.Errorf("a: %+v, want 3 h inside, over its 2 h, name masked", first)
	}
	if second.EntryID != b.ID || second.StaySeconds != 3600 || second.Overstay {
		t.Errorf("b: %+v, want 1 h inside, within its limit", second)
	}
	if code := f.get(t, "/api/v1/visits?site=garden&state=closed", &got); code != 200 || got.Count != 1 ||
		got.Visits[0].EntryID != c.ID || got.Visits[0].StaySeconds != 3600 || got.Visits[0].ExitUnit != "gate-out" {
		t.Fatalf("closed: %d %+v, want c after 1 h at gate-out", code, got)
	}
	for _, bad := range []string{"/api/v1/visits", "/api/v1/visits?site=garden&state=gone", "/api/v1/visits?site=garden&unmask=1"} {
		if code := f.get(t, bad, nil); code != 400 && code != 403 {
			t.Errorf("GET %s: %d, want it refused", bad, code)
		}
	}
}

func TestTheDailyReportListsVisitorsNotClosedOutAtTheCut(t *testing.T) {
	f := newFixture(t)
	if err := f.store.PutSites(context.Background(), []store.Site{{ID: "garden", Name: "阳光花园", Facility: "community"}}); err != nil {
		t.Fatal(err)
	}
	cut := time.Date(2022, 4, 1, 0, 0, 0, 0, cst) // the fixture closes its reports at midnight
	stayed := visitor("gate-in", 1, cut.Add(-2*time.Hour), 0)
	leftAfter := visitor("gate-in", 2, cut.Add(-time.Hour), 0)
	leftBefore := visitor("gate-in", 3, cut.Add(-3*time.Hour), 0)
	exit := func(seq uint64, at time.Time, code string) wire.Entry {
		e := entry("garden", "gate-out", seq, at)
		e.Lane, e.CloseOut = wire.LaneOut, &wire.CloseOut{Code: code, MatchedBy: wire.MatchedByCode}
		return e
	}
	f.put(t, stayed, leftAfter, leftBefore, exit(1, cut.Add(-30*time.Minute), leftBefore.Visit.Code),
		exit(2, cut.Add(time.Hour), leftAfter.Visit.Code))
	var got struct {
		Sites []struct {
			Site              string
			NotClosedOut      int    `json:"not_closed_out"`
			NotClosedOutNames string `json:"not_closed_out_names"`
		}
	}
	if code := f.get(t, "/api/v1/reports/daily?date=2022-04-01", &got); code != 200 || len(got.Sites) != 1 {
		t.Fatalf("report: %d %+v", code, got)
	}
	if s := got.Sites[0]; s.NotClosedOut != 2 || s.NotClosedOutNames != stayed.Visit.Code+" 张**、"+leftAfter.Visit.Code+" 张**" {
		t.Fatalf("not closed out at the cut: %d %q, want the two inside at the cut, names masked", s.NotClosedOut, s.NotClosedOutNames)
	}
}

// TestDashboardIntegrationListsVisitorsInside: the dashboard's visitors
// section shows a site's visitor still inside with the code, the masked
// name and the overstay, and not the one an exit closed.
func TestDashboardIntegrationListsVisitorsInside(t *testing.T) {
	ctx := browser(t, 1280, 900)
	f := newAuthFixture(t)
	logIn(t, ctx, f, "monitor")
	long := visitor("gate-in", 1, now.Add(-5*time.Hour), 4*time.Hour)
	left := visitor("gate-in", 2, now.Add(-time.Hour), 0)
	out := entry("garden", "gate-out", 1, now.Add(-10*time.Minute))
	out.Lane, out.CloseOut = wire.LaneOut, &wire.CloseOut{Code: left.Visit.Code, MatchedBy: wire.MatchedByCode}
	f.put(t, long, left, out)
	do(t, ctx, "open the dashboard", chromedp.Navigate(f.srv.URL+"/"),
		chromedp.WaitVisible(chromedp.CSS("#visits tr td .pill")))
	text := value(t, ctx, "read the visitors", chromedp.Text(chromedp.CSS("#visits")))
	if !strings.Contains(text, long.Visit.Code) || !strings.Contains(text, "张**") || !strings.Contains(text, "超时") ||
		strings.Contains(text, left.Visit.Code) || strings.Contains(text, "张三丰") {
		t.Fatalf("visitors section %q, want %s masked and over its stay, not %s", text, long.Visit.Code, left.Visit.Code)
	}
}
