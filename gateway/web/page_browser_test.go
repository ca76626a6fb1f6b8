package web

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/kakou/kakou/gateway/store"
	"github.com/kakou/kakou/internal/testenv"
)

// TestPageIntegrationChromiumManagerSignsInCorrectsAndSeesTheCount drives
// the entrance staff's page in Debian's headless chromium: it shows the
// count against the cap in Chinese; the manager signs in with the PIN,
// corrects the count to 12, and the page shows 12 / 200 and the
// correction under the manager's name; the toggle switches to English.
func TestPageIntegrationChromiumManagerSignsInCorrectsAndSeesTheCount(t *testing.T) {
	browser := testenv.Need(t, "chromium")
	ts := newAPI(t)
	opts := append(chromedp.DefaultExecAllocatorOptions[:], chromedp.ExecPath(browser), chromedp.NoSandbox,
		chromedp.DisableGPU, chromedp.Flag("disable-background-networking", true), chromedp.UserDataDir(t.TempDir()))
	alloc, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	ctx, cancelCtx := chromedp.NewContext(alloc)
	ctx, cancelTimeout := context.WithTimeout(ctx, 60*time.Second)
	t.Cleanup(func() { cancelTimeout(); cancelCtx(); cancelAlloc() })

	text := func(sel string) string {
		t.Helper()
		v, err := chromedp.Run(ctx, chromedp.Text(chromedp.CSS(sel)))
		if err != nil {
			t.Fatalf("read %s: %v", sel, err)
		}
		return v
	}
	err := chromedp.Do(ctx,
		chromedp.Navigate(ts.URL+"/"),
		chromedp.WaitVisible(chromedp.CSS("#signin")),
		chromedp.Poll[chromedp.Void](`document.getElementById("capacity").textContent === "200"`),
	)
	if err != nil {
		t.Fatal(err)
	}
	if h := text("h1"); h != "场内人数" {
		t.Fatalf("heading %q, want Chinese first", h)
	}
	err = chromedp.Do(ctx,
		chromedp.SendKeys(chromedp.CSS("#pin"), "2468"),
		chromedp.Click(chromedp.CSS(`#signin button[type="submit"]`)),
		chromedp.WaitVisible(chromedp.CSS("#correct")),
		chromedp.SendKeys(chromedp.CSS("#newcount"), "12"),
		chromedp.SendKeys(chromedp.CSS("#reason"), "开门清点"),
		chromedp.Click(chromedp.CSS(`#correct button[type="submit"]`)),
		chromedp.Poll[chromedp.Void](`document.getElementById("inside").textContent === "12"`),
		chromedp.Poll[chromedp.Void](`document.querySelector("#corrections td") !== null`),
	)
	if err != nil {
		t.Fatal(err)
	}
	if who, rows := text("#whoname"), text("#corrections"); !strings.Contains(who, "王经理") ||
		!strings.Contains(rows, "0 → 12") || !strings.Contains(rows, "王经理") || !strings.Contains(rows, "开门清点") {
		t.Fatalf("signed in as %q, corrections %q", who, rows)
	}
	if err := chromedp.Do(ctx, chromedp.Click(chromedp.CSS("#lang")),
		chromedp.Poll[chromedp.Void](`document.querySelector("h1").textContent === "People inside"`)); err != nil {
		t.Fatal(err)
	}
	var trail []store.Correction
	get(t, ts, "/api/v1/occupancy/corrections", &trail)
	if len(trail) != 1 || trail[0].ByID != "wang" || trail[0].Count != 12 {
		t.Fatalf("audit trail %+v", trail)
	}
}
