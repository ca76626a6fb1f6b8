package e2e

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/kakou/kakou/cloud/collector"
	"github.com/kakou/kakou/drivers/anpr"
	"github.com/kakou/kakou/firmware/credential"
	"github.com/kakou/kakou/firmware/unit"
	"github.com/kakou/kakou/firmware/wire"
	"github.com/kakou/kakou/internal/testenv"
)

const cameraToken = "e2e-camera-token-0123456789"

// TestVehiclesAtAClosedGateReachTheCentre runs a community's vehicle lane
// under closed management as on a Pi: the number-plate camera and the QR
// scanner each on a serial line (socat pseudo-terminals), a second camera
// posting plates to the console over HTTP, and the guard at the console.
//
// The uplink is down when an outside car arrives: the camera reads its
// plate, its driver shows a code that is no pass, and the car is
// persuaded to return (劝返) there and then, driver and vehicle alike. The
// collector comes up; a supply vehicle's plate is posted by the other
// camera, its driver shows a supply pass and stays in the cab, and the
// guard lets it through. The centre holds both vehicles with their
// occupants, counts each vehicle once by outcome and each person once as
// a person, and a re-send of the whole ledger changes nothing.
func TestVehiclesAtAClosedGateReachTheCentre(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	camera, cameraPort := ptyPair(t, "camera")
	scanner, scannerPort := ptyPair(t, "scanner")
	pub, priv := credential.GenerateIssuer()
	supplyPass, err := credential.IssuePass(priv, credential.PassClaims{Issuer: "commerce-bureau", ID: "S-0007",
		Role: credential.RoleSupplyVehicle, Expires: time.Now().Add(24 * time.Hour).Unix()})
	if err != nil {
		t.Fatal(err)
	}
	addr := freePort(t) // the collector's broker, not started yet
	unitCtx, stopUnit := context.WithCancel(ctx)
	defer stopUnit()
	u := runUnit(t, unitCtx, "north-vehicle", func(dir string) string {
		return vehicleLaneConfig(dir, "tcp://"+addr, cameraPort, scannerPort, credential.FormatPublicKey(pub))
	})
	console := u.ConsoleHandler()

	// An outside car, offline.
	send(t, camera, "\x00\xffCAMERA READY\r\n"+string(anpr.Frame("沪A·12345", "blue", 96)))
	testenv.Await(t, "the camera's plate at the lane", patience, func() bool {
		v := u.Vehicle()
		return v != nil && v.Plate == "沪A12345"
	})
	send(t, scanner, "https://example.com/not-a-pass\r\n")
	testenv.Await(t, "the outside car turned back", patience, func() bool {
		v := u.Vehicle()
		return v != nil && v.Closed
	})
	if v := u.Vehicle(); v.Decision != wire.PersuadeReturn || v.Kind != wire.VehicleOutside || len(v.Occupants) != 1 ||
		v.Occupants[0].Decision != wire.PersuadeReturn || v.Source != wire.PlateByANPR {
		t.Fatalf("outside car at the lane: %+v", v)
	}
	if u.UplinkConnected() {
		t.Fatal("the uplink is connected to a broker that is not running")
	}

	c := startCollector(t, ctx, fmt.Sprintf("[broker]\nembedded = true\nlisten = %q\n", addr))

	// A supply vehicle, online: the other camera posts, the guard lets it through.
	postConsole(t, console, "/api/anpr", `{"plate": "粤B54321", "colour": "yellow", "confidence": 91}`,
		map[string]string{"Authorization": "Bearer " + cameraToken})
	send(t, scanner, supplyPass+"\r\n")
	testenv.Await(t, "the supply driver screened", patience, func() bool {
		v := u.Vehicle()
		return v != nil && v.Plate == "粤B54321" && len(v.Occupants) == 1
	})
	driver := u.Vehicle().Occupants[0]
	if driver.Decision != wire.Allow || driver.Vehicle.Kind != wire.VehicleSupply || !hasCode(driver.Reasons, "supply_driver_in_cab") {
		t.Fatalf("supply driver: %s %+v %v", driver.Decision, driver.Vehicle, driver.Reasons)
	}
	guard := signInAt(t, console, "wang", "2468")
	postConsole(t, console, "/api/vehicle/close", `{}`, guard)
	if v := u.Vehicle(); !v.Closed || v.Decision != wire.Allow || v.Record.Guard != "wang" {
		t.Fatalf("supply vehicle let through: %+v", v)
	}

	testenv.Await(t, "the ledger drained", patience, func() bool {
		n, _, err := u.Ledger().Backlog(ctx)
		return err == nil && n == 0
	})
	checkCentreVehicles(t, c)
	resendAll(t, ctx, c, c.BrokerURL(), u)
	checkCentreVehicles(t, c)
	assertLedgerAtTheCentre(t, ctx, u, c)
}

