package console

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"
	"github.com/kakou/kakou/firmware/policy"
	"github.com/kakou/kakou/firmware/screening"
	"github.com/kakou/kakou/firmware/wire"
)

// TestConsoleIntegrationChromiumKeepsTheVisitorOnScreenWhileTheLaneScans:
// a visitor's "register" stays on the guard's screen while residents keep
// passing; the registration the guard types lands on that visitor; an
// override of an entry another guard already handled is refused with the
// Chinese message, and nothing is logged for it.
func TestConsoleIntegrationChromiumKeepsTheVisitorOnScreenWhileTheLaneScans(t *testing.T) {
	browser := chromium(t)
	c, l := newWorkingLane(t)
	listen(t, c)
	visitor, err := l.Screen(context.Background(), []byte("KAKOU1:VISIT:V-1"))
	if err != nil || visitor.Decision != wire.Register {
		t.Fatalf("visitor: %s %v", visitor.Decision, err)
	}
	ctx := browserContext(t, browser)
	text := reader(t, ctx)
	if err := chromedp.Do(ctx, chromedp.Navigate(c.URL()), guardSignsIn(), chromedp.WaitVisible(chromedp.CSS("#result.warn"))); err != nil {
		t.Fatal(err)
	}
	for i := range 6 {
		if _, err := l.Screen(context.Background(), []byte(fmt.Sprintf("KAKOU1:PASS:R-%d", i))); err != nil {
			t.Fatal(err)
		}
	}
	// The strip fills with the passes; the visitor stays on screen.
	if err := chromedp.Do(ctx, chromedp.WaitVisible(chromedp.CSS(`#strip .chip:nth-child(6)`))); err != nil {
		t.Fatal(err)
	}
	if h, age := text("#headline"), text("#age"); h != "请登记" || !strings.Contains(age, "秒前") {
		t.Fatalf("after six passes: headline %q, age %q; the registration must stay on screen", h, age)
	}
	fill := func(sel, v string) chromedp.Action[chromedp.Void] { return chromedp.SendKeys(chromedp.CSS(sel), v) }
	err = chromedp.Do(ctx,
		fill("#reg-name", "张三"), fill("#reg-phone", "13812345678"),
		chromedp.Click(chromedp.CSS("#reg-submit")),
		chromedp.WaitVisible(chromedp.CSS("#result.allow")),
	)
	if err != nil {
		t.Fatal(err)
	}
	logged, _ := l.Entries(context.Background(), 0, 20)
	reg := logged[len(logged)-1]
	if reg.Amends != visitor.ID || reg.Credential.Subject != "V-1" || reg.Visitor == nil || reg.Guard != "wang" {
		t.Fatalf("registration landed on %q (%s) by %q", reg.Amends, reg.Credential.Subject, reg.Guard)
	}

	// The guard picks a resident's pass from the strip to overrule it, but
	// a colleague on another screen handles that entry first.
	pass := logged[len(logged)-2]
	err = chromedp.Do(ctx, chromedp.Click(chromedp.CSS(fmt.Sprintf(`#strip .chip[data-entry=%q]`, pass.ID))))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := l.Amend(context.Background(), pass.ID, maskMissing("g-li")); err != nil {
		t.Fatal(err)
	}
	err = chromedp.Do(ctx,
		chromedp.SetValue(chromedp.CSS("#ov-decision"), "deny"), fill("#ov-reason", "拒绝出示"),
		chromedp.Click(chromedp.CSS("#ov-submit")),
		chromedp.WaitVisible(chromedp.CSS("#ov-error:not(:empty)")),
	)
	if err != nil {
		t.Fatal(err)
	}
	if msg := text("#ov-error"); !strings.Contains(msg, "已处理") {
		t.Fatalf("stale override: message %q, want the Chinese 'already handled'", msg)
	}
	after, _ := l.Entries(context.Background(), 0, 20)
	if len(after) != len(logged)+1 || after[len(after)-1].Override != nil {
		t.Fatalf("ledger after the refused override: %d entries (want %d), last %+v", len(after), len(logged)+1, after[len(after)-1].Override)
	}
}

func maskMissing(by string) screening.Amend { return screening.Amend{Mask: policy.MaskMissing, By: by} }
