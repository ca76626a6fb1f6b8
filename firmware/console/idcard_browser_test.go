package console

import (
	"context"
	"encoding/json"
	"fmt"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/kakou/kakou/drivers/idcard"
	"github.com/kakou/kakou/drivers/sim"
	"github.com/kakou/kakou/firmware/credential"
	"github.com/kakou/kakou/firmware/ledger"
	"github.com/kakou/kakou/firmware/policy"
	"github.com/kakou/kakou/firmware/screening"
	"github.com/kakou/kakou/firmware/wire"
)

// The GB 11643 standard's example number, and another valid one.
const (
	cardNo    = "11010519491231002X"
	expiredNo = "440106197001010030"
)

var cardTracingKey = []byte("0123456789abcdef0123456789abcdef")

func placedCard(number, until string) idcard.Card {
	return idcard.Card{Name: "王小明", Sex: "男", Ethnicity: "汉", Birth: "19491231",
		Address: "北京市东城区景山前街4号", Number: number, ValidFrom: "20160101", ValidUntil: until}
}

// newCardLane is a community entrance with the ID card rule on, the
// fleet's tracing key at the verifier and the console, and no health
// service to ask by ID number: a card holder registers.
func newCardLane(t *testing.T) (*Console, lane, *credential.Privacy) {
	t.Helper()
	priv, err := credential.NewPrivacy(cardTracingKey, nil)
	if err != nil {
		t.Fatal(err)
	}
	pol := policy.Default()
	pol.Checks.IDCard = policy.IDCardCheck{Mode: policy.Hard, WithoutHealth: wire.Register, OnExpired: wire.Register}
	led, err := ledger.Open(filepath.Join(t.TempDir(), "ledger.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { led.Close() })
	n := 0
	p, err := screening.New(workingThermometer{}, sim.Must(nil), led, screening.Options{
		Site: "sunshine-garden", Unit: "north-gate", Lane: wire.LaneIn, Policy: func() policy.Policy { return pol },
		Credentials: &credential.Verifier{Hashes: priv},
		Now:         func() (time.Time, bool) { return time.Now(), true },
		NewID:       func() string { n++; return fmt.Sprintf("id-%d", n) },
	})
	if err != nil {
		t.Fatal(err)
	}
	l := lane{p, led}
	c := New(l, Options{Site: "sunshine-garden", Unit: "north-gate", Lane: wire.LaneIn, Privacy: priv})
	c.SetRoster(testRoster(t, 1))
	return c, l, priv
}

func idHash(t *testing.T, priv *credential.Privacy, number string) string {
	t.Helper()
	v, err := priv.Minimise(wire.Visitor{}, "", number, false)
	if err != nil || v.IDHash == "" {
		t.Fatal(err)
	}
	return v.IDHash
}

// TestConsoleIntegrationChromiumFillsTheFormFromAnIDCardMasked: a card
// read fills the form with the masked name and number and shows it valid;
// the page never holds the full number; the guard adds the destination
// and registers, and the visitor is registered under the hash of the full
// number the unit kept. An expired card is flagged 已过期 in red.
func TestConsoleIntegrationChromiumFillsTheFormFromAnIDCardMasked(t *testing.T) {
	browser := chromium(t)
	c, l, priv := newCardLane(t)
	listen(t, c)
	ctx := browserContext(t, browser)
	text := reader(t, ctx)
	if _, err := l.ScreenCard(context.Background(), placedCard(cardNo, "20360101")); err != nil {
		t.Fatal(err)
	}
	if err := chromedp.Do(ctx, chromedp.Navigate(c.URL()), guardSignsIn(),
		chromedp.WaitVisible(chromedp.CSS("#card-info")),
		chromedp.Poll[chromedp.Void](`document.querySelector("#reg-id").value !== ""`)); err != nil {
		t.Fatal(err)
	}
	value := func(a chromedp.Action[string]) string {
		t.Helper()
		v, err := chromedp.Run(ctx, a)
		if err != nil {
			t.Fatal(err)
		}
		return v
	}
	name, id := value(chromedp.Value(chromedp.CSS("#reg-name"))), value(chromedp.Value(chromedp.CSS("#reg-id")))
	html := value(chromedp.OuterHTML(chromedp.CSS("html")))
	info := text("#card-info")
	if name != "王**" || id != "110***********002X" || !strings.Contains(info, "有效") || strings.Contains(info, "已过期") ||
		!strings.Contains(info, "北京市东城区******") {
		t.Fatalf("form name %q id %q, card %q", name, id, info)
	}
	for _, secret := range []string{cardNo, "王小明", "景山前街"} {
		if strings.Contains(html, secret) {
			t.Fatalf("%q on the page", secret)
		}
	}
	err := chromedp.Do(ctx,
		chromedp.SendKeys(chromedp.CSS("#reg-destination"), "3-2-501"),
		chromedp.SendKeys(chromedp.CSS("#reg-reason"), "探亲"),
		chromedp.Click(chromedp.CSS("#reg-submit")),
		chromedp.WaitVisible(chromedp.CSS("#result.allow")))
	if err != nil {
		t.Fatalf("%v (error shown: %q)", err, text("#reg-error"))
	}
	es, _ := l.Entries(context.Background(), 0, 10)
	last := es[len(es)-1]
	if last.Decision != wire.Allow || last.Visitor == nil || last.Visitor.IDHash != idHash(t, priv, cardNo) ||
		last.Visitor.ID != "110***********002X" || last.Visitor.Name != "王**" || last.Credential.Kind != wire.CredentialIDCard {
		t.Fatalf("registered %+v visitor %+v", last, last.Visitor)
	}
	stored, _ := json.Marshal(es)
	if strings.Contains(string(stored), cardNo) {
		t.Fatal("the full number is in the ledger")
	}

	if _, err := l.ScreenCard(context.Background(), placedCard(expiredNo, "20200101")); err != nil {
		t.Fatal(err)
	}
	if err := chromedp.Do(ctx, chromedp.WaitVisible(chromedp.CSS("#card-status.expired"))); err != nil {
		t.Fatal(err)
	}
	colour := value(chromedp.Evaluate[string](`getComputedStyle(document.querySelector("#card-status")).color`))
	if s := text("#card-status"); s != "已过期" || colour != "rgb(179, 38, 30)" {
		t.Fatalf("expired card shown %q in %s", s, colour)
	}
}

func TestRegistrationFromACardUsesTheHeldNumberAndRefusesOnceItIsDropped(t *testing.T) {
	c, l, priv := newCardLane(t)
	e, err := l.ScreenCard(context.Background(), placedCard(cardNo, "长期"))
	if err != nil {
		t.Fatal(err)
	}
	body := `{"entry":%q,"name":"王**","id_kind":"resident","id":"110***********002X","destination":"3-2-501"}`
	r := newPost("/api/register", fmt.Sprintf(body, e.ID))
	asGuard(t, c, r)
	w := serve(c, r)
	if w.Code != 200 {
		t.Fatalf("%d %s", w.Code, w.Body)
	}
	var reg wire.Entry
	json.Unmarshal(w.Body.Bytes(), &reg)
	if reg.Visitor == nil || reg.Visitor.IDHash != idHash(t, priv, cardNo) {
		t.Fatalf("registered %s", w.Body)
	}
	// Registered: the number is dropped. A second form with the masked
	// number (a stale page) is refused with what to do.
	r = newPost("/api/register", fmt.Sprintf(body, reg.ID))
	asGuard(t, c, r)
	if w := serve(c, r); w.Code != 400 || !strings.Contains(w.Body.String(), "请重新刷卡") {
		t.Fatalf("%d %s", w.Code, w.Body)
	}
	// A number the guard typed over the card's is taken as typed.
	e2, _ := l.ScreenCard(context.Background(), placedCard(expiredNo, "长期"))
	r = newPost("/api/register", fmt.Sprintf(`{"entry":%q,"name":"王**","id_kind":"resident","id":%q,"destination":"3-2-501"}`, e2.ID, cardNo))
	asGuard(t, c, r)
	w = serve(c, r)
	json.Unmarshal(w.Body.Bytes(), &reg)
	if w.Code != 200 || reg.Visitor.IDHash != idHash(t, priv, cardNo) {
		t.Fatalf("%d %s", w.Code, w.Body)
	}
}
