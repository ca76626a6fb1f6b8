package e2e

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/json"
	"fmt"
	"io"
	"math/bits"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/kakou/kakou/drivers/qrscan"
	"github.com/kakou/kakou/firmware/wire"
	"github.com/kakou/kakou/internal/testenv"
)

// TestABookingMadeOnAPhoneAdmitsAtAGateWhoseUplinkIsCut: central
// monitoring puts a clinic under appointments; its unit takes the signed
// policy and then loses its uplink. While it is cut off, two visitors
// register and book on the collector's public page, each proving the
// work a phone does. At the cut-off gate the booking due now is admitted
// once with the visitor's registration and nobody typing, its second
// scan refused as used, and the booking for later refused with its
// window in Chinese. Once the uplink is back, the centre's day view shows
// the first booking arrived and the other not.
func TestABookingMadeOnAPhoneAdmitsAtAGateWhoseUplinkIsCut(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 4*time.Minute)
	defer cancel()
	keys := newRosterKeys(t)
	policies := appointmentProfiles(t)
	c := startCollector(t, ctx, fmt.Sprintf("policies_dir = %q\n", policies)+
		"[broker]\nembedded = true\nlisten = \"127.0.0.1:0\"\n"+
		fmt.Sprintf("[policy]\nsigning_key_file = %q\n", keys.signing)+
		"[venue]\npublic_url = \"https://kakou.example.cn\"\npow_bits = 8\n[[venue.sites]]\nid = \"sg-clinic\"\n"+
		"[[sites]]\nid = \"sg-clinic\"\nname = \"社区卫生服务中心\"\nfacility = \"clinic\"\n")

	data := filepath.Join(t.TempDir(), "data")
	_, stop := bootVenueUnit(t, ctx, data, c.BrokerURL(), keys)
	testenv.Await(t, "the unit known at the centre", patience, func() bool { return unitPolicy(t, c.HTTPURL(), "gate-1") != nil })
	assign(t, c.HTTPURL(), "sg-clinic", "clinic-now")
	testenv.Await(t, "the unit runs the appointments policy", patience, func() bool {
		p := unitPolicy(t, c.HTTPURL(), "gate-1")
		return p != nil && p.PolicyVersion == "clinic-now-1"
	})
	stop()

	// The uplink is cut: nothing answers where the broker was.
	offline, stop := bootVenueUnit(t, ctx, data, "tcp://127.0.0.1:1", keys)
	info := venueInfo(t, c.HTTPURL(), "sg-clinic")
	if len(info.Slots) < 30 {
		t.Fatalf("the page offers %d slots, want the rest of the day's 5-minute slots", len(info.Slots))
	}
	now, later := info.Slots[0], info.Slots[len(info.Slots)-1]
	due := registerOnPhone(t, c.HTTPURL(), "sg-clinic", "13800138001", &now)
	early := registerOnPhone(t, c.HTTPURL(), "sg-clinic", "13800138002", &later)

	scanned := time.Now()
	scan(t, offline, due.Code, early.Code)
	admitted := awaitEntry(t, ctx, offline.Unit, func(e wire.Entry) bool { return e.Credential.Subject == due.ID })
	if admitted.Decision != wire.Allow || admitted.Credential.Kind != wire.CredentialVenue || admitted.Visitor == nil ||
		!strings.HasPrefix(admitted.Visitor.Name, "王") {
		t.Fatalf("the booking due now: %s %s visitor %+v reasons %+v, want admitted with its registration",
			admitted.Decision, admitted.Credential.Kind, admitted.Visitor, admitted.Reasons)
	}
	// A scanner reads a code held up to it once however long it is held
	// (the scanner framing's de-duplication): the second showing comes later.
	time.Sleep(time.Until(scanned.Add(qrscan.DefaultOpts.DedupWindow + time.Second)))
	scan(t, offline, due.Code)
	used := awaitEntry(t, ctx, offline.Unit, func(e wire.Entry) bool {
		return e.Credential.Subject == due.ID && e.Seq > admitted.Seq
	})
	if used.Decision == wire.Allow || !hasReason(used, "appointment_used") {
		t.Fatalf("the same booking scanned again: %s %+v, want refused as used", used.Decision, used.Reasons)
	}
	refused := awaitEntry(t, ctx, offline.Unit, func(e wire.Entry) bool { return e.Credential.Subject == early.ID })
	if refused.Decision == wire.Allow || !hasReason(refused, "appointment_early") || !hasReasonText(refused, "您预约的是") {
		t.Fatalf("the booking for later: %s %+v, want refused with its window", refused.Decision, refused.Reasons)
	}
	stop()

	bootVenueUnit(t, ctx, data, c.BrokerURL(), keys)
	day := time.Unix(now.S, 0).In(time.FixedZone("+08:00", 8*3600)).Format(time.DateOnly)
	testenv.Await(t, "the arrival in the manager's day view", patience, func() bool {
		v := dayView(t, c.HTTPURL(), "sg-clinic", day)
		return v.arrived(due.ID) && !v.arrived(early.ID)
	})
}

