package api

import (
	"context"
	"crypto/ed25519"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/kakou/kakou/cloud/store"
	"github.com/kakou/kakou/cloud/store/sqlite"
	"github.com/kakou/kakou/firmware/wire"
)

// These tests drive the visitor's page (web/venue.*) in headless chromium
// at a phone's size, against the real handlers and a temp-dir SQLite
// store, and open every code the page shows with the centre's public key.

// pageVenueSites is the venue settings of the page tests' sites.
type pageVenueSites map[string]VenueSite

func (m pageVenueSites) VenueSite(_ context.Context, site string) (VenueSite, error) {
	if vs, ok := m[site]; ok {
		return vs, nil
	}
	return VenueSite{}, ErrVenueSiteUnknown
}

// venuePageFixture is the API with logins and venue codes on; the clock is
// 09:00 of today in China, so the codes it signs are valid as the browser
// (on the real clock) reads them and today has slots still to come.
type venuePageFixture struct {
	*authFixture
	pub   ed25519.PublicKey
	sites pageVenueSites
	ap    *wire.Appointments // site-a's schedule
}

// The page tests' sites: site-a takes appointments (two people a slot),
// site-b registers visitors without them and asks for a phone and where
// they are going.
func newVenuePageFixture(t *testing.T, change ...func(*VenueOptions)) *venuePageFixture {
	t.Helper()
	ap := &wire.Appointments{Mode: "hard", AppliesTo: "visitors", SlotMinutes: 60, Capacity: 2,
		Hours: []string{"08:00-20:00"}, Early: 15, Late: 15, DaysAhead: 1}
	if err := ap.Validate(); err != nil {
		t.Fatal(err)
	}
	sites := pageVenueSites{
		"site-a": {Name: "幸福小区", Fields: []string{"name", "phone"}, Required: []string{"name", "phone"},
			Consent: "为疫情防控需要登记来访信息。", Appointments: ap},
		"site-b": {Name: "平安超市", Fields: []string{"name", "phone", "dest"}, Required: []string{"name", "phone"},
			Consent: "为疫情防控需要登记来访信息。"},
	}
	pub, key, err := ed25519.GenerateKey(nil)
	if err != nil {
		t.Fatal(err)
	}
	st, err := sqlite.Open(filepath.Join(t.TempDir(), "cloud.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	today := time.Now().In(cst)
	f := &authFixture{fixture: fixture{store: st},
		clock: &clock{t: time.Date(today.Year(), today.Month(), today.Day(), 9, 0, 0, 0, cst)}}
	venue := &VenueOptions{Store: st, Key: key, Sites: sites, HashSecret: []byte(strings.Repeat("s", 32)),
		PublicURL: "https://kakou.example.cn", PowBits: 8}
	for _, c := range change {
		c(venue)
	}
	f.h = venuePageHandler(t, f, venue)
	f.srv = httptest.NewServer(f.h)
	t.Cleanup(f.srv.Close)
	return &venuePageFixture{authFixture: f, pub: pub, sites: sites, ap: ap}
}

// venueHandler is authFixture.handler with venue codes on.
func venuePageHandler(t *testing.T, f *authFixture, venue *VenueOptions) http.Handler {
	t.Helper()
	users := make([]User, len(testUsers))
	for i, u := range testUsers {
		h, err := HashPassword("pw-"+u.Name, cheapArgon2)
		if err != nil {
			t.Fatal(err)
		}
		u.PasswordHash = h
		users[i] = u
	}
	h, err := New(f.store, Options{Location: cst, Now: f.clock.now,
		Auth: &AuthOptions{Users: users, Sessions: f.store, Argon2: cheapArgon2}, Venue: venue})
	if err != nil {
		t.Fatal(err)
	}
	return h
}

// phoneWidth is a common phone's width in CSS pixels.
const phoneWidth = 375

// phone opens a tab the size of a 375 x 812 phone, as a phone shows pages.
func phone(t *testing.T) context.Context {
	t.Helper()
	ctx := browser(t, phoneWidth, 812)
	do(t, ctx, "emulate a phone", chromedp.EmulateViewport(phoneWidth, 812, chromedp.EmulateScale(3), chromedp.EmulateMobile))
	return ctx
}

// noSideScroll fails the test if the page is wider than the phone. A
// mobile browser widens its layout viewport to fit content that is too
// wide (innerWidth grows with it), so the measure is the phone's width.
func noSideScroll(t *testing.T, ctx context.Context, when string) {
	t.Helper()
	w := value(t, ctx, "measure the page", chromedp.Evaluate[[]float64](
		`[document.documentElement.scrollWidth, window.innerWidth]`))
	if len(w) != 2 || w[0] > phoneWidth || w[1] > phoneWidth {
		t.Errorf("%s: the page is %v px wide, its window %v px, on a %d px phone: it scrolls sideways", when, w[0], w[1], phoneWidth)
	}
}

var sixDigits = regexp.MustCompile(`^\d{6}$`)

// shownCode reads the number the page shows and the code it keeps, and
// opens the code with the centre's key.
func (f *venuePageFixture) shownCode(t *testing.T, ctx context.Context, site string) (string, wire.VenueRegistration) {
	t.Helper()
	number := strings.TrimSpace(value(t, ctx, "read the number", chromedp.Text(chromedp.CSS("#r-number"))))
	code := value(t, ctx, "read the kept code", chromedp.Evaluate[string](
		`JSON.parse(localStorage.getItem("kakou-venue:`+site+`")).code`))
	r, err := wire.OpenVenueCode(code, f.pub)
	if err != nil {
		t.Fatalf("the code the page keeps does not open with the centre's key: %v (%q)", err, code)
	}
	if !sixDigits.MatchString(number) || r.Number != number || r.Site != site {
		t.Errorf("the page shows number %q; the code says %q at %q", number, r.Number, r.Site)
	}
	if qr := value(t, ctx, "look at the QR code", chromedp.Evaluate[bool](
		`document.getElementById("r-qr").src.startsWith("data:image/png") && document.getElementById("r-qr").naturalWidth > 0`)); !qr {
		t.Error("the result shows no QR image")
	}
	return number, r
}

// TestVenuePageIntegrationRegistersWithoutBooking: at a site without
// appointments, a visitor who leaves out the consent is told beside the
// box; with it, the page shows the QR code and number of a code the
// centre signed with what they typed; reopened, the page shows it again;
// nothing scrolls sideways.
func TestVenuePageIntegrationRegistersWithoutBooking(t *testing.T) {
	ctx := phone(t)
	f := newVenuePageFixture(t)
	do(t, ctx, "open the page", chromedp.Navigate(f.srv.URL+"/v/site-b"), chromedp.WaitVisible(chromedp.CSS("#f-name")))
	noSideScroll(t, ctx, "the form")
	if header := value(t, ctx, "read the header", chromedp.Text(chromedp.CSS("#site-name"))); !strings.Contains(header, "平安超市") {
		t.Errorf("the header reads %q, want the site's name", header)
	}
	if booking := value(t, ctx, "look for the slots", chromedp.Evaluate[bool](`document.getElementById("booking").hidden`)); !booking {
		t.Error("a site without appointments shows the slot picker")
	}
	if kinds := value(t, ctx, "read the fields' types", chromedp.Evaluate[[]string](
		`[...document.querySelectorAll("#fields input")].map(i => i.name + ":" + i.type + ":" + i.required)`)); strings.Join(kinds, " ") !=
		"name:text:true phone:tel:true dest:text:false" {
		t.Errorf("the fields are %v, want the site's three with phone as tel and dest optional", kinds)
	}
	do(t, ctx, "fill in the form without consenting",
		chromedp.SendKeys(chromedp.CSS("#f-name"), "王小明"), chromedp.SendKeys(chromedp.CSS("#f-phone"), "13800000000"),
		chromedp.SendKeys(chromedp.CSS("#f-dest"), "3号楼"), chromedp.Click(chromedp.CSS("#submit")),
		chromedp.WaitVisible(chromedp.CSS(`.field-error[data-for="consent"]`)))
	do(t, ctx, "consent and submit", chromedp.Click(chromedp.CSS("#consent")), chromedp.Click(chromedp.CSS("#submit")),
		chromedp.WaitVisible(chromedp.CSS("#r-number")))
	number, r := f.shownCode(t, ctx, "site-b")
	if r.Visitor.Name != "王小明" || r.Visitor.Phone != "13800000000" || r.Visitor.Dest != "3号楼" || r.Slot != nil {
		t.Errorf("the code holds %+v, slot %v: want what was typed and no booking", r.Visitor, r.Slot)
	}
	noSideScroll(t, ctx, "the result")

	do(t, ctx, "reopen the page", chromedp.Navigate(f.srv.URL+"/v/site-b"), chromedp.WaitVisible(chromedp.CSS("#r-number")))
	if again, _ := f.shownCode(t, ctx, "site-b"); again != number {
		t.Errorf("reopened, the page shows %q, want %q", again, number)
	}
	link := value(t, ctx, "read the link", chromedp.Value(chromedp.CSS("#r-link")))
	do(t, ctx, "forget the code and open its link", chromedp.Evaluate[chromedp.Void](`localStorage.clear()`),
		chromedp.Navigate("about:blank"), chromedp.Navigate(link), chromedp.WaitVisible(chromedp.CSS("#r-number")))
	if again, _ := f.shownCode(t, ctx, "site-b"); again != number {
		t.Errorf("opened from its link, the page shows %q, want %q", again, number)
	}
}

// TestVenuePageIntegrationBooksASlot: at a site taking appointments, a
// full slot is shown 已满 and cannot be picked; a visitor books the next
// for two people and the code says that slot and party, its label on the
// page.
func TestVenuePageIntegrationBooksASlot(t *testing.T) {
	ctx := phone(t)
	f := newVenuePageFixture(t)
	next := f.ap.Next(f.clock.now())
	if len(next) < 2 {
		t.Fatalf("the schedule offers %d slots after 09:00", len(next))
	}
	full, free := next[0], next[1]
	err := store.VenueStore(f.store).Book(context.Background(), store.Booking{ID: "full-1", Site: "site-a", Number: "111111",
		Day: time.Unix(full.Start, 0).In(cst).Format(time.DateOnly), Slot: full, Party: 2, BookedBy: "manager",
		Created: f.clock.now()}, f.ap.Capacity, 0)
	if err != nil {
		t.Fatal(err)
	}
	do(t, ctx, "open the page", chromedp.Navigate(f.srv.URL+"/v/site-a"), chromedp.WaitVisible(chromedp.CSS("#slots label")))
	noSideScroll(t, ctx, "the slot picker")
	fullSel := `#slots label[data-s="` + itoa(full.Start) + `"]`
	state := value(t, ctx, "look at the full slot", chromedp.Evaluate[[]any](`[
		document.querySelector(`+jsString(fullSel+" input")+`).disabled,
		document.querySelector(`+jsString(fullSel)+`).textContent]`))
	if len(state) != 2 || state[0] != true || !strings.Contains(state[1].(string), "已满") {
		t.Errorf("the full slot shows [disabled, text] = %v, want it disabled and 已满", state)
	}
	freeSel := `#slots label[data-s="` + itoa(free.Start) + `"]`
	if text := value(t, ctx, "read the free slot", chromedp.Text(chromedp.CSS(freeSel))); !strings.Contains(text, "余 2") {
		t.Errorf("the free slot reads %q, want 余 2", text)
	}
	do(t, ctx, "book the free slot for two",
		chromedp.SendKeys(chromedp.CSS("#f-name"), "李四"), chromedp.SendKeys(chromedp.CSS("#f-phone"), "13900000000"),
		chromedp.Click(chromedp.CSS(freeSel)), chromedp.SetValue(chromedp.CSS("#party"), "2"),
		chromedp.Click(chromedp.CSS("#consent")), chromedp.Click(chromedp.CSS("#submit")),
		chromedp.WaitVisible(chromedp.CSS("#r-slot")))
	_, r := f.shownCode(t, ctx, "site-a")
	if r.Slot == nil || *r.Slot != free || r.Party != 2 {
		t.Errorf("the code books slot %v for %d, want %v for 2", r.Slot, r.Party, free)
	}
	if label := value(t, ctx, "read the slot", chromedp.Text(chromedp.CSS("#r-slot"))); !strings.Contains(label, f.ap.Label(free)) {
		t.Errorf("the page shows slot %q, want %q", label, f.ap.Label(free))
	}
	noSideScroll(t, ctx, "the booking's result")
}

func itoa(n int64) string { return strconv.FormatInt(n, 10) }

// TestVenuePageIntegrationOffersTheNextFreeSlotWhenFull: the slot a
// visitor picked fills while they type; the centre refuses it (409), the
// page says so beside the slots and offers the next free one, and one tap
// books that one.
func TestVenuePageIntegrationOffersTheNextFreeSlotWhenFull(t *testing.T) {
	ctx := phone(t)
	f := newVenuePageFixture(t)
	next := f.ap.Next(f.clock.now())
	picked, after := next[0], next[1]
	do(t, ctx, "open the page and pick the first slot", chromedp.Navigate(f.srv.URL+"/v/site-a"),
		chromedp.WaitVisible(chromedp.CSS("#slots label")),
		chromedp.SendKeys(chromedp.CSS("#f-name"), "张三"), chromedp.SendKeys(chromedp.CSS("#f-phone"), "13600000000"),
		chromedp.Click(chromedp.CSS(`#slots label[data-s="`+itoa(picked.Start)+`"]`)), chromedp.Click(chromedp.CSS("#consent")))
	err := store.VenueStore(f.store).Book(context.Background(), store.Booking{ID: "full-2", Site: "site-a", Number: "222222",
		Day: time.Unix(picked.Start, 0).In(cst).Format(time.DateOnly), Slot: picked, Party: 2, BookedBy: "manager",
		Created: f.clock.now()}, f.ap.Capacity, 0)
	if err != nil {
		t.Fatal(err)
	}
	do(t, ctx, "submit", chromedp.Click(chromedp.CSS("#submit")), chromedp.WaitVisible(chromedp.CSS("#next-free-take")))
	said := value(t, ctx, "read the refusal", chromedp.Text(chromedp.CSS(`.field-error[data-for="slot"]`)))
	offer := value(t, ctx, "read the offer", chromedp.Text(chromedp.CSS("#next-free-take")))
	if said == "" || !strings.Contains(offer, f.ap.Label(after)) {
		t.Errorf("refused with %q beside the slots and offered %q, want the refusal and %q", said, offer, f.ap.Label(after))
	}
	do(t, ctx, "take the next free slot", chromedp.Click(chromedp.CSS("#next-free-take")), chromedp.WaitVisible(chromedp.CSS("#r-number")))
	if _, r := f.shownCode(t, ctx, "site-a"); r.Slot == nil || *r.Slot != after {
		t.Errorf("the code books %v, want the offered %v", r.Slot, after)
	}
}

// TestVenuePageIntegrationShowsTheCentresRefusalBesideTheField: a name
// with an invisible character passes the page's own checks; the centre
// refuses it (400) and the page says so beside the name, marked invalid,
// and keeps what was typed.
func TestVenuePageIntegrationShowsTheCentresRefusalBesideTheField(t *testing.T) {
	ctx := phone(t)
	f := newVenuePageFixture(t)
	do(t, ctx, "submit a name with an invisible character", chromedp.Navigate(f.srv.URL+"/v/site-b"),
		chromedp.WaitVisible(chromedp.CSS("#f-name")), chromedp.SetValue(chromedp.CSS("#f-name"), "王\u200b五"),
		chromedp.SendKeys(chromedp.CSS("#f-phone"), "13800000000"), chromedp.Click(chromedp.CSS("#consent")),
		chromedp.Click(chromedp.CSS("#submit")), chromedp.WaitVisible(chromedp.CSS(`.field-error[data-for="name"]`)))
	got := value(t, ctx, "read the field", chromedp.Evaluate[[]string](`[
		document.querySelector('.field-error[data-for="name"]').textContent,
		document.getElementById("f-name").getAttribute("aria-invalid"),
		document.getElementById("f-phone").value, String(document.getElementById("result").hidden)]`))
	if len(got) != 4 || got[0] == "" || got[1] != "true" || got[2] != "13800000000" || got[3] != "true" {
		t.Errorf("after the refusal [message, aria-invalid, phone, result hidden] = %q", got)
	}
}

// TestVenuePageIntegrationSaysWhenToTryAgain: past the registrations one
// address may make in an hour, the centre answers 429 and the page says
// when to try again, keeping the form.
func TestVenuePageIntegrationSaysWhenToTryAgain(t *testing.T) {
	ctx := phone(t)
	f := newVenuePageFixture(t, func(v *VenueOptions) { v.PerAddressPerHour = 1 })
	register := func(what string) {
		do(t, ctx, what, chromedp.WaitVisible(chromedp.CSS("#f-name")),
			chromedp.SendKeys(chromedp.CSS("#f-name"), "王五"), chromedp.SendKeys(chromedp.CSS("#f-phone"), "13500000000"),
			chromedp.Click(chromedp.CSS("#consent")), chromedp.Click(chromedp.CSS("#submit")))
	}
	do(t, ctx, "open the page", chromedp.Navigate(f.srv.URL+"/v/site-b"))
	register("register once")
	do(t, ctx, "see the code, and start again", chromedp.WaitVisible(chromedp.CSS("#r-number")), chromedp.Click(chromedp.CSS("#r-new")))
	register("register again")
	do(t, ctx, "wait for the refusal", chromedp.WaitVisible(chromedp.CSS("#form-error")))
	said := value(t, ctx, "read the refusal", chromedp.Text(chromedp.CSS("#form-error")))
	if !strings.Contains(said, "后再试") || !strings.Contains(said, "try again in") {
		t.Errorf("the refusal reads %q, want when to try again, in Chinese and English", said)
	}
	if shown := value(t, ctx, "look at the result", chromedp.Evaluate[bool](`!document.getElementById("result").hidden`)); shown {
		t.Error("a refused registration shows a result")
	}
}
