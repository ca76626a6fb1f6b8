package credential

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/kakou/kakou/drivers/idcard"
	"github.com/kakou/kakou/firmware/wire"
)

// testNumber is the GB 11643 standard's own example, a valid number.
const testNumber = "11010519491231002X"

var tracingKey = []byte("0123456789abcdef0123456789abcdef")

func testCard(until string) idcard.Card {
	return idcard.Card{Name: "张三丰", Sex: "男", Ethnicity: "汉", Birth: "19491231",
		Address: "北京市东城区景山前街4号", Number: testNumber, Authority: "北京市公安局东城分局",
		ValidFrom: "20150101", ValidUntil: until}
}

// fakeLookup answers a health lookup by ID number as told; hang makes it
// ignore its context and never answer, like a broken adapter.
type fakeLookup struct {
	answer Presented
	err    error
	hang   chan struct{}
	asked  []string
}

func (f *fakeLookup) Verify(context.Context, []byte) (Presented, error) { return f.answer, f.err }
func (f *fakeLookup) LookupID(_ context.Context, id string) (Presented, error) {
	f.asked = append(f.asked, id)
	if f.hang != nil {
		<-f.hang
	}
	return f.answer, f.err
}

func cardVerifier(t testing.TB, now time.Time, synced bool) *Verifier {
	t.Helper()
	priv, err := NewPrivacy(tracingKey, nil)
	if err != nil {
		t.Fatal(err)
	}
	return &Verifier{Hashes: priv, Now: func() time.Time { return now }, ClockSynced: func() bool { return synced }}
}

var today = time.Date(2026, 3, 1, 10, 0, 0, 0, time.FixedZone("CST", 8*3600))

func TestCheckCardMasksEverythingAndNeverCarriesTheNumber(t *testing.T) {
	v := cardVerifier(t, today, true)
	p := v.CheckCard(context.Background(), testCard("20350101"))
	if p.Wire.Kind != wire.CredentialIDCard || p.Status != StatusValid || p.Wire.Result != "valid" {
		t.Fatalf("got %+v", p.Wire)
	}
	c := p.Card
	if c.Name != "张**" || c.ID != "110***********002X" || c.Sex != "男" || c.Address != "北京市东城区******" {
		t.Fatalf("card shown as %+v", c)
	}
	shown, _ := json.Marshal(c)
	all := fmt.Sprintf("%+v %+v %s", p, *c, shown)
	for _, secret := range []string{testNumber, "张三丰", "景山前街", "1949123"} {
		if strings.Contains(all, secret) {
			t.Errorf("%q found in what checking a card returns: %s", secret, all)
		}
	}
	if strings.Contains(string(shown), c.IDHash) {
		t.Error("the ID hash is sent to the console")
	}
	if !validRef(p.Wire.Subject) || strings.Contains(testNumber, p.Wire.Subject[1:]) {
		t.Errorf("subject %q", p.Wire.Subject)
	}
}

func TestCheckCardHashesTheNumberAsARegisteredVisitorsIDIsHashed(t *testing.T) {
	v := cardVerifier(t, today, true)
	p := v.CheckCard(context.Background(), testCard("长期"))
	reg, err := v.Hashes.Minimise(wire.Visitor{Name: "张**", IDKind: wire.IDResident}, "", strings.ToLower(testNumber), false)
	if err != nil || p.Card.IDHash == "" || p.Card.IDHash != reg.IDHash {
		t.Fatalf("card hash %q, registration hash %q (%v)", p.Card.IDHash, reg.IDHash, err)
	}
}

func TestCheckCardFlagsAnExpiredCardOnlyByASyncedClock(t *testing.T) {
	y9999 := time.Date(9999, 12, 31, 23, 59, 0, 0, time.UTC)
	cases := []struct {
		name   string
		until  string
		now    time.Time
		synced bool
		want   Status
	}{
		{"in date", "20350101", today, true, StatusValid},
		{"last day still valid", "20260301", today, true, StatusValid},
		{"ended yesterday", "20260228", today, true, StatusExpired},
		{"long-term card never expires, even in year 9999", "长期", y9999, true, StatusValid},
		{"every dated card is expired in year 9999", "20991231", y9999, true, StatusExpired},
		{"unsynced clock in 1970 does not judge the date", "20200101", time.Unix(0, 0), false, StatusValid},
		{"unsynced clock still flags an unreadable end date", "2035-01-01", time.Unix(0, 0), false, StatusExpired},
		{"unreadable end date is expired", "", today, true, StatusExpired},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			p := cardVerifier(t, c.now, c.synced).CheckCard(context.Background(), testCard(c.until))
			if p.Status != c.want {
				t.Fatalf("got %s (%s), want %s", p.Status, p.Detail, c.want)
			}
		})
	}
}

func TestCheckCardRefusesANumberWithABadCheckDigit(t *testing.T) {
	for _, n := range []string{"110105194912310021", "11010519491231002", "1101051949123100XX", "ABCDEFGHIJKLMNOPQR", ""} {
		c := testCard("长期")
		c.Number = n
		p := cardVerifier(t, today, true).CheckCard(context.Background(), c)
		if p.Status != StatusMalformed || p.Card != nil || p.Wire.Subject != "" {
			t.Errorf("%q: got %s %+v", n, p.Status, p.Wire)
		}
	}
	if !ValidIDNumber(testNumber) || ValidIDNumber(strings.ToLower(testNumber)) {
		t.Error("check digit")
	}
}