// assertLedgerAtTheCentre checks that each person and each vehicle the
// lane's ledger holds is at the centre once, at its seq; a vehicle's
// record by its id in the vehicles view.
func assertLedgerAtTheCentre(t *testing.T, ctx context.Context, u *unit.Unit, c *collector.Collector) {
	t.Helper()
	logged, err := u.Ledger().Entries(ctx, 0, 20)
	if err != nil {
		t.Fatal(err)
	}
	seen := map[string]uint64{}
	for _, e := range cloudEntries(t, c, "garden", "north-vehicle") {
		seen[e.ID] = e.Seq
	}
	var got struct {
		Vehicles []struct {
			EntryID string `json:"entry_id"`
		}
	}
	getJSON(t, c.HTTPURL()+"/api/v1/vehicles?site=garden", &got)
	records := map[string]bool{}
	for _, v := range got.Vehicles {
		records[v.EntryID] = true
	}
	people, vehicles := 0, 0
	for _, e := range logged {
		switch {
		case e.Record != nil && e.Record.Kind == wire.RecordVehicle:
			vehicles++
			if !records[e.ID] {
				t.Fatalf("the vehicle record %s (seq %d) is not at the centre", e.ID, e.Seq)
			}
		case e.Record == nil:
			people++
			if seen[e.ID] != e.Seq {
				t.Fatalf("ledger entry %s (seq %d) is not at the centre at its seq: %v", e.ID, e.Seq, seen)
			}
		}
	}
	if people != 2 || vehicles != 2 || len(seen) != 2 {
		t.Fatalf("ledger holds %d people and %d vehicles, the centre's feed %d people; want 2, 2, 2", people, vehicles, len(seen))
	}
}

// checkCentreVehicles holds the centre to the two vehicles, each once.
func checkCentreVehicles(t *testing.T, c *collector.Collector) {
	t.Helper()
	var got struct {
		Vehicles []struct {
			Plate, Decision, Kind, Unit, Guard string
			Occupants                          []struct{ Role, Decision string }
		}
	}
	getJSON(t, c.HTTPURL()+"/api/v1/vehicles?site=garden", &got)
	var seen []string
	for _, v := range got.Vehicles {
		seen = append(seen, fmt.Sprintf("%s %s %s %d", v.Plate, v.Kind, v.Decision, len(v.Occupants)))
	}
	if want := "沪A12345 outside persuade_return 1|粤B54321 supply allow 1"; strings.Join(seen, "|") != want {
		t.Fatalf("the centre's vehicles: %q, want %q", strings.Join(seen, "|"), want)
	}
	if g := got.Vehicles[1]; g.Guard != "wang" || g.Occupants[0].Role != "driver" || g.Occupants[0].Decision != "allow" {
		t.Fatalf("supply vehicle at the centre: %+v", g)
	}
	var roll struct {
		Rows []struct {
			Counts map[string]int `json:"counts"`
		} `json:"rows"`
	}
	since, until := time.Now().Add(-24*time.Hour).UTC(), time.Now().Add(24*time.Hour).UTC()
	getJSON(t, c.HTTPURL()+"/api/v1/rollups?by=site&site=garden&metrics=total,in,vehicle:allow,vehicle:persuade_return,decision:persuade_return&since="+
		url.QueryEscape(since.Format(time.RFC3339))+"&until="+url.QueryEscape(until.Format(time.RFC3339)), &roll)
	sum := map[string]int{}
	for _, r := range roll.Rows {
		for k, n := range r.Counts {
			sum[k] += n
		}
	}
	if sum["total"] != 2 || sum["in"] != 1 || sum["decision:persuade_return"] != 1 ||
		sum["vehicle:allow"] != 1 || sum["vehicle:persuade_return"] != 1 {
		t.Fatalf("the centre's counts %v: want two people (one in, one turned back) and one vehicle of each outcome", sum)
	}
	for _, f := range fleet(t, c) {
		if f.ID == "north-vehicle" && f.EntriesToday != 2 {
			t.Fatalf("entries today %d: a vehicle is no person, its occupants are", f.EntriesToday)
		}
	}
}

