package console

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"time"

	"net/http/httptest"

	"github.com/chromedp/chromedp"
	"github.com/kakou/kakou/firmware/credential"
	"github.com/kakou/kakou/firmware/wire"
)

// returneeLane is a console with the fleet's keys over the default policy
// (community-normal), which holds a returnee for sampling on arrival.
func returneeLane(t *testing.T) privateLane {
	t.Helper()
	priv, err := credential.NewPrivacy(tracingKey, sealKey)
	if err != nil {
		t.Fatal(err)
	}
	pl := newPrivateLane(t, priv, false)
	pl.c.SetRoster(testRoster(t, 1))
	return pl
}

func returneeForm(entry, arrived string) string {
	return fmt.Sprintf(`{"entry": %q, "name": "张三丰", "phone": %q, "origin": "湖北省武汉市", "destination": "3栋2单元501",
		"transport": "火车", "trip": "G1234", "returnee": true, "arrived": %q}`, entry, visitorPhone, arrived)
}

func TestAReturneeRegisteredAtTheGateIsHeldAndListed(t *testing.T) {
	pl := returneeLane(t)
	first, _ := pl.l.Screen(context.Background(), nil)
	arrived := time.Now().Add(-2 * time.Hour).Format("2006-01-02T15:04")
	w := postTo(t, pl.c, "/api/register", returneeForm(first.ID, arrived))
	if w.Code != 200 {
		t.Fatalf("register: %d %s", w.Code, w.Body)
	}
	logged, _ := pl.l.Entries(context.Background(), 0, 10)
	e := logged[len(logged)-1]
	r := e.Returnee
	if e.Decision != wire.Hold || r == nil || r.Origin != "湖北省武汉市" || r.Household != "3栋2单元501" || r.Travel != "火车 G1234" ||
		r.Arrived.Format("2006-01-02T15:04") != arrived {
		t.Fatalf("entry %s returnee %+v", e.Decision, r)
	}
	if e.Visitor.Phone != wire.MaskPhone(visitorPhone) || e.Visitor.PhoneHash == "" {
		t.Fatalf("returnee's phone kept as %q hash %q: as a visitor's, masked and hashed", e.Visitor.Phone, e.Visitor.PhoneHash)
	}
	rec := getFrom(t, pl.c, "/api/holds")
	if strings.Contains(rec, visitorPhone) || strings.Contains(rec, "张三丰") {
		t.Fatalf("holds panel shows a whole number or name: %s", rec)
	}
	var body struct {
		Pending int
		Holds   []holdJSON
	}
	json.Unmarshal([]byte(rec), &body)
	if body.Pending != 1 || body.Holds[0].Entry != e.ID || body.Holds[0].Name != "张**" || body.Holds[0].Origin != "湖北省武汉市" {
		t.Fatalf("holds %s", rec)
	}
}

func TestAReturneeFormWithoutOriginOrArrivalIsRefusedFieldByField(t *testing.T) {
	pl := returneeLane(t)
	for _, c := range []struct{ body, field string }{
		{`"origin": "", "returnee": true, "arrived": "` + time.Now().Format("2006-01-02T15:04") + `"`, "origin"},
		{`"origin": "武汉", "returnee": true, "arrived": ""`, "arrived"},
		{`"origin": "武汉", "returnee": true, "arrived": "昨天"`, "arrived"},
		{`"origin": "武汉", "returnee": true, "arrived": "9999-12-31T23:59"`, "arrived"},
		{`"origin": "武汉", "returnee": true, "arrived": "` + time.Now().AddDate(0, -2, 0).Format("2006-01-02T15:04") + `"`, "arrived"},
	} {
		first, _ := pl.l.Screen(context.Background(), nil)
		w := postTo(t, pl.c, "/api/register", fmt.Sprintf(`{"entry": %q, "name": "张三", "phone": %q, %s}`, first.ID, visitorPhone, c.body))
		if w.Code != 400 || !strings.Contains(w.Body.String(), `"`+c.field+`"`) {
			t.Errorf("%s: %d %s, want 400 naming %s", c.body, w.Code, w.Body, c.field)
		}
	}
}

