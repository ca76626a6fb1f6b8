package console

import (
	"context"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"
	"github.com/kakou/kakou/firmware/wire"
)

// TestConsoleIntegrationChromiumClosesTheVisitAtTheExitLane: two lanes of
// one site, each its own pipeline, ledger and console. At the entrance the
// guard registers a visitor; the page shows the visit's code and QR. The
// exit console shows the close-out panel, not the visitor form; the guard
// there types the code read off the entrance's page, confirms (the exit
// cannot see the entrance's ledger) and the exit's entry closes the visit
// by that code, for the centre to match (e2e holds the centre to it).
func TestConsoleIntegrationChromiumClosesTheVisitAtTheExitLane(t *testing.T) {
	browser := chromium(t)
	in := newVisitLane(t, "north-gate", wire.LaneIn, 3)
	out := newVisitLane(t, "north-exit", wire.LaneOut, 5)
	listen(t, in.c)
	listen(t, out.c)
	if _, err := in.l.Screen(context.Background(), []byte("https://example.com/not-a-pass")); err != nil {
		t.Fatal(err)
	}
	ctx := browserContext(t, browser)
	text := reader(t, ctx)
	fill := func(sel, v string) chromedp.Action[chromedp.Void] { return chromedp.SendKeys(chromedp.CSS(sel), v) }
	err := chromedp.Do(ctx,
		chromedp.Navigate(in.c.URL()), guardSignsIn(),
		chromedp.WaitVisible(chromedp.CSS("#result.warn")),
		fill("#reg-name", "张三"), fill("#reg-phone", "13812345678"), fill("#reg-destination", "3-2-501"),
		chromedp.Click(chromedp.CSS("#reg-submit")),
		chromedp.WaitVisible(chromedp.CSS("#visit-panel")),
		chromedp.WaitVisible(chromedp.CSS("#visit-qr")),
	)
	if err != nil {
		t.Fatal(err)
	}
	code := strings.TrimSpace(text("#visit-code"))
	inside, _ := in.book.Inside(context.Background())
	if len(inside) != 1 || inside[0].Visit.Code != code {
		t.Fatalf("the page shows code %q; the entrance's open visits are %+v", code, inside)
	}
	if who := text("#visit-who"); !strings.Contains(who, "138****5678") || strings.Contains(who, "13812345678") {
		t.Fatalf("visit panel names %q, want the phone masked", who)
	}

	err = chromedp.Do(ctx,
		chromedp.Navigate(out.c.URL()), guardSignsIn(),
		chromedp.WaitVisible(chromedp.CSS("#exit-panel")),
		chromedp.WaitNotVisible(chromedp.CSS("#register")),
	)
	if err != nil {
		t.Fatal(err)
	}
	err = chromedp.Do(ctx,
		fill("#exit-input", code),
		chromedp.Click(chromedp.CSS("#exit-submit")),
		chromedp.WaitVisible(chromedp.CSS("#exit-confirm")),
		chromedp.Click(chromedp.CSS("#exit-confirm")),
		chromedp.WaitVisible(chromedp.CSS("#exit-result.closed")),
	)
	if err != nil {
		t.Fatal(err)
	}
	if got := text("#exit-result"); !strings.Contains(got, code) || !strings.Contains(got, "中心") {
		t.Fatalf("exit result %q, want the code recorded for the centre", got)
	}
	logged, _ := out.l.Entries(context.Background(), 0, 10)
	last := logged[len(logged)-1]
	if c := last.CloseOut; last.Lane != wire.LaneOut || c == nil || c.Code != code || c.MatchedBy != wire.MatchedByCode {
		t.Fatalf("exit ledger's last entry %+v closes %+v, want code %s", last, last.CloseOut, code)
	}
}
