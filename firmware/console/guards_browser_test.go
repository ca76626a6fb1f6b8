package console

import (
	"context"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"
	"github.com/kakou/kakou/firmware/wire"
)

// guardSignsIn is 王师傅 signing in on the page: chosen from the list,
// the PIN typed on the pad, then the sign-out button shows.
func guardSignsIn() chromedp.Action[chromedp.Void] {
	steps := []chromedp.Action[chromedp.Void]{
		chromedp.WaitVisible(chromedp.CSS("#sign-in.shown")),
		chromedp.WaitReady(chromedp.CSS(`#si-guard option[value="wang"]`)),
		chromedp.SetValue(chromedp.CSS("#si-guard"), "wang"),
	}
	for _, d := range "2468" {
		steps = append(steps, chromedp.Click(chromedp.CSS(`.pad [data-digit="`+string(d)+`"]`)))
	}
	steps = append(steps, chromedp.Click(chromedp.CSS("#si-submit")),
		chromedp.WaitVisible(chromedp.CSS("#sign-out.shown")))
	return func(ctx context.Context, tg *chromedp.Target) (chromedp.Void, error) {
		for _, s := range steps {
			if _, err := s(ctx, tg); err != nil {
				return chromedp.Void{}, err
			}
		}
		return chromedp.Void{}, nil
	}
}

// TestConsoleIntegrationChromiumSignsInOverHTTPSAndActs: the production
// set-up, the console over TLS. The page says 无人值守 until the guard
// signs in on the pad; then the header names them, a manual temperature
// posted from the https page is accepted (its Origin is https://) and
// the entry is in the ledger; after sign-out the banner is back.
func TestConsoleIntegrationChromiumSignsInOverHTTPSAndActs(t *testing.T) {
	browser := chromium(t)
	_, certFile, keyFile := testCert(t)
	c, l := newLane(t)
	if err := c.StartTLS("127.0.0.1:0", certFile, keyFile); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Shutdown(context.Background()) })
	if _, err := l.Screen(context.Background(), []byte("KAKOU1:PASS:R-0007")); err != nil {
		t.Fatal(err)
	}
	ctx := browserContext(t, browser, chromedp.Flag("ignore-certificate-errors", true))
	text := reader(t, ctx)
	if err := chromedp.Do(ctx, chromedp.Navigate(c.URL()), chromedp.WaitVisible(chromedp.CSS("#unattended.shown"))); err != nil {
		t.Fatal(err)
	}
	if banner := text("#unattended"); banner != "无人值守" {
		t.Fatalf("banner %q before sign-in", banner)
	}
	err := chromedp.Do(ctx, guardSignsIn(),
		chromedp.WaitNotPresent(chromedp.CSS("#unattended.shown")),
		chromedp.WaitVisible(chromedp.CSS("#manual.shown")),
		chromedp.SendKeys(chromedp.CSS("#manual-temp"), "36.6"),
		chromedp.Click(chromedp.CSS("#manual-submit")),
		chromedp.WaitNotPresent(chromedp.CSS("#manual.shown")),
	)
	if err != nil {
		t.Fatal(err)
	}
	if name, errText := text("#guard-name"), text("#manual-error"); name != "王师傅" || errText != "" {
		t.Fatalf("signed in: header %q, manual entry error %q", name, errText)
	}
	logged, _ := l.Entries(context.Background(), 0, 10)
	if len(logged) != 2 || logged[1].Temperature == nil || logged[1].Temperature.Source != wire.SourceManual {
		t.Fatalf("ledger after the https page's manual entry: %+v", logged)
	}
	if c.OnDuty() != "wang" {
		t.Fatalf("OnDuty = %q, want wang", c.OnDuty())
	}
	err = chromedp.Do(ctx, chromedp.Click(chromedp.CSS("#sign-out")), chromedp.WaitVisible(chromedp.CSS("#unattended.shown")),
		chromedp.WaitVisible(chromedp.CSS("#sign-in.shown")))
	if err != nil {
		t.Fatal(err)
	}
	if c.OnDuty() != "" || strings.TrimSpace(text("#guard-name")) != "" {
		t.Fatalf("after sign-out: OnDuty %q, header %q", c.OnDuty(), text("#guard-name"))
	}
}
