package console

import (
	"encoding/json"
	"net/http"
	"strings"
	"testing"

	"github.com/kakou/kakou/firmware/policy"
	"github.com/kakou/kakou/firmware/screening"
	"github.com/kakou/kakou/firmware/wire"
)

const cameraToken = "camera-token-0123456789abcdef"

// newVehicleLane is a vehicle lane under closed management whose
// console takes a camera's posts with cameraToken.
func newVehicleLane(t testing.TB) (*Console, lane) {
	t.Helper()
	closed, err := policy.Load("../../configs/policies/community-closed.toml")
	if err != nil {
		t.Fatal(err)
	}
	c, l := newLaneUnder(t, workingThermometer{}, func() policy.Policy { return closed })
	v := New(l, Options{Site: "sunshine-garden", Unit: "north-gate", Lane: wire.LaneIn,
		Vehicles: l.Pipeline, ANPRToken: cameraToken, ANPRMinConfidence: 60})
	v.SetRoster(testRoster(t, 1))
	_ = c
	return v, l
}

func vehicleOf(t *testing.T, w interface{ Result() *http.Response }) *screening.VehicleView {
	t.Helper()
	var out vehicleJSON
	if err := json.NewDecoder(w.Result().Body).Decode(&out); err != nil {
		t.Fatal(err)
	}
	return out.Vehicle
}

func cameraPost(body, token string) *http.Request {
	r := request("POST", "/api/anpr", body, nil, "")
	if token != "" {
		r.Header.Set("Authorization", "Bearer "+token)
	}
	return r
}

func TestACameraWithTheDeviceTokenPutsTheVehicleOnScreen(t *testing.T) {
	c, _ := newVehicleLane(t)
	w := serve(c, cameraPost(`{"plate": "粤B·12345", "colour": "blue", "confidence": 93}`, cameraToken))
	if w.Code != http.StatusOK {
		t.Fatalf("camera post: %d %s", w.Code, w.Body)
	}
	w = serve(c, request("GET", "/api/vehicle", "", nil, ""))
	v := vehicleOf(t, w)
	if v == nil || v.Plate != "粤B12345" || v.Source != wire.PlateByANPR || v.Colour != "blue" || v.Closed {
		t.Fatalf("vehicle on screen: %+v", v)
	}
}

func TestACameraWithoutTheTokenIsRefusedAndChangesNothing(t *testing.T) {
	c, l := newVehicleLane(t)
	for name, token := range map[string]string{"no token": "", "a wrong token": "guess", "a prefix": cameraToken[:10]} {
		w := serve(c, cameraPost(`{"plate": "粤B12345"}`, token))
		var body refusal
		json.Unmarshal(w.Body.Bytes(), &body)
		if w.Code != http.StatusUnauthorized || body.Error == "" || body.EN == "" {
			t.Errorf("%s: %d %s, want 401 in both languages", name, w.Code, w.Body)
		}
	}
	// A guard's session is no camera's token, and a page elsewhere
	// cannot post as the camera.
	_, wang := signIn(t, c.Handler(), "wang", "2468", "192.0.2.1")
	if w := serve(c, request("POST", "/api/anpr", `{"plate": "粤B12345"}`, &wang, "http://unit.local")); w.Code != http.StatusUnauthorized {
		t.Errorf("a guard's session posted as the camera: %d", w.Code)
	}
	r := cameraPost(`{"plate": "粤B12345"}`, cameraToken)
	r.Header.Set("Origin", "http://evil.example")
	if w := serve(c, r); w.Code != http.StatusForbidden {
		t.Errorf("another page posted as the camera: %d", w.Code)
	}
	if l.Vehicle() != nil {
		t.Fatal("a refused post put a vehicle on screen")
	}
}

func TestACameraPostIsHeldToThePlateRulesAndItsSize(t *testing.T) {
	c, l := newVehicleLane(t)
	for name, c2 := range map[string]struct {
		body string
		code int
	}{
		"not a plate":       {`{"plate": "ABC123"}`, http.StatusBadRequest},
		"not JSON":          {`PLATE,粤B12345,blue,90`, http.StatusBadRequest},
		"confidence 101":    {`{"plate": "粤B12345", "confidence": 101}`, http.StatusBadRequest},
		"a huge request":    {`{"plate": "` + strings.Repeat("粤", 2000) + `"}`, http.StatusRequestEntityTooLarge},
		"doubtful read":     {`{"plate": "粤B12345", "confidence": 20}`, http.StatusAccepted},
		"an unknown colour": {`{"plate": "粤B12345", "colour": "9999-12-31"}`, http.StatusOK},
	} {
		w := serve(c, cameraPost(c2.body, cameraToken))
		if w.Code != c2.code {
			t.Errorf("%s: %d %s, want %d", name, w.Code, w.Body, c2.code)
		}
	}
	if v := l.Vehicle(); v == nil || v.Colour != "" {
		t.Fatalf("an unknown colour was kept: %+v", v)
	}
}

func TestTheGuardTypesThePlateAndLetsTheVehicleThrough(t *testing.T) {
	c, l := newVehicleLane(t)
	if w := serve(c, request("POST", "/api/vehicle/plate", `{"plate": "粤B12345"}`, nil, "")); w.Code != http.StatusUnauthorized {
		t.Fatalf("a plate without a guard: %d", w.Code)
	}
	_, wang := signIn(t, c.Handler(), "wang", "2468", "192.0.2.1")
	w := serve(c, request("POST", "/api/vehicle/plate", `{"plate": "粤b 12345"}`, &wang, "http://unit.local"))
	if w.Code != http.StatusOK {
		t.Fatalf("typed plate: %d %s", w.Code, w.Body)
	}
	if v := vehicleOf(t, w); v.Plate != "粤B12345" || v.Source != wire.PlateByGuard {
		t.Fatalf("vehicle: %+v", v)
	}
	w = serve(c, request("POST", "/api/vehicle/plate", `{"plate": "粤B1234"}`, &wang, "http://unit.local"))
	var body refusal
	json.Unmarshal(w.Body.Bytes(), &body)
	if w.Code != http.StatusBadRequest || !strings.Contains(body.Error, "车牌") || !strings.Contains(body.EN, "province") {
		t.Fatalf("a short plate: %d %s", w.Code, w.Body)
	}
	w = serve(c, request("POST", "/api/vehicle/close", `{}`, &wang, "http://unit.local"))
	v := vehicleOf(t, w)
	if w.Code != http.StatusOK || !v.Closed || v.Record == nil || v.Record.Guard != "wang" {
		t.Fatalf("close: %d %+v", w.Code, v)
	}
	if w := serve(c, request("POST", "/api/vehicle/close", `{}`, &wang, "http://unit.local")); w.Code != http.StatusConflict {
		t.Fatalf("closing again: %d", w.Code)
	}
	if es, _ := l.Entries(t.Context(), 0, 10); len(es) != 1 || !es[0].IsRecord() || es[0].Record.Kind != wire.RecordVehicle {
		t.Fatalf("ledger: %+v", es)
	}
}

func TestALaneForPeopleHasNoVehicleRoutes(t *testing.T) {
	c, _ := newLane(t)
	for _, r := range []*http.Request{request("GET", "/api/vehicle", "", nil, ""), cameraPost(`{"plate": "粤B12345"}`, cameraToken)} {
		if w := serve(c, r); w.Code != http.StatusNotFound && w.Code != http.StatusUnauthorized {
			t.Errorf("%s %s on a lane for people: %d", r.Method, r.URL.Path, w.Code)
		}
	}
}
