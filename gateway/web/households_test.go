package web

import (
	"context"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/kakou/kakou/gateway/lan"
	"github.com/kakou/kakou/gateway/store"
	"github.com/kakou/kakou/internal/testenv"
)

// newHouseholdAPI is newAPI with the household desk.
func newHouseholdAPI(t *testing.T) *httptest.Server {
	st, err := store.Open(filepath.Join(t.TempDir(), "gateway.db"))
	if err != nil {
		t.Fatal(err)
	}
	srv, err := lan.New(lan.Options{Site: "sunshine-garden", Gateway: "gw", Listen: "127.0.0.1:0", Store: st})
	if err != nil {
		t.Fatal(err)
	}
	if err := srv.Start(); err != nil {
		t.Fatal(err)
	}
	ts := httptest.NewServer(Handler(Options{Site: srv, Managers: managers(t), Households: srv}))
	t.Cleanup(func() { ts.Close(); srv.Close(); st.Close() })
	return ts
}

func TestHouseholdChangeNeedsASignedInManagerAndAReason(t *testing.T) {
	ts := newHouseholdAPI(t)
	c := newClient(t, ts)
	if code, _ := c.post("/api/v1/households/B3-1201/change", `{"action":"adjust","delta":1,"reason":"就医"}`, ts.URL); code != http.StatusUnauthorized {
		t.Fatalf("signed out: %d", code)
	}
	c.signIn()
	for _, bad := range []string{
		`{"action":"adjust","delta":1}`,
		`{"action":"adjust","delta":1,"reason":"x","by":"boss"}`,
		`{"action":"refund","reason":"x"}`,
		`{"action":"adjust","delta":100000,"reason":"x"}`,
	} {
		if code, out := c.post("/api/v1/households/B3-1201/change", bad, ts.URL); code != http.StatusBadRequest {
			t.Errorf("%s: %d %v", bad, code, out)
		}
	}
	if code, _ := c.post("/api/v1/households/B3%2F1201/change", `{"action":"reset","reason":"x"}`, ts.URL); code != http.StatusBadRequest {
		t.Errorf("a household id with a slash: %d", code)
	}
	code, out := c.post("/api/v1/households/B3-1201/change", `{"action":"adjust","delta":1,"reason":"就医外出"}`, ts.URL)
	if code != http.StatusOK || out["entry"] == "" {
		t.Fatalf("grant: %d %v", code, out)
	}
	var h lan.HouseholdUse
	if get(t, ts, "/api/v1/households/B3-1201", &h); h.Household != "B3-1201" {
		t.Fatalf("household %+v", h)
	}
}

// TestPageIntegrationChromiumManagerGrantsAHouseholdAnExtraUse: on the
// entrance staff's page, the signed-in manager looks up a household and
// grants it one more use with a reason; the page shows the count after.
func TestPageIntegrationChromiumManagerGrantsAHouseholdAnExtraUse(t *testing.T) {
	browser := testenv.Need(t, "chromium")
	ts := newHouseholdAPI(t)
	opts := append(chromedp.DefaultExecAllocatorOptions[:], chromedp.ExecPath(browser), chromedp.NoSandbox,
		chromedp.DisableGPU, chromedp.Flag("disable-background-networking", true), chromedp.UserDataDir(t.TempDir()))
	alloc, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	ctx, cancelCtx := chromedp.NewContext(alloc)
	ctx, cancelTimeout := context.WithTimeout(ctx, 60*time.Second)
	t.Cleanup(func() { cancelTimeout(); cancelCtx(); cancelAlloc() })
	err := chromedp.Do(ctx,
		chromedp.Navigate(ts.URL+"/"),
		chromedp.WaitVisible(chromedp.CSS("#signin")),
		chromedp.SendKeys(chromedp.CSS("#pin"), "2468"),
		chromedp.Click(chromedp.CSS(`#signin button[type="submit"]`)),
		chromedp.WaitVisible(chromedp.CSS("#hh-change")),
		chromedp.SendKeys(chromedp.CSS("#hh-id"), "B3-1201"),
		chromedp.SendKeys(chromedp.CSS("#hh-reason"), "就医外出"),
		chromedp.Click(chromedp.CSS("#hh-grant")),
		chromedp.Poll[chromedp.Void](`document.getElementById("hh-status").textContent.includes("B3-1201")`),
	)
	if err != nil {
		t.Fatal(err)
	}
	v, err := chromedp.Run(ctx, chromedp.Text(chromedp.CSS("#hh-status")))
	if err != nil || !strings.Contains(v, "户 B3-1201") {
		t.Fatalf("status %q (%v)", v, err)
	}
}
