package console

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/kakou/kakou/drivers/sim"
	"github.com/kakou/kakou/firmware/credential"
	"github.com/kakou/kakou/firmware/ledger"
	"github.com/kakou/kakou/firmware/policy"
	"github.com/kakou/kakou/firmware/screening"
	"github.com/kakou/kakou/firmware/wire"
)

// householdPass presents every code as a verified resident pass of one
// household.
type householdPass struct{}

func (householdPass) Check(_ context.Context, code []byte) credential.Presented {
	return credential.Presented{Wire: wire.Credential{Kind: wire.CredentialResidentPass, Result: "valid", Subject: string(code)},
		Status: credential.StatusValid, Role: credential.RoleResident, Household: "B3-1201"}
}

// newHouseholdExit is a closed community's exit lane, one household pass
// a period of 2 days, with the duty log's records (for the adjustment).
func newHouseholdExit(t *testing.T) (*Console, logbook) {
	t.Helper()
	pol, err := policy.Load(filepath.Join("..", "..", "configs", "policies", "community-closed.toml"))
	if err != nil {
		t.Fatal(err)
	}
	led, err := ledger.Open(filepath.Join(t.TempDir(), "ledger.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { led.Close() })
	n := 0
	p, err := screening.New(workingThermometer{}, sim.Must(nil), led, screening.Options{
		Site: "sunshine-garden", Unit: "north-gate", Lane: wire.LaneOut, Policy: func() policy.Policy { return pol },
		Credentials: householdPass{}, Households: led,
		Now:   func() (time.Time, bool) { return time.Now(), true },
		NewID: func() string { n++; return fmt.Sprintf("id-%d", n) },
	})
	if err != nil {
		t.Fatal(err)
	}
	lb := logbook{lane{p, led}}
	c := New(lb, Options{Site: "sunshine-garden", Unit: "north-gate", Lane: wire.LaneOut, Logbook: lb})
	c.SetRoster(testRoster(t, 1))
	return c, lb
}

// TestConsoleIntegrationChromiumShowsAHouseholdsUsesLeftAndWhenItMayGoNext:
// the household's one use of the period shows 0 of 1 left and the next
// time; the second member is refused with it; the guard grants one more
// use with a reason, and the next member goes out.
func TestConsoleIntegrationChromiumShowsAHouseholdsUsesLeftAndWhenItMayGoNext(t *testing.T) {
	browser := chromium(t)
	c, lb := newHouseholdExit(t)
	listen(t, c)
	ctx := browserContext(t, browser)
	text := reader(t, ctx)
	if _, err := lb.Screen(context.Background(), []byte("P-1")); err != nil {
		t.Fatal(err)
	}
	if err := chromedp.Do(ctx, chromedp.Navigate(c.URL()), guardSignsIn(),
		chromedp.WaitVisible(chromedp.CSS(`#household[data-remaining="0"]`))); err != nil {
		t.Fatal(err)
	}
	if h := text("#household"); !strings.Contains(h, "一户一卡 B3-1201：本期剩余 0/1 次（本次已计）") || !strings.Contains(h, "下次可于") {
		t.Fatalf("after the use: %q", h)
	}
	if _, err := lb.Screen(context.Background(), []byte("P-2")); err != nil {
		t.Fatal(err)
	}
	if err := chromedp.Do(ctx, chromedp.WaitVisible(chromedp.CSS("#result.deny"))); err != nil {
		t.Fatal(err)
	}
	if h, r := text("#household"), text("#reasons"); strings.Contains(h, "本次已计") || !strings.Contains(r, "本户通行次数已用完，下次可于") {
		t.Fatalf("refused: household %q, reasons %q", h, r)
	}
	err := chromedp.Do(ctx,
		chromedp.SendKeys(chromedp.CSS("#hh-reason"), "就医外出，物业核准"),
		chromedp.Click(chromedp.CSS("#hh-grant")),
		chromedp.Poll[chromedp.Void](`document.querySelector("#hh-error").textContent === "已记录"`),
	)
	if err != nil {
		t.Fatal(err)
	}
	e, err := lb.Screen(context.Background(), []byte("P-2"))
	if err != nil || e.Decision != wire.Allow {
		t.Fatalf("after the grant: %s %v", e.Decision, err)
	}
	es, _ := lb.Entries(context.Background(), 0, 20)
	var rec *wire.Entry
	for i := range es {
		if es[i].Record != nil && es[i].Record.Kind == wire.RecordHousehold {
			rec = &es[i]
		}
	}
	if rec == nil || rec.Guard != "wang" || rec.Record.Household.Delta != 1 || rec.Record.Household.Household != "B3-1201" {
		t.Fatalf("the grant's record: %+v", rec)
	}
}

func TestHouseholdChangeAtTheConsoleNeedsAGuardAndAReason(t *testing.T) {
	c, _ := newHouseholdExit(t)
	for _, body := range []string{
		`{"household":"B3-1201","action":"adjust","delta":1}`,
		`{"household":"B3/1201","action":"reset","reason":"误刷"}`,
		`{"household":"B3-1201","action":"adjust","delta":1000,"reason":"误刷"}`,
		`{"household":"B3-1201","action":"refund","reason":"误刷"}`,
	} {
		r := newPost("/api/household", body)
		asGuard(t, c, r)
		w := serve(c, r)
		if w.Code != 400 {
			t.Errorf("%s: %d %s", body, w.Code, w.Body)
		}
	}
	if w := serve(c, newPost("/api/household", `{"household":"B3-1201","action":"reset","reason":"误刷"}`)); w.Code < 400 {
		t.Errorf("without a guard signed in: %d", w.Code)
	}
}

func newPost(path, body string) *http.Request {
	return httptest.NewRequest("POST", "http://unit.local"+path, strings.NewReader(body))
}