func getFrom(t *testing.T, c *Console, path string) string {
	t.Helper()
	w := httptest.NewRecorder()
	c.Handler().ServeHTTP(w, httptest.NewRequest("GET", path, nil))
	if w.Code != 200 {
		t.Fatalf("GET %s: %d %s", path, w.Code, w.Body)
	}
	return w.Body.String()
}

// TestConsoleIntegrationChromiumRegistersAReturneeAndShowsTheHoldUntilReleased:
// the guard ticks 返回人员 on the visitor form, which then asks for the
// arrival time; the entry holds the returnee, the page says 请前往采样点 and
// lists them as waiting in the holds panel; a negative result from the
// centre releases them and the panel says so.
func TestConsoleIntegrationChromiumRegistersAReturneeAndShowsTheHoldUntilReleased(t *testing.T) {
	browser := chromium(t)
	pl := returneeLane(t)
	listen(t, pl.c)
	if _, err := pl.l.Screen(context.Background(), nil); err != nil {
		t.Fatal(err)
	}
	ctx := browserContext(t, browser)
	text := reader(t, ctx)
	fill := func(sel, v string) chromedp.Action[chromedp.Void] { return chromedp.SendKeys(chromedp.CSS(sel), v) }
	arrived := time.Now().Add(-time.Hour).Format("2006-01-02T15:04")
	err := chromedp.Do(ctx,
		chromedp.Navigate(pl.c.URL()), guardSignsIn(),
		chromedp.WaitVisible(chromedp.CSS("#result.warn")),
		chromedp.WaitNotVisible(chromedp.CSS("#reg-arrived-row")),
		fill("#reg-name", "张三丰"), fill("#reg-phone", visitorPhone), fill("#reg-origin", "湖北省武汉市"),
		fill("#reg-destination", "3栋501"),
		chromedp.Click(chromedp.CSS("#reg-returnee")),
		chromedp.WaitVisible(chromedp.CSS("#reg-arrived-row")),
		chromedp.SetValue(chromedp.CSS("#reg-arrived"), arrived),
		chromedp.Click(chromedp.CSS("#reg-submit")),
	)
	if err != nil {
		t.Fatal(err)
	}
	wctx, cancel := context.WithTimeout(ctx, 20*time.Second)
	defer cancel()
	if err := chromedp.Do(wctx, chromedp.WaitVisible(chromedp.CSS("#holds-list li.pending"))); err != nil {
		t.Fatalf("no pending hold on the page (%v); the form says %q", err, text("#reg-error"))
	}
	if h := text("#headline"); h != "请前往采样点" {
		t.Errorf("headline %q, want 请前往采样点", h)
	}
	if got := text("#holds-list li.pending"); !strings.Contains(got, "张**") || !strings.Contains(got, "待结果") ||
		!strings.Contains(got, "湖北省武汉市") || strings.Contains(got, visitorPhone) {
		t.Fatalf("holds panel %q", got)
	}
	released, err := pl.l.ApplyResults(context.Background(), []wire.TestResult{{ID: "r1",
		PhoneHash: wire.PersonHash(tracingKey, "phone", visitorPhone), Result: wire.ResultNegative, SampledAt: time.Now().UTC()}})
	if err != nil || len(released) != 1 {
		t.Fatalf("result released %d (%v)", len(released), err)
	}
	if err := chromedp.Do(ctx, chromedp.WaitVisible(chromedp.CSS("#holds-list li.released"))); err != nil {
		t.Fatal(err)
	}
	if got := text("#holds-title"); !strings.Contains(got, "0") {
		t.Errorf("holds title %q after the release, want 0 pending", got)
	}
}
