package console

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/kakou/kakou/firmware/wire"
	"github.com/kakou/kakou/internal/testenv"
)

// TestConsoleIntegrationChromiumManualEntry drives the guard's page in
// Debian's headless chromium: a scan with a broken thermometer shows
// "measure again" and the manual form; the guard types 36.6 and confirms;
// the page shows the pass, and the ledger holds the hand-entered reading.
func TestConsoleIntegrationChromiumManualEntry(t *testing.T) {
	browser := chromium(t)
	c, l := newLane(t)
	listen(t, c)
	if _, err := l.Screen(context.Background(), []byte("KAKOU1:PASS:R-0007")); err != nil {
		t.Fatal(err)
	}

	ctx := browserContext(t, browser)
	text := reader(t, ctx)
	err := chromedp.Do(ctx,
		chromedp.Navigate(c.URL()), guardSignsIn(),
		chromedp.WaitVisible(chromedp.CSS("#manual.shown")),
	)
	if err != nil {
		t.Fatal(err)
	}
	if headline, health := text("#headline"), text("#health"); headline != "请复测" ||
		!strings.Contains(health, "测温仪: 故障") || !strings.Contains(health, "离线") {
		t.Fatalf("after the faulty reading: headline %q, health %q", headline, health)
	}
	err = chromedp.Do(ctx,
		chromedp.SendKeys(chromedp.CSS("#manual-temp"), "36.6"),
		chromedp.Click(chromedp.CSS("#manual-submit")),
		chromedp.WaitNotPresent(chromedp.CSS("#manual.shown")),
	)
	if err != nil {
		t.Fatal(err)
	}
	if headline, temp := text("#headline"), text("#temp"); headline != "通过" ||
		!strings.Contains(temp, "36.6") || !strings.Contains(temp, "手工录入") {
		t.Fatalf("after manual entry: headline %q, temp %q", headline, temp)
	}
	logged, _ := l.Entries(context.Background(), 0, 10)
	if len(logged) != 2 || logged[1].Decision != wire.Allow || logged[1].Temperature.Source != wire.SourceManual {
		t.Fatalf("ledger: %+v", logged)
	}
}

// TestConsoleIntegrationChromiumRegistersAVisitorAndRecordsAnOverride: a
// visitor's unknown code asks for registration; the guard fills the form,
// the page shows the pass with phone and ID masked; then an override with
// its reason is recorded in the ledger.
func TestConsoleIntegrationChromiumRegistersAVisitorAndRecordsAnOverride(t *testing.T) {
	browser := chromium(t)
	c, l := newWorkingLane(t)
	listen(t, c)
	if e, err := l.Screen(context.Background(), []byte("https://example.com/not-a-pass")); err != nil || e.Decision != wire.Register {
		t.Fatalf("unknown code: %+v %v", e, err)
	}
	ctx := browserContext(t, browser)
	fill := func(sel, v string) chromedp.Action[chromedp.Void] { return chromedp.SendKeys(chromedp.CSS(sel), v) }
	err := chromedp.Do(ctx,
		chromedp.Navigate(c.URL()), guardSignsIn(),
		chromedp.WaitVisible(chromedp.CSS("#result.warn")),
		fill("#reg-name", "张三"), fill("#reg-phone", "13812345678"), fill("#reg-id", "110101199003071233"),
		fill("#reg-origin", "武汉"), fill("#reg-destination", "3-2-501"), fill("#reg-trip", "G1234"),
		chromedp.Click(chromedp.CSS("#reg-submit")),
		chromedp.WaitVisible(chromedp.CSS("#result.allow")),
	)
	if err != nil {
		t.Fatal(err)
	}
	visitor, err := chromedp.Run(ctx, chromedp.Text(chromedp.CSS("#visitor")))
	if err != nil || !strings.Contains(visitor, "138****5678") || !strings.Contains(visitor, "110***********1233") ||
		strings.Contains(visitor, "13812345678") {
		t.Fatalf("visitor line %q (%v): want phone and ID masked", visitor, err)
	}
	err = chromedp.Do(ctx,
		chromedp.SetValue(chromedp.CSS("#ov-decision"), "deny"),
		fill("#ov-reason", "访客拒绝出示行程"),
		chromedp.Click(chromedp.CSS("#ov-submit")),
		chromedp.WaitVisible(chromedp.CSS("#result.deny")),
	)
	if err != nil {
		t.Fatal(err)
	}
	logged, _ := l.Entries(context.Background(), 0, 10)
	if len(logged) != 3 {
		t.Fatalf("want scan, registration and override in the ledger, got %d entries", len(logged))
	}
	reg, ov := logged[1], logged[2]
	if reg.Visitor == nil || reg.Visitor.ID != "110***********1233" || reg.Visitor.Trip != "G1234" {
		t.Fatalf("registration entry: %+v", reg.Visitor)
	}
	if ov.Decision != wire.Deny || ov.Override == nil || ov.Override.By != "wang" || ov.Guard != "wang" || ov.Override.Replaces != reg.ID {
		t.Fatalf("override entry: %s %+v", ov.Decision, ov.Override)
	}
}

