package screening

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/kakou/kakou/drivers/idcard"
	"github.com/kakou/kakou/drivers/sim"
	"github.com/kakou/kakou/firmware/credential"
	"github.com/kakou/kakou/firmware/ledger"
	"github.com/kakou/kakou/firmware/policy"
	"github.com/kakou/kakou/firmware/wire"
)

// cardNumber is the GB 11643 standard's example; numbers() makes more.
const cardNumber = "11010519491231002X"

// idNumbers makes n distinct valid ID numbers.
func idNumbers(n int) []string {
	weights := []int{7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2}
	out := make([]string, n)
	for i := range out {
		body := fmt.Sprintf("110105199001%05d", i)
		sum := 0
		for j := 0; j < 17; j++ {
			sum += int(body[j]-'0') * weights[j]
		}
		out[i] = body + string("10X98765432"[sum%11])
	}
	return out
}

func aCard(number, until string) idcard.Card {
	return idcard.Card{Name: "王小明", Sex: "男", Ethnicity: "汉", Birth: "19491231",
		Address: "北京市东城区景山前街4号", Number: number, ValidFrom: "20160101", ValidUntil: until}
}

// cardLane is a lane with the ID card rule on, a verifier holding the
// fleet's tracing key, and a synced clock at now.
func cardLane(t testing.TB, l Ledger, now time.Time, roster *credential.Roster) (*Pipeline, *[]wire.Entry) {
	t.Helper()
	priv, err := credential.NewPrivacy([]byte("0123456789abcdef0123456789abcdef"), nil)
	if err != nil {
		t.Fatal(err)
	}
	pol := policy.Default()
	pol.Checks.IDCard = policy.IDCardCheck{Mode: policy.Hard, WithoutHealth: wire.Register, OnExpired: wire.Register}
	var decided []wire.Entry
	o := options(&decided)
	o.Policy = func() policy.Policy { return pol }
	o.Now = func() (time.Time, bool) { return now, true }
	o.Credentials = &credential.Verifier{Hashes: priv, Now: func() time.Time { return now },
		Watch: func() *credential.Roster { return roster }}
	o.Roster = func() *credential.Roster { return roster }
	p, err := New(fixedThermo{t: policy.Celsius(36.2)}, sim.Must(nil), l, o)
	if err != nil {
		t.Fatal(err)
	}
	return p, &decided
}

var cardDay = time.Date(2026, 3, 1, 10, 0, 0, 0, time.FixedZone("CST", 8*3600))

func TestScreenCardIsOneScreeningLikeAScanAndCarriesNoNumber(t *testing.T) {
	led := &memLedger{}
	p, decided := cardLane(t, led, cardDay, nil)
	e, err := p.ScreenCard(context.Background(), aCard(cardNumber, "20360101"))
	if err != nil {
		t.Fatal(err)
	}
	if e.Credential.Kind != wire.CredentialIDCard || e.Credential.Result != "valid" || e.Decision != wire.Register ||
		e.Temperature == nil || len(led.entries) != 1 || len(*decided) != 1 {
		t.Fatalf("entry %+v, %d in the ledger, %d decided", e, len(led.entries), len(*decided))
	}
	if err := e.Validate(); err != nil {
		t.Fatal(err)
	}
	open, _ := p.OnScreen()
	b, _ := json.Marshal(struct {
		E wire.Entry
		S []Shown
	}{e, open})
	for _, secret := range []string{cardNumber, "王小明", "景山前街"} {
		if strings.Contains(string(b), secret) {
			t.Errorf("%q in the entry or on the guard's screen: %s", secret, b)
		}
	}
	if len(open) != 1 || open[0].Card == nil || open[0].Card.ID != "110***********002X" || open[0].Card.Name != "王**" {
		t.Fatalf("screen %s", b)
	}
}

func TestScreenCardSameCardTwiceQuicklyIsOneScreening(t *testing.T) {
	led := &memLedger{}
	p, _ := cardLane(t, led, cardDay, nil)
	c := aCard(cardNumber, "长期")
	if _, err := p.ScreenCard(context.Background(), c); err != nil {
		t.Fatal(err)
	}
	if _, err := p.ScreenCard(context.Background(), c); !errors.Is(err, ErrSameCard) {
		t.Fatalf("second read: %v", err)
	}
	if _, err := p.ScreenCard(context.Background(), aCard(idNumbers(1)[0], "长期")); err != nil {
		t.Fatal(err)
	}
	if len(led.entries) != 2 {
		t.Fatalf("%d entries, want 2", len(led.entries))
	}
}

func TestScreenCardMisreadNumberMakesNoEntry(t *testing.T) {
	led := &memLedger{}
	p, decided := cardLane(t, led, cardDay, nil)
	for i := 0; i < 2; i++ {
		if _, err := p.ScreenCard(context.Background(), aCard("110105194912310021", "长期")); !errors.Is(err, ErrCardUnreadable) {
			t.Fatalf("bad check digit: %v", err)
		}
	}
	if len(led.entries) != 0 || len(*decided) != 0 {
		t.Fatalf("a misread made %d entries", len(led.entries))
	}
	if _, err := p.ScreenCard(context.Background(), aCard(cardNumber, "长期")); err != nil {
		t.Fatalf("the card placed again after a misread: %v", err)
	}
}

func TestScreenCardFlagsAnExpiredCardInYear9999(t *testing.T) {
	p, _ := cardLane(t, &memLedger{}, time.Date(9999, 12, 31, 12, 0, 0, 0, time.UTC), nil)
	e, err := p.ScreenCard(context.Background(), aCard(cardNumber, "20991231"))
	if err != nil {
		t.Fatal(err)
	}
	if e.Credential.Result != "expired" || !hasReason(e.Reasons, policy.ReasonIDCardExpired.Code) {
		t.Fatalf("got %+v", e)
	}
}