func TestCheckCardFindsTheHolderOnTheRosterByIDHash(t *testing.T) {
	v := cardVerifier(t, today, true)
	h := v.Hashes.hash("id", testNumber)
	r := NewRoster(1, []wire.WatchEntry{{ID: "w1", IDHash: h, Kind: wire.WatchHomeQuarantine,
		Start: today.Add(-48 * time.Hour), Plan: "14"}})
	v.Watch = func() *Roster { return r }
	p := v.CheckCard(context.Background(), testCard("长期"))
	if p.Watch == nil || p.Watch.Entry != "w1" || p.Watch.By != wire.WatchByIDHash {
		t.Fatalf("watch %+v", p.Watch)
	}
}

func TestCheckCardAsksTheHealthServiceByIDNumberAndKeepsOnlyTheStatus(t *testing.T) {
	v := cardVerifier(t, today, true)
	ok := true
	l := &fakeLookup{answer: Presented{Status: StatusYellow, Issuer: "gd-health", Detail: "raw: {secret}",
		NucleicAcidAt: today.Add(-time.Hour), TravelCardOK: &ok}}
	v.Health = l
	p := v.CheckCard(context.Background(), testCard("长期"))
	if len(l.asked) != 1 || l.asked[0] != testNumber {
		t.Fatalf("asked %v", l.asked)
	}
	if p.Card.Health != StatusYellow || p.Card.HealthBy != "gd-health" || p.Status != StatusValid || p.NucleicAcidAt.IsZero() {
		t.Fatalf("got %+v %+v", p, p.Card)
	}
	l.answer = Presented{Status: "purple"}
	if p := v.CheckCard(context.Background(), testCard("长期")); p.Card.Health != StatusVerifyFailed {
		t.Fatalf("unusable status kept: %s", p.Card.Health)
	}
}

func TestCheckCardWithoutALookupLeavesHealthUnknown(t *testing.T) {
	v := cardVerifier(t, today, true)
	v.Health = &OfflineHealth{}
	if p := v.CheckCard(context.Background(), testCard("长期")); p.Card.Health != "" {
		t.Fatalf("health %q from a verifier that cannot look up by ID", p.Card.Health)
	}
}

func TestCheckCardBoundsAHealthLookupThatHangs(t *testing.T) {
	defer func(b time.Duration) { lookupBound = b }(lookupBound)
	lookupBound = 20 * time.Millisecond
	v := cardVerifier(t, today, true)
	l := &fakeLookup{hang: make(chan struct{})}
	defer close(l.hang)
	v.Health = l
	p := v.CheckCard(context.Background(), testCard("长期"))
	if p.Card.Health != StatusTimeout {
		t.Fatalf("health %q", p.Card.Health)
	}
}

// FuzzCheckCard holds CheckCard to its promises for any card a reader
// could hand over: no panic, a kind and a storable subject, and the
// number, name and address nowhere but masked.
func FuzzCheckCard(f *testing.F) {
	for _, c := range []idcard.Card{testCard("长期"), testCard("20991231"), testCard(""),
		{Number: "110105194912310021"}, {Name: "\xff", Number: testNumber, Address: strings.Repeat("路", 300)},
		{Name: "Ａ", Number: strings.ToLower(testNumber), ValidUntil: "99999999"},
		{Name: strings.Repeat("王", 5000), Sex: strings.Repeat("男", 5000), Number: testNumber, ValidUntil: strings.Repeat("9", 5000)}} {
		f.Add(c.Name, c.Address, c.Number, c.ValidUntil)
	}
	v := cardVerifier(f, today, true)
	f.Fuzz(func(t *testing.T, name, address, number, until string) {
		c := idcard.Card{Name: name, Address: address, Number: number, ValidUntil: until}
		p := v.CheckCard(context.Background(), c)
		if p.Wire.Kind != wire.CredentialIDCard || p.Wire.Result != string(p.Status) {
			t.Fatalf("got %+v", p.Wire)
		}
		if p.Wire.Subject != "" && !validRef(p.Wire.Subject) {
			t.Fatalf("subject %q", p.Wire.Subject)
		}
		if p.Card == nil {
			return
		}
		if len(number) >= 8 && strings.Contains(p.Card.ID+p.Card.Name+p.Card.Address+p.Wire.Subject, strings.ToUpper(number)) {
			t.Fatalf("number shown: %+v", p.Card)
		}
		if len([]rune(address)) > addressShown+4 && strings.Contains(p.Card.Address, address) {
			t.Fatalf("address shown whole: %q", p.Card.Address)
		}
		if n := len(p.Card.Name + p.Card.Sex + p.Card.Address + p.Card.ValidUntil); n > 4*(maxNameShown+3+addressShown+8+8) {
			t.Fatalf("%d bytes shown from a card", n)
		}
	})
}