func browserContext(t *testing.T, browser string, extra ...chromedp.ExecAllocatorOption) context.Context {
	t.Helper()
	opts := append(append(chromedp.DefaultExecAllocatorOptions[:], extra...),
		chromedp.ExecPath(browser), chromedp.NoSandbox, chromedp.DisableGPU,
		chromedp.Flag("disable-quic", true), chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true), chromedp.Flag("disable-sync", true),
		chromedp.UserDataDir(t.TempDir()))
	alloc, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	ctx, cancelCtx := chromedp.NewContext(alloc)
	ctx, cancelTimeout := context.WithTimeout(ctx, 60*time.Second)
	t.Cleanup(func() { cancelTimeout(); cancelCtx(); cancelAlloc() })
	return ctx
}

func chromium(t *testing.T) string { return testenv.Need(t, "chromium") }

// listen starts c on an ephemeral loopback port until the test ends.
func listen(t *testing.T, c *Console) {
	t.Helper()
	if err := c.Start("127.0.0.1:0"); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Shutdown(context.Background()) })
}

// reader reads an element's text on the page in ctx, failing the test if
// it cannot.
func reader(t *testing.T, ctx context.Context) func(sel string) string {
	return func(sel string) string {
		t.Helper()
		v, err := chromedp.Run(ctx, chromedp.Text(chromedp.CSS(sel)))
		if err != nil {
			t.Fatalf("read %s: %v", sel, err)
		}
		return v
	}
}

// TestConsoleIntegrationChromiumShowsTheWaitWithTheCountThenTheAdmission:
// a full shop holds the next person; the page says "please wait" with the
// count, and switches to the pass once the gateway grants a place. A
// second person held is let go by the guard's button.
func TestConsoleIntegrationChromiumShowsTheWaitWithTheCountThenTheAdmission(t *testing.T) {
	browser := chromium(t)
	c, l := newShopLane(t, 0)
	listen(t, c)
	if _, err := l.Screen(context.Background(), []byte("KAKOU1:PASS:S-1")); err != nil {
		t.Fatal(err)
	}
	ctx := browserContext(t, browser)
	text := reader(t, ctx)
	if err := chromedp.Do(ctx, chromedp.Navigate(c.URL()), guardSignsIn(), chromedp.WaitVisible(chromedp.CSS("#leave.shown"))); err != nil {
		t.Fatal(err)
	}
	if headline, count := text("#headline"), text("#count"); headline != "请等候" ||
		!strings.Contains(count, "场内 200/200") || !strings.Contains(count, "全场等候 3") {
		t.Fatalf("held: headline %q, count %q", headline, count)
	}
	shopFlow(t, l, 2, 1)
	if err := chromedp.Do(ctx, chromedp.WaitVisible(chromedp.CSS("#result.allow"))); err != nil {
		t.Fatal(err)
	}
	if reasons := text("#reasons"); !strings.Contains(reasons, "等候后放行") {
		t.Fatalf("admitted: reasons %q", reasons)
	}
	if _, err := l.Screen(context.Background(), []byte("KAKOU1:PASS:S-2")); err != nil {
		t.Fatal(err)
	}
	err := chromedp.Do(ctx,
		chromedp.WaitVisible(chromedp.CSS("#leave.shown")),
		chromedp.Click(chromedp.CSS("#leave")),
		chromedp.WaitNotPresent(chromedp.CSS("#leave.shown")),
	)
	if err != nil {
		t.Fatal(err)
	}
	if headline := text("#headline"); headline != "请扫码" || l.Held() != nil {
		t.Fatalf("after the guard ended the wait: headline %q, held %v", headline, l.Held())
	}
}

