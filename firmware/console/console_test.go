package console

import (
	"context"
	"errors"
	"fmt"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/kakou/kakou/drivers/sim"
	"github.com/kakou/kakou/firmware/credential"
	"github.com/kakou/kakou/firmware/ledger"
	"github.com/kakou/kakou/firmware/policy"
	"github.com/kakou/kakou/firmware/screening"
	"github.com/kakou/kakou/firmware/wire"
)

// brokenThermometer is the hardware edge: a sensor that has been unplugged.
type brokenThermometer struct{}

func (brokenThermometer) Measure(context.Context) (policy.Reading, error) {
	return policy.Reading{}, errors.New("thermometer fault: mlx90614: no sensor at 0x5A")
}

// lane is a real pipeline and ledger behind the console.
type lane struct {
	*screening.Pipeline
	*ledger.Ledger
}

func (lane) Devices() []wire.Device {
	return []wire.Device{{Name: "thermometer", Detail: "no sensor at 0x5A"}}
}
func (lane) UplinkConnected() bool { return false }

// newLane builds a console over a real pipeline whose thermometer is broken.
func newLane(t *testing.T) (*Console, lane) {
	t.Helper()
	return newLaneWith(t, brokenThermometer{})
}

// workingThermometer reads a normal forehead.
type workingThermometer struct{}

func (workingThermometer) Measure(context.Context) (policy.Reading, error) {
	return policy.Reading{Raw: policy.Celsius(36.1), Body: policy.Celsius(36.6)}, nil
}

func newWorkingLane(t *testing.T) (*Console, lane) {
	t.Helper()
	return newLaneWith(t, workingThermometer{})
}

func newLaneWith(t *testing.T, th screening.Thermometer) (*Console, lane) {
	t.Helper()
	return newLaneUnder(t, th, policy.Default)
}

func newLaneUnder(t testing.TB, th screening.Thermometer, pol func() policy.Policy) (*Console, lane) {
	t.Helper()
	led, err := ledger.Open(filepath.Join(t.TempDir(), "ledger.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { led.Close() })
	n := 0
	p, err := screening.New(th, sim.Must(nil), led, screening.Options{
		Site: "sunshine-garden", Unit: "north-gate", Lane: wire.LaneIn, Policy: pol,
		Credentials: &credential.Verifier{},
		Now:         func() (time.Time, bool) { return time.Now(), true },
		NewID:       func() string { n++; return fmt.Sprintf("id-%d", n) },
	})
	if err != nil {
		t.Fatal(err)
	}
	l := lane{p, led}
	c := New(l, Options{Site: "sunshine-garden", Unit: "north-gate", Lane: wire.LaneIn})
	c.SetRoster(testRoster(t, 1))
	return c, l
}

func post(t *testing.T, c *Console, body, origin string) *httptest.ResponseRecorder {
	t.Helper()
	h := c.Handler()
	r := httptest.NewRequest("POST", "http://unit.local/api/manual-temperature", strings.NewReader(body))
	asGuard(t, c, r)
	if origin != "" {
		r.Header.Set("Origin", origin)
	}
	w := httptest.NewRecorder()
	h.ServeHTTP(w, r)
	return w
}

func TestManualTemperatureRefusesBadRequests(t *testing.T) {
	c, l := newLane(t)
	if _, err := l.Screen(context.Background(), []byte("KAKOU1:PASS:R-1")); err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		name, body, origin string
		code               int
	}{
		{"not JSON", "36.6", "", 400},
		{"no temperature", `{"entry": "id-1"}`, "", 400},
		{"no entry", `{"temp_c": 36.6}`, "", 400},
		{"an entry never on screen", `{"entry": "id-9", "temp_c": 36.6}`, "", 409},
		{"another site's page", `{"entry": "id-1", "temp_c": 36.6}`, "http://evil.example", 403},
		{"not a body temperature", `{"entry": "id-1", "temp_c": 3.66}`, "", 400},
		{"accepted", `{"entry": "id-1", "temp_c": 36.6}`, "http://unit.local", 200},
		{"the same entry again", `{"entry": "id-1", "temp_c": 36.6}`, "http://unit.local", 409},
	}
	for _, tc := range cases {
		if w := post(t, c, tc.body, tc.origin); w.Code != tc.code || !strings.Contains(w.Body.String(), "{") {
			t.Errorf("%s: %d %s, want %d", tc.name, w.Code, w.Body, tc.code)
		}
	}
	logged, _ := l.Entries(context.Background(), 0, 10)
	if len(logged) != 2 || logged[1].Temperature == nil || logged[1].Temperature.Source != wire.SourceManual {
		t.Fatalf("want the scan and one manual re-screen in the ledger, got %+v", logged)
	}
}

func TestStateOffersAPreRegistrationToPrefillTheForm(t *testing.T) {
	c, l := newWorkingLane(t)
	code, err := credential.EncodeVisitor(credential.Visitor{Name: "李四", Phone: "13912345678", Destination: "5-1-202"})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := l.Screen(context.Background(), []byte(code)); err != nil {
		t.Fatal(err)
	}
	w := httptest.NewRecorder()
	c.Handler().ServeHTTP(w, httptest.NewRequest("GET", "/api/state", nil))
	if !strings.Contains(w.Body.String(), `"prefill":{"Name":"李四"`) || !strings.Contains(w.Body.String(), `"open":[{"entry":{"schema":1,"id":"id-1"`) || !strings.Contains(w.Body.String(), "5-1-202") {
		t.Fatalf("state: %s", w.Body)
	}
}
