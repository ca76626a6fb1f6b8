package api

import (
	"bytes"
	"crypto/ed25519"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/kakou/kakou/cloud/store/sqlite"
	"github.com/kakou/kakou/firmware/wire"
)

// publicVenue is the API with logins on and venue codes on, over SQLite,
// on a loopback server; the loopback is a trusted proxy so a test can
// speak from many addresses through X-Forwarded-For.
type publicVenue struct {
	srv   *httptest.Server
	st    *sqlite.Store
	pub   ed25519.PublicKey
	clock *clock
}

func newPublicVenue(t testing.TB, tune func(*VenueOptions)) *publicVenue {
	t.Helper()
	st, err := sqlite.Open(filepath.Join(t.TempDir(), "cloud.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	pub, key, err := ed25519.GenerateKey(nil)
	if err != nil {
		t.Fatal(err)
	}
	users := append([]User(nil), testUsers...)
	for i := range users {
		if users[i].PasswordHash, err = HashPassword("pw-"+users[i].Name, cheapArgon2); err != nil {
			t.Fatal(err)
		}
	}
	other := testSchedule()
	other.Hours = []string{"14:00-16:00"}
	other.SlotMinutes = 40
	sites := venueSites{
		"site-a": {Name: "幸福小区", Fields: []string{"name", "phone"}, Required: []string{"name", "phone"},
			Consent: "仅用于防疫登记", Appointments: testSchedule()},
		"site-b": {Name: "医院", Fields: []string{"phone"}, Appointments: other},
		"site-c": {Name: "超市", Fields: []string{"phone", "dest"}}, // no appointments
	}
	v := &VenueOptions{Store: st, Key: key, Sites: sites, HashSecret: []byte("0123456789abcdef0123456789abcdef"),
		PowBits: 4, PerAddressPerHour: 100, PerPhonePerDay: 100,
		TrustedProxies: []netip.Prefix{netip.MustParsePrefix("127.0.0.0/8"), netip.MustParsePrefix("::1/128")}}
	if tune != nil {
		tune(v)
	}
	c := &clock{t: now}
	h, err := New(st, Options{Location: cst, Now: c.now,
		Auth: &AuthOptions{Users: users, Sessions: st, Argon2: cheapArgon2}, Venue: v})
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	return &publicVenue{srv: srv, st: st, pub: pub, clock: c}
}

// call sends method path with body as JSON from addr, and decodes the answer.
func (p *publicVenue) call(t *testing.T, method, path, contentType, body, addr string) (*http.Response, map[string]any) {
	t.Helper()
	req, err := http.NewRequest(method, p.srv.URL+path, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	req.Header.Set("X-Forwarded-For", addr)
	resp, err := p.srv.Client().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var out map[string]any
	var buf bytes.Buffer
	buf.ReadFrom(resp.Body)
	if err := json.Unmarshal(buf.Bytes(), &out); err != nil && strings.Contains(resp.Header.Get("Content-Type"), "json") {
		t.Fatalf("%s %s: %d %s", method, path, resp.StatusCode, buf.String())
	}
	return resp, out
}

// info reads the site's page data as addr.
func (p *publicVenue) info(t testing.TB, site, addr string) venueInfoJSON {
	t.Helper()
	resp, err := p.srv.Client().Do(mustReq(t, p.srv.URL+"/api/v1/venue/"+site, addr))
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var out venueInfoJSON
	if resp.StatusCode != http.StatusOK || json.NewDecoder(resp.Body).Decode(&out) != nil {
		t.Fatalf("info of %s: %d", site, resp.StatusCode)
	}
	return out
}

func mustReq(t testing.TB, url, addr string) *http.Request {
	req, err := http.NewRequest("GET", url, nil)
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("X-Forwarded-For", addr)
	return req
}

// reg is a registration request; solved fills in a fresh challenge.
type reg struct {
	visitor string // the visitor's JSON
	slot    *wire.VenueSlot
	party   int
	consent bool
}

func (p *publicVenue) register(t *testing.T, site, addr string, r reg) (*http.Response, map[string]any) {
	t.Helper()
	in := p.info(t, site, addr)
	return p.post(t, site, addr, r, in.Pow.Challenge, solve(in.Pow.Challenge))
}

func (p *publicVenue) post(t *testing.T, site, addr string, r reg, challenge, nonce string) (*http.Response, map[string]any) {
	t.Helper()
	body := fmt.Sprintf(`{"challenge":%q,"nonce":%q,"consent":%t,"visitor":%s`, challenge, nonce, r.consent, r.visitor)
	if r.slot != nil {
		body += fmt.Sprintf(`,"slot":{"s":%d,"e":%d},"party":%d`, r.slot.Start, r.slot.End, r.party)
	}
	return p.call(t, "POST", "/api/v1/venue/"+site+"/register", "application/json", body+"}", addr)
}

const visitorA = `{"name":"王芳","phone":"13900000001"}`

func TestVenueRegisterWithoutBooking(t *testing.T) {
	p := newPublicVenue(t, nil)
	resp, out := p.register(t, "site-c", "198.51.100.7", reg{visitor: `{"name":"王芳","phone":"13900000001","dest":"3号楼"}`, consent: true})
	if resp.StatusCode != http.StatusCreated {
		t.Fatalf("%d %v", resp.StatusCode, out)
	}
	r, err := wire.OpenVenueCode(out["code"].(string), p.pub)
	if err != nil {
		t.Fatal(err)
	}
	if r.Site != "site-c" || r.Slot != nil || r.Party != 0 || r.Visitor.Dest != "3号楼" || r.Number != out["number"] ||
		r.NotBefore != now.Unix() || r.Expires != midnight.AddDate(0, 0, 1).Unix() {
		t.Fatalf("signed %+v", r)
	}
	if !strings.HasPrefix(out["qr"].(string), "data:image/png;base64,") {
		t.Fatalf("qr %.40v", out["qr"])
	}
	// The centre keeps no field the visitor typed: a keyed hash of the phone, the network.
	got, err := p.st.Bookings(t.Context(), "site-c", midnight, midnight.AddDate(0, 0, 1))
	if err != nil || len(got) != 1 {
		t.Fatalf("stored %+v %v", got, err)
	}
	b := got[0]
	if b.ID != r.ID || b.Network != "198.51.100.0/24" || len(b.PhoneHash) != 64 || strings.Contains(b.PhoneHash, "13900000001") || b.Slot != (wire.VenueSlot{}) || b.Party != 1 {
		t.Fatalf("stored %+v", b)
	}
}

func TestVenueBookAndFull(t *testing.T) {
	p := newPublicVenue(t, func(v *VenueOptions) { v.NetworkSharePct = 100 })
	slot := slotAt(10, 30)
	resp, out := p.register(t, "site-a", "198.51.100.7", reg{visitor: visitorA, slot: &slot, party: 3, consent: true})
	if resp.StatusCode != http.StatusCreated || out["slot_label"] != "4月2日 10:30–11:00" {
		t.Fatalf("%d %v", resp.StatusCode, out)
	}
	r, err := wire.OpenVenueCode(out["code"].(string), p.pub)
	if err != nil || r.Slot == nil || *r.Slot != slot || r.Party != 3 || r.BookedBy != "" {
		t.Fatalf("signed %+v %v", r, err)
	}
	in := p.info(t, "site-a", "203.0.113.9")
	if in.Appointments == nil || in.Appointments.Capacity != 3 || len(in.Slots) == 0 || in.Slots[0].S != slot.Start ||
		in.Slots[0].Booked != 3 || in.Slots[0].Free != 0 || in.Fields[0] != "name" || in.Pow.Bits != 4 {
		t.Fatalf("info %+v", in)
	}
	resp, out = p.register(t, "site-a", "203.0.113.9", reg{visitor: `{"name":"李四","phone":"13900000002"}`, slot: &slot, party: 1, consent: true})
	next, _ := out["next_free"].(map[string]any)
	if resp.StatusCode != http.StatusConflict || next == nil || int64(next["s"].(float64)) != slotAt(11, 0).Start {
		t.Fatalf("full: %d %v", resp.StatusCode, out)
	}
	// The same phone again for the same slot.
	resp, out = p.register(t, "site-a", "203.0.113.10", reg{visitor: visitorA, slot: &slot, party: 1, consent: true})
	if resp.StatusCode != http.StatusConflict || out["next_free"] != nil {
		t.Fatalf("same phone: %d %v", resp.StatusCode, out)
	}
}

func TestVenueNetworkShare(t *testing.T) {
	p := newPublicVenue(t, nil) // capacity 3: a network's share is the minimum, 2
	slot := slotAt(10, 30)
	resp, out := p.register(t, "site-a", "198.51.100.7", reg{visitor: visitorA, slot: &slot, party: 2, consent: true})
	if resp.StatusCode != http.StatusCreated {
		t.Fatalf("%d %v", resp.StatusCode, out)
	}
	resp, out = p.register(t, "site-a", "198.51.100.8", reg{visitor: `{"name":"李四","phone":"13900000002"}`, slot: &slot, party: 1, consent: true})
	if resp.StatusCode != http.StatusTooManyRequests {
		t.Fatalf("same /24: %d %v", resp.StatusCode, out)
	}
}

func TestVenueRegisterRefuses(t *testing.T) {
	p := newPublicVenue(t, nil)
	ok := slotAt(10, 30)
	far := wire.VenueSlot{Start: time.Date(9999, 1, 1, 10, 0, 0, 0, cst).Unix(), End: time.Date(9999, 1, 1, 10, 30, 0, 0, cst).Unix()}
	begun := slotAt(9, 30)
	siteB := wire.VenueSlot{Start: midnight.Add(14 * time.Hour).Unix(), End: midnight.Add(14*time.Hour + 40*time.Minute).Unix()}
	for _, c := range []struct {
		name string
		r    reg
		want string // in the error
	}{
		{"a field the site does not ask for", reg{visitor: `{"name":"王芳","phone":"13900000001","id":"110101199003074514"}`, consent: true}, `"id"`},
		{"a required field missing", reg{visitor: `{"name":"王芳"}`, consent: true}, `"phone"`},
		{"no consent", reg{visitor: visitorA}, "consent"},
		{"a bad phone", reg{visitor: `{"name":"王芳","phone":"12ab"}`, consent: true}, "phone"},
		{"a year-9999 slot", reg{visitor: visitorA, slot: &far, party: 1, consent: true}, "slot"},
		{"a slot begun", reg{visitor: visitorA, slot: &begun, party: 1, consent: true}, "slot"},
		{"another site's slot", reg{visitor: visitorA, slot: &siteB, party: 1, consent: true}, "slot"},
		{"a party of 7", reg{visitor: visitorA, slot: &ok, party: wire.MaxParty + 1, consent: true}, "party"},
		{"an unknown member", reg{visitor: `{"name":"王芳","phone":"13900000001","x":1}`, consent: true}, "JSON"},
	} {
		t.Run(c.name, func(t *testing.T) {
			resp, out := p.register(t, "site-a", "198.51.100.7", c.r)
			if msg, _ := out["error"].(string); resp.StatusCode != http.StatusBadRequest || !strings.Contains(msg, c.want) {
				t.Fatalf("%d %v, want 400 naming %s", resp.StatusCode, out, c.want)
			}
		})
	}
	if got, _ := p.st.Bookings(t.Context(), "site-a", midnight, midnight.AddDate(0, 0, 9)); len(got) != 0 {
		t.Fatalf("refused registrations stored: %+v", got)
	}
}

func TestVenueProofOfWork(t *testing.T) {
	p := newPublicVenue(t, func(v *VenueOptions) { v.PowBits = 12 })
	const addr = "198.51.100.7"
	r := reg{visitor: visitorA, consent: true}
	in := p.info(t, "site-a", addr)
	ch := in.Pow.Challenge
	parts := strings.Split(ch, ".")
	eased := strings.Join([]string{parts[0], parts[1], "0", parts[3], parts[4]}, ".")
	wrong := "0"
	for solves(ch, wrong, 12) { // a nonce that does not solve it
		wrong += "0"
	}
	for _, c := range []struct {
		name, site, addr, challenge, nonce string
	}{
		{"forged", "site-a", addr, parts[0] + "." + parts[1] + "." + parts[2] + "." + parts[3] + ".AAAA", solve(ch)},
		{"eased to 0 bits", "site-a", addr, eased, "1"},
		{"wrong nonce", "site-a", addr, ch, wrong},
		{"from another network", "site-a", "203.0.113.1", ch, solve(ch)},
		{"for another site", "site-c", addr, ch, solve(ch)},
	} {
		resp, out := p.post(t, c.site, c.addr, r, c.challenge, c.nonce)
		if resp.StatusCode != http.StatusBadRequest {
			t.Errorf("%s: %d %v", c.name, resp.StatusCode, out)
		}
	}
	if resp, out := p.post(t, "site-a", addr, r, ch, solve(ch)); resp.StatusCode != http.StatusCreated {
		t.Fatalf("genuine: %d %v", resp.StatusCode, out)
	}
	r.visitor = `{"name":"李四","phone":"13900000002"}`
	if resp, out := p.post(t, "site-a", addr, r, ch, solve(ch)); resp.StatusCode != http.StatusBadRequest {
		t.Fatalf("reused: %d %v", resp.StatusCode, out)
	}
	p.clock.add(powTTL)
	in = p.info(t, "site-a", addr)
	p.clock.add(powTTL)
	if resp, out := p.post(t, "site-a", addr, r, in.Pow.Challenge, solve(in.Pow.Challenge)); resp.StatusCode != http.StatusBadRequest {
		t.Fatalf("expired: %d %v", resp.StatusCode, out)
	}
}

func TestVenueLimits(t *testing.T) {
	t.Run("per address", func(t *testing.T) {
		p := newPublicVenue(t, func(v *VenueOptions) { v.PerAddressPerHour = 2 })
		for i := range 3 {
			resp, out := p.register(t, "site-c", "198.51.100.7", reg{visitor: fmt.Sprintf(`{"name":"王芳","phone":"1390000000%d"}`, i), consent: true})
			want := http.StatusCreated
			if i == 2 {
				want = http.StatusTooManyRequests
			}
			if resp.StatusCode != want || want == http.StatusTooManyRequests && resp.Header.Get("Retry-After") != "1800" {
				t.Fatalf("registration %d: %d %v Retry-After %q", i, resp.StatusCode, out, resp.Header.Get("Retry-After"))
			}
		}
		if resp, _ := p.register(t, "site-c", "198.51.100.8", reg{visitor: visitorA, consent: true}); resp.StatusCode != http.StatusCreated {
			t.Fatalf("another address: %d", resp.StatusCode)
		}
		p.clock.add(30 * time.Minute) // one token back
		if resp, _ := p.register(t, "site-c", "198.51.100.7", reg{visitor: visitorA, consent: true}); resp.StatusCode != http.StatusCreated {
			t.Fatalf("after the refill: %d", resp.StatusCode)
		}
	})
	t.Run("per phone", func(t *testing.T) {
		p := newPublicVenue(t, func(v *VenueOptions) { v.PerPhonePerDay = 2 })
		for i := range 3 {
			resp, out := p.register(t, "site-c", fmt.Sprintf("198.51.%d.7", i), reg{visitor: visitorA, consent: true})
			want := http.StatusCreated
			if i == 2 {
				want = http.StatusTooManyRequests
			}
			if resp.StatusCode != want {
				t.Fatalf("registration %d: %d %v", i, resp.StatusCode, out)
			}
		}
		if resp, _ := p.register(t, "site-a", "198.51.9.7", reg{visitor: visitorA, consent: true}); resp.StatusCode != http.StatusCreated {
			t.Fatalf("another site: %d", resp.StatusCode)
		}
	})
	t.Run("work rises past the hourly capacity", func(t *testing.T) {
		p := newPublicVenue(t, nil)
		l := newVenueLimits(10)
		ap := testSchedule() // 3 a half hour: 6 an hour
		for range 6 {
			l.count("site-a", now)
		}
		if got := l.powBits(18, "site-a", ap, now); got != 18 {
			t.Fatalf("at capacity: %d bits", got)
		}
		l.count("site-a", now)
		if got := l.powBits(18, "site-a", ap, now); got != 20 {
			t.Fatalf("past capacity: %d bits", got)
		}
		if got := l.powBits(18, "site-b", ap, now); got != 18 {
			t.Fatalf("another site: %d bits", got)
		}
		if got := l.powBits(18, "site-a", ap, now.Add(2*time.Hour)); got != 18 {
			t.Fatalf("two hours on: %d bits", got)
		}
		_ = p
	})
}

func TestVenuePublicRoutes(t *testing.T) {
	p := newPublicVenue(t, nil)
	const addr = "198.51.100.7"
	// A form posted from another page is refused: only JSON is taken.
	resp, _ := p.call(t, "POST", "/api/v1/venue/site-a/register", "application/x-www-form-urlencoded", "challenge=x&nonce=1", addr)
	if resp.StatusCode != http.StatusUnsupportedMediaType {
		t.Errorf("form post: %d", resp.StatusCode)
	}
	for _, body := range []string{`{`, `[]`, `{"challenge":1}`, `{} {}`, strings.Repeat("x", maxVenueBody+1)} {
		if resp, out := p.call(t, "POST", "/api/v1/venue/site-a/register", "application/json", body, addr); resp.StatusCode/100 != 4 {
			t.Errorf("garbage %.20q: %d %v", body, resp.StatusCode, out)
		}
	}
	for _, c := range []struct {
		path string
		want int
	}{{"/v/site-a", 200}, {"/v/nowhere", 404}, {"/v/..%2f", 404}, {"/api/v1/venue/nowhere", 404}} {
		resp, err := p.srv.Client().Do(mustReq(t, p.srv.URL+c.path, addr))
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != c.want {
			t.Errorf("GET %s: %d, want %d", c.path, resp.StatusCode, c.want)
		}
		if c.want == 200 && !strings.Contains(resp.Header.Get("Content-Security-Policy"), "img-src data:") {
			t.Errorf("GET %s: CSP %q", c.path, resp.Header.Get("Content-Security-Policy"))
		}
	}
	// The staff routes stay behind the login.
	if resp, _ := p.call(t, "POST", "/api/v1/sites/site-a/bookings", "application/json", `{}`, addr); resp.StatusCode != http.StatusUnauthorized {
		t.Errorf("staff booking without a login: %d", resp.StatusCode)
	}
}

func TestVenueQR(t *testing.T) {
	p := newPublicVenue(t, nil)
	_, out := p.register(t, "site-c", "198.51.100.7", reg{visitor: visitorA, consent: true})
	code := out["code"].(string)
	_, other, _ := ed25519.GenerateKey(nil)
	r, _ := wire.OpenVenueCode(code, p.pub)
	forged, err := wire.SignVenueCode(r, other)
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		name, code string
		want       int
	}{{"genuine", code, 200}, {"another centre's", forged, 400}, {"garbage", "KK1.R.x.y", 400}} {
		resp, out := p.call(t, "POST", "/api/v1/venue/qr", "application/json", fmt.Sprintf(`{"code":%q}`, c.code), "198.51.100.7")
		if resp.StatusCode != c.want || c.want == 200 && out["qr"] != nil && !strings.HasPrefix(out["qr"].(string), "data:image/png") {
			t.Errorf("%s: %d %v", c.name, resp.StatusCode, out)
		}
	}
}

func TestVenueWithoutSigningKey(t *testing.T) {
	p := newPublicVenue(t, func(v *VenueOptions) { v.Key = nil })
	resp, out := p.register(t, "site-c", "198.51.100.7", reg{visitor: visitorA, consent: true})
	if msg, _ := out["error"].(string); resp.StatusCode != http.StatusServiceUnavailable || !strings.Contains(msg, "signing key") {
		t.Fatalf("%d %v", resp.StatusCode, out)
	}
}

// FuzzVenueRegister: the decoder of the public registration never panics,
// and what it accepts survives a round trip.
func FuzzVenueRegister(f *testing.F) {
	for _, s := range []string{
		`{"challenge":"a.1.4.x.y","nonce":"7","consent":true,"visitor":{"name":"王芳","phone":"13900000001"}}`,
		`{"challenge":"c","nonce":"1","consent":true,"visitor":{"name":"x"},"slot":{"s":1,"e":2},"party":2}`,
		`{}`, `{`, `[]`, `{"visitor":{"arr":-1}}`, `{"party":1e99}`, `{"a":1}`, `{} {}`, "\x00",
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		req, err := decodeVenueRegister(body)
		if err != nil {
			return
		}
		js, err := json.Marshal(req)
		if err != nil {
			t.Fatal(err)
		}
		again, err := decodeVenueRegister(js)
		if err != nil {
			t.Fatalf("re-encoded %s does not decode: %v", js, err)
		}
		if !reflect.DeepEqual(again, req) {
			t.Fatalf("round trip %+v to %+v", req, again)
		}
	})
}