func vehicleLaneConfig(dir, broker, camera, scanner, issuer string) string {
	guards, _ := filepath.Abs("../configs/guards-demo.toml")
	policy, _ := filepath.Abs("../configs/policies/community-closed.toml")
	return fmt.Sprintf(`site = "garden"
unit = "north-vehicle"
lane = "in"
lane_kind = "vehicle"
data_dir = %q
trust_clock = true
[console]
listen = "off"
guards_file = %q
[anpr]
driver = "serial"
port = %q
token = %q
[mqtt]
broker = %q
[policy]
path = %q
[scanner]
driver = "serial"
port = %q
terminator = "crlf"
[credentials]
issuers = { commerce-bureau = %q }
[simulator]
fever_ratio = 0.0
`, filepath.Join(dir, "data"), guards, camera, cameraToken, broker, policy, scanner, issuer)
}

// ptyPair is a serial cable made by socat: the test writes as the device
// into the file returned, and the unit opens the port named.
func ptyPair(t *testing.T, name string) (*os.File, string) {
	t.Helper()
	socat := testenv.Need(t, "socat")
	dir := t.TempDir()
	dev, port := filepath.Join(dir, name), filepath.Join(dir, name+"-unit")
	cmd := exec.Command(socat, "pty,raw,echo=0,link="+dev, "pty,raw,echo=0,link="+port)
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cmd.Process.Signal(syscall.SIGTERM); cmd.Wait() })
	testenv.Await(t, "socat links "+name, patience, func() bool {
		_, e1 := os.Stat(dev)
		_, e2 := os.Stat(port)
		return e1 == nil && e2 == nil
	})
	f, err := os.OpenFile(dev, os.O_WRONLY|syscall.O_NOCTTY, 0)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { f.Close() })
	return f, port
}

func send(t *testing.T, f *os.File, s string) {
	t.Helper()
	if _, err := f.WriteString(s); err != nil {
		t.Fatal(err)
	}
}

// postConsole sends a change to the unit's console in-process, with headers h,
// and fails the test unless it is answered 200.
func postConsole(t *testing.T, h http.Handler, path, body string, headers map[string]string) {
	t.Helper()
	r := httptest.NewRequest("POST", "http://unit.local"+path, strings.NewReader(body))
	for k, v := range headers {
		r.Header.Set(k, v)
	}
	w := httptest.NewRecorder()
	h.ServeHTTP(w, r)
	if w.Code != http.StatusOK {
		t.Fatalf("POST %s: %d %s", path, w.Code, w.Body)
	}
}

// signInAt signs guard in at the console and returns the headers a
// change from its page carries.
func signInAt(t *testing.T, h http.Handler, guard, pin string) map[string]string {
	t.Helper()
	r := httptest.NewRequest("POST", "http://unit.local/api/sign-in", strings.NewReader(`{"guard": "`+guard+`", "pin": "`+pin+`"}`))
	r.Header.Set("Origin", "http://unit.local")
	w := httptest.NewRecorder()
	h.ServeHTTP(w, r)
	var body struct{ CSRF string }
	json.Unmarshal(w.Body.Bytes(), &body)
	cookies := w.Result().Cookies()
	if w.Code != http.StatusOK || len(cookies) == 0 || body.CSRF == "" {
		t.Fatalf("sign-in: %d %s", w.Code, w.Body)
	}
	return map[string]string{"Origin": "http://unit.local", "X-CSRF-Token": body.CSRF,
		"Cookie": cookies[0].Name + "=" + cookies[0].Value}
}

func hasCode(rs []wire.Reason, code string) bool {
	for _, r := range rs {
		if r.Code == code {
			return true
		}
	}
	return false
}
