package console

import (
	"strings"
	"sync/atomic"
	"testing"

	"github.com/chromedp/chromedp"
	"github.com/kakou/kakou/firmware/wire"
)

// serviceLane is a lane whose online health-code service can be down.
type serviceLane struct {
	lane
	down *atomic.Bool
}

func (l serviceLane) Devices() []wire.Device {
	if l.down.Load() {
		return []wire.Device{{Name: "health_service", Detail: "gd-jkm: not answering (5 failures in a row); health codes judged by the policy's offline rule"}}
	}
	return []wire.Device{{Name: "health_service", OK: true}}
}

// TestConsoleIntegrationChromiumSaysWhenTheHealthCodeServiceIsDown: while
// the unit's health-code service is unavailable (its breaker open) the
// guard sees 健康码服务不可用，按离线规则处理 above the result, in Chinese
// with the English beside it, and in English alone once switched; the
// banner goes when the service is back.
func TestConsoleIntegrationChromiumSaysWhenTheHealthCodeServiceIsDown(t *testing.T) {
	browser := chromium(t)
	_, l := newWorkingLane(t)
	down := &atomic.Bool{}
	down.Store(true)
	c := New(serviceLane{l, down}, Options{Site: "sunshine-garden", Unit: "north-gate", Lane: wire.LaneIn})
	c.SetRoster(testRoster(t, 1))
	listen(t, c)
	ctx := browserContext(t, browser)
	text := reader(t, ctx)
	if err := chromedp.Do(ctx, chromedp.Navigate(c.URL()), guardSignsIn(), chromedp.WaitVisible(chromedp.CSS("#health-down.shown"))); err != nil {
		t.Fatal(err)
	}
	if got := text("#health-down"); !strings.HasPrefix(got, "健康码服务不可用，按离线规则处理") || !strings.Contains(got, "offline rule applies") {
		t.Fatalf("banner %q, want the Chinese first and the English beside it", got)
	}
	if got := text("#health"); !strings.Contains(got, "健康码服务: 故障") {
		t.Fatalf("device chips %q, want the health-code service at fault", got)
	}
	if err := chromedp.Do(ctx, chromedp.Click(chromedp.CSS("#lang")), chromedp.WaitVisible(chromedp.CSS("#health-down.shown"))); err != nil {
		t.Fatal(err)
	}
	if got := text("#health-down"); got != "Health-code service unavailable: the offline rule applies" {
		t.Fatalf("English banner %q", got)
	}
	down.Store(false)
	if err := chromedp.Do(ctx, chromedp.WaitNotVisible(chromedp.CSS("#health-down"))); err != nil {
		t.Fatal(err)
	}
}