// appointmentProfiles is a policies folder holding clinic-now: the
// shipped clinic-appointments profile with 5-minute slots all day and
// half an hour's grace, so a slot is always due within the test.
func appointmentProfiles(t *testing.T) string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(testenv.RepoRoot(t), "configs", "policies", "clinic-appointments.toml"))
	if err != nil {
		t.Fatal(err)
	}
	doc := string(b)
	for _, r := range [][2]string{
		{`slot_minutes = 30`, `slot_minutes = 5`},
		{`hours = ["08:00-12:00", "14:00-17:30"]`, `hours = ["00:00-24:00"]`},
		{`early_minutes = 15`, `early_minutes = 30`},
		{`days_ahead = 7`, `days_ahead = 1`},
	} {
		if !strings.Contains(doc, r[0]) {
			t.Fatalf("clinic-appointments.toml no longer has %q; update this test", r[0])
		}
		doc = strings.Replace(doc, r[0], r[1], 1)
	}
	doc = regexpVersion(t, doc, "clinic-now-1")
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "clinic-now.toml"), []byte(doc), 0o600); err != nil {
		t.Fatal(err)
	}
	return dir
}

func regexpVersion(t *testing.T, doc, version string) string {
	t.Helper()
	lines := strings.Split(doc, "\n")
	for i, l := range lines {
		if strings.HasPrefix(l, "version = ") {
			lines[i] = fmt.Sprintf("version = %q", version)
			return strings.Join(lines, "\n")
		}
	}
	t.Fatal("the profile has no version line")
	return ""
}

func assign(t *testing.T, base, site, profile string) {
	t.Helper()
	body, _ := json.Marshal(map[string]string{"scope": "site", "target": site, "profile": profile, "by": "卫健局"})
	resp, err := http.Post(base+"/api/v1/policies/assign", "application/json", bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if b, _ := io.ReadAll(resp.Body); resp.StatusCode != http.StatusOK {
		t.Fatalf("assign: %s %s", resp.Status, b)
	}
}

// bootVenueUnit is gate-1 of sg-clinic on its own scanner pty, verifying
// pushed policies and registration codes with the centre's key.
func bootVenueUnit(t *testing.T, ctx context.Context, data, broker string, keys rosterKeys) (*bootedUnit, func()) {
	t.Helper()
	return bootSerialUnit(t, ctx, "sg-clinic", data, broker, fmt.Sprintf("[policy]\nverify_keys = [%q]\n", keys.verify))
}

type venueSlot struct {
	S     int64  `json:"s"`
	E     int64  `json:"e"`
	Label string `json:"label"`
	Free  int    `json:"free"`
}

type venueInfoView struct {
	Slots []venueSlot `json:"slots"`
	Pow   struct {
		Challenge string `json:"challenge"`
		Bits      int    `json:"bits"`
	} `json:"pow"`
}

func venueInfo(t *testing.T, base, site string) venueInfoView {
	t.Helper()
	var v venueInfoView
	getJSON(t, base+"/api/v1/venue/"+site, &v)
	return v
}

type registered struct {
	ID     string `json:"id"`
	Number string `json:"number"`
	Code   string `json:"code"`
}

// registerOnPhone does what the page does: takes a challenge, finds the
// nonce its proof of work asks for, and registers with a booking.
func registerOnPhone(t *testing.T, base, site, phone string, slot *venueSlot) registered {
	t.Helper()
	pow := venueInfo(t, base, site).Pow
	nonce := 0
	for ; leadingZeroBits(sha256.Sum256([]byte(pow.Challenge+":"+strconv.Itoa(nonce)))) < pow.Bits; nonce++ {
	}
	body, _ := json.Marshal(map[string]any{"challenge": pow.Challenge, "nonce": strconv.Itoa(nonce), "consent": true,
		"visitor": wire.VenueVisitor{Name: "王" + phone[len(phone)-2:], Phone: phone, Reason: "复诊"},
		"slot":    wire.VenueSlot{Start: slot.S, End: slot.E}, "party": 1})
	resp, err := http.Post(base+"/api/v1/venue/"+site+"/register", "application/json", bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != http.StatusCreated {
		t.Fatalf("register %s for %s: %s %s", phone, slot.Label, resp.Status, b)
	}
	var r registered
	if err := json.Unmarshal(b, &r); err != nil || !wire.IsVenueCode(r.Code) || len(r.Number) != 6 {
		t.Fatalf("register answered %s (%v)", b, err)
	}
	return r
}

func leadingZeroBits(sum [32]byte) int {
	n := 0
	for _, b := range sum {
		if b != 0 {
			return n + bits.LeadingZeros8(b)
		}
		n += 8
	}
	return n
}

// scan writes each code to the unit's scanner, as a USB scanner would.
func scan(t *testing.T, u *bootedUnit, codes ...string) {
	t.Helper()
	w, err := os.OpenFile(u.scanner, os.O_WRONLY, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer w.Close()
	for _, code := range codes {
		fmt.Fprintf(w, "%s\r\n", code)
	}
}

type dayViewBody struct {
	Bookings []struct {
		ID        string `json:"id"`
		ArrivedAt string `json:"arrived_at"`
	} `json:"bookings"`
}

func (v dayViewBody) arrived(id string) bool {
	for _, b := range v.Bookings {
		if b.ID == id {
			return b.ArrivedAt != ""
		}
	}
	return false
}

func dayView(t *testing.T, base, site, day string) dayViewBody {
	t.Helper()
	var v dayViewBody
	getJSON(t, base+"/api/v1/sites/"+site+"/appointments?day="+day, &v)
	return v
}