func TestScreenCardRosterHitByIDHashRaisesTheAlert(t *testing.T) {
	priv, _ := credential.NewPrivacy([]byte("0123456789abcdef0123456789abcdef"), nil)
	v, _ := priv.Minimise(wire.Visitor{}, "", cardNumber, false)
	roster := credential.NewRoster(1, []wire.WatchEntry{{ID: "w7", IDHash: v.IDHash, Kind: wire.WatchHealthMonitoring,
		Start: cardDay.Add(-24 * time.Hour), Plan: "14", Outcome: wire.Deny}})
	p, _ := cardLane(t, &memLedger{}, cardDay, roster)
	e, err := p.ScreenCard(context.Background(), aCard(cardNumber, "长期"))
	if err != nil {
		t.Fatal(err)
	}
	if e.Watch == nil || e.Watch.Entry != "w7" || e.Watch.By != wire.WatchByIDHash || e.Alert != policy.AlertWatchMonitoring || e.Decision != wire.Deny {
		t.Fatalf("got %+v watch %+v", e, e.Watch)
	}
}

func TestCardNumberIsHeldForTheRegistrationThenDropped(t *testing.T) {
	p, _ := cardLane(t, &memLedger{}, cardDay, nil)
	e, _ := p.ScreenCard(context.Background(), aCard(cardNumber, "长期"))
	if n, ok := p.CardNumber(e.ID); !ok || n != cardNumber {
		t.Fatalf("held %q %v", n, ok)
	}
	if _, ok := p.CardNumber("another-entry"); ok {
		t.Fatal("a number for an entry that is not the card's")
	}
	reg, err := p.Amend(context.Background(), e.ID, Amend{Visitor: &wire.Visitor{Name: "王**", ID: "110***********002X"}})
	if err != nil || reg.Decision != wire.Allow {
		t.Fatalf("registration: %+v %v", reg, err)
	}
	if _, ok := p.CardNumber(reg.ID); ok {
		t.Fatal("number still held after the registration")
	}

	defer func(k time.Duration) { cardKeep = k }(cardKeep)
	cardKeep = 0
	e2, _ := p.ScreenCard(context.Background(), aCard(idNumbers(1)[0], "长期"))
	if _, ok := p.CardNumber(e2.ID); ok {
		t.Fatal("number held past CardKeep")
	}
}

// TestScreenCardWhileTheLaneKeepsScanning places cards while codes are
// scanned at the same lane: every card and every scan is one entry, in a
// real ledger, with no race (run with -race).
func TestScreenCardWhileTheLaneKeepsScanning(t *testing.T) {
	led, err := ledger.Open(filepath.Join(t.TempDir(), "ledger.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer led.Close()
	p, _ := cardLane(t, led, cardDay, nil)
	const n = 20
	var wg sync.WaitGroup
	errs := make(chan error, 2*n)
	wg.Add(3)
	go func() {
		defer wg.Done()
		for _, num := range idNumbers(n) {
			if _, err := p.ScreenCard(context.Background(), aCard(num, "长期")); err != nil {
				errs <- err
			}
		}
	}()
	go func() {
		defer wg.Done()
		for i := 0; i < n; i++ {
			if _, err := p.Screen(context.Background(), []byte(fmt.Sprintf("KAKOU1:PASS:R-%04d", i))); err != nil {
				errs <- err
			}
		}
	}()
	go func() { // the guard's console polling at the same time
		defer wg.Done()
		for i := 0; i < n; i++ {
			p.OnScreen()
		}
	}()
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	got, err := led.Entries(context.Background(), 0, 1000)
	if err != nil {
		t.Fatal(err)
	}
	cards := 0
	for _, e := range got {
		if e.Credential.Kind == wire.CredentialIDCard {
			cards++
		}
	}
	if len(got) != 2*n || cards != n {
		t.Fatalf("%d entries, %d of them cards; want %d and %d", len(got), cards, 2*n, n)
	}
}

// slowLookup holds a health lookup by ID number until released, telling
// the test once it is being asked.
type slowLookup struct {
	asked, release chan struct{}
}

func (s slowLookup) Verify(context.Context, []byte) (credential.Presented, error) {
	return credential.Presented{Status: credential.StatusGreen}, nil
}
func (s slowLookup) LookupID(context.Context, string) (credential.Presented, error) {
	close(s.asked)
	<-s.release
	return credential.Presented{Status: credential.StatusGreen}, nil
}

func TestASlowHealthLookupByIDNumberDoesNotHoldUpTheScans(t *testing.T) {
	led := &memLedger{}
	p, _ := cardLane(t, led, cardDay, nil)
	slow := slowLookup{asked: make(chan struct{}), release: make(chan struct{})}
	p.opts.Credentials.(*credential.Verifier).Health = slow
	done := make(chan error, 1)
	go func() {
		_, err := p.ScreenCard(context.Background(), aCard(cardNumber, "长期"))
		done <- err
	}()
	<-slow.asked
	if e, err := p.Screen(context.Background(), []byte("KAKOU1:PASS:R-0001")); err != nil || e.Seq != 1 {
		t.Fatalf("a scan while the card's lookup is out: %+v %v", e, err)
	}
	close(slow.release)
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	if len(led.entries) != 2 || led.entries[1].Credential.Kind != wire.CredentialIDCard {
		t.Fatalf("entries %+v", led.entries)
	}
}