// TestConsoleIntegrationChromiumShowsEachFieldsProblemNextToItInTheConsolesLanguage:
// a 5-digit phone is refused with the Chinese message right after the
// phone field, in English once the guard switches language; a visitor
// without ID is then registered with a phone and the reason 急诊.
func TestConsoleIntegrationChromiumShowsEachFieldsProblemNextToItInTheConsolesLanguage(t *testing.T) {
	browser := chromium(t)
	c, l := newWorkingLane(t)
	listen(t, c)
	if _, err := l.Screen(context.Background(), []byte("https://example.com/not-a-pass")); err != nil {
		t.Fatal(err)
	}
	ctx := browserContext(t, browser)
	fill := func(sel, v string) chromedp.Action[chromedp.Void] { return chromedp.SendKeys(chromedp.CSS(sel), v) }
	// The message is the phone input's next sibling: next to its field.
	const phoneMsg = "#reg-phone + .field-msg"
	err := chromedp.Do(ctx,
		chromedp.Navigate(c.URL()), guardSignsIn(),
		chromedp.WaitVisible(chromedp.CSS("#result.warn")),
		fill("#reg-name", "张三"), fill("#reg-phone", "12345"),
		chromedp.Click(chromedp.CSS("#reg-submit")),
		chromedp.WaitVisible(chromedp.CSS(phoneMsg)),
	)
	if err != nil {
		t.Fatal(err)
	}
	text := reader(t, ctx)
	if msg := text(phoneMsg); !strings.Contains(msg, "大陆手机号为 11 位") {
		t.Fatalf("next to the phone: %q, want the Chinese message", msg)
	}
	if err := chromedp.Do(ctx, chromedp.Click(chromedp.CSS("#lang")), chromedp.Poll[chromedp.Void](
		`document.querySelector("#reg-phone + .field-msg").textContent.includes("11 digits")`,
		chromedp.WithPollingTimeout(10*time.Second))); err != nil {
		t.Fatalf("after switching to English: %q (%v)", text(phoneMsg), err)
	}
	err = chromedp.Do(ctx,
		chromedp.Click(chromedp.CSS("#lang")),
		chromedp.Evaluate[chromedp.Void](`document.querySelector("#reg-phone").value = ""`),
		fill("#reg-phone", "138 1234 5678"),
		chromedp.SetValue(chromedp.CSS("#reg-id-kind"), "none"),
		chromedp.Evaluate[chromedp.Void](`document.querySelector("#reg-id-kind").dispatchEvent(new Event("change"))`),
		chromedp.WaitVisible(chromedp.CSS("#reg-no-id-reason")),
		fill("#reg-no-id-reason", "急诊"),
		chromedp.Click(chromedp.CSS("#reg-submit")),
		chromedp.WaitVisible(chromedp.CSS("#result.allow")),
	)
	if err != nil {
		t.Fatal(err)
	}
	if msg := text("#reg-phone + .field-msg"); msg != "" {
		t.Errorf("after the registration the phone still says %q", msg)
	}
	logged, _ := l.Entries(context.Background(), 0, 10)
	if v := logged[len(logged)-1].Visitor; v == nil || v.IDKind != wire.IDNone || v.NoIDReason != "急诊" || v.Phone != "138****5678" {
		t.Fatalf("registration entry: %+v", v)
	}
}
