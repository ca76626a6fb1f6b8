package unit

import (
	"context"
	"encoding/json"
	"log/slog"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/kakou/kakou/drivers/idcard"
	"github.com/kakou/kakou/firmware/clock"
	"github.com/kakou/kakou/firmware/credential"
	"github.com/kakou/kakou/firmware/credential/provincialsim"
	"github.com/kakou/kakou/firmware/wire"
	"github.com/kakou/kakou/internal/testenv"
)

// provincialSection is the demo's route and verifier for a simulated
// provincial service at url.
func provincialSection(url string, extra string) string {
	return `
[[credentials.health.routes]]
url_host = "jkm.example.gov.cn"
url_path = "/hc"
verifier = "gd-jkm"

[[credentials.health.routes]]
regex = "^[0-9A-Z]{32}$"
verifier = "gd-bare"

[[credentials.health.verifiers]]
name = "gd-jkm"
kind = "online"
url = "` + url + provincialsim.Path + `"
token_field = "qrToken"
token_from = "url_query:t"
id_field = "idCard"
headers = { X-App-Key = "` + provincialsim.DemoAppKey + `" }
status_field = "data.color"
status_map = { "0" = "green", "1" = "yellow", "2" = "red", "9" = "expired", "-1" = "not_found" }
nat_field = "data.hsjc.sampleTime"
travel_field = "data.xck"
timeout = "2s"
cache_ttl = "60s"
breaker_failures = 2
breaker_cooldown = "1h"
` + extra + `
[[credentials.health.verifiers]]
name = "gd-bare"
kind = "online"
url = "` + url + provincialsim.Path + `"
token_field = "qrToken"
headers = { X-App-Key = "` + provincialsim.DemoAppKey + `" }
status_field = "data.color"
status_map = { "0" = "green", "1" = "yellow", "2" = "red", "9" = "expired", "-1" = "not_found" }
`
}

func loadVerifier(t *testing.T, body string) *credential.Verifier {
	t.Helper()
	c, err := LoadConfig(writeConfig(t, body))
	if err != nil {
		t.Fatal(err)
	}
	v, err := buildVerifier(c, clock.Clock{Trusted: true})
	if err != nil {
		t.Fatal(err)
	}
	return v
}

func TestConfiguredRoutesSendProvincialCodesToTheirService(t *testing.T) {
	sim := provincialsim.Demo(time.Now())
	srv := httptest.NewServer(sim)
	t.Cleanup(srv.Close)
	v := loadVerifier(t, minimal+provincialSection(srv.URL, ""))
	for code, want := range map[string]struct {
		status   credential.Status
		verifier string
	}{
		provincialsim.DemoCodeURL + provincialsim.DemoRed:                     {credential.StatusRed, "gd-jkm"},
		provincialsim.DemoYellow:                                              {credential.StatusYellow, "gd-bare"},
		"https://jkm.example.gov.cn.evil.com/hc?t=" + provincialsim.DemoGreen: {credential.StatusUnrecognised, ""},
	} {
		got := v.Check(context.Background(), []byte(code))
		if got.Status != want.status || got.Wire.Verifier != want.verifier {
			t.Errorf("%s: %s by %q, want %s by %q", code, got.Status, got.Wire.Verifier, want.status, want.verifier)
		}
	}
	lookup, ok := v.Health.(credential.IDLookup)
	if !ok {
		t.Fatal("the unit's health verifier does not answer by ID number")
	}
	if got, _ := lookup.LookupID(context.Background(), provincialsim.DemoIDRed); got.Status != credential.StatusRed || got.Wire.Verifier != "gd-jkm" {
		t.Errorf("by ID number: %s by %q, want red by gd-jkm (the verifier with id_field)", got.Status, got.Wire.Verifier)
	}
}

func TestTodaysHealthKeysStillRouteKK1Codes(t *testing.T) {
	v := loadVerifier(t, minimal+"[credentials]\nhealth_url = \"http://127.0.0.1:1/check\"\nhealth_timeout = \"200ms\"\n")
	got := v.Check(context.Background(), []byte("KK1.HQ.abc"))
	if got.Wire.Kind != wire.CredentialHealthCode || got.Wire.Verifier != "online" || got.Status != credential.StatusVerifyFailed {
		t.Errorf("KK1.HQ. with health_url: %+v, want the built-in online verifier", got.Wire)
	}
	got = v.Check(context.Background(), []byte("KK1.H.abc.def"))
	if got.Wire.Kind != wire.CredentialHealthCode || got.Wire.Verifier != "offline" {
		t.Errorf("KK1.H.: %+v, want the built-in offline verifier", got.Wire)
	}
}

func TestHealthRouteConfigNamesEveryProblem(t *testing.T) {
	body := minimal + `
[[credentials.health.routes]]
verifier = "gd-jkm"
[[credentials.health.routes]]
prefix = "A"
regex = "^B"
verifier = "gd-jkm"
[[credentials.health.routes]]
regex = "^[0-9"
verifier = "gd-jkm"
[[credentials.health.routes]]
prefix = "X"
verifier = "nobody"
[[credentials.health.verifiers]]
name = "gd-jkm"
kind = "online"
url = "http://127.0.0.1:1/q"
token_field = "t"
status_field = "data.color"
status_map = { "0" = "gren" }
timeout = "5s"
[[credentials.health.verifiers]]
name = "gd-jkm"
kind = "onlin"
[[credentials.health.verifiers]]
name = "online"
kind = "offline"
url = "http://x"
`
	_, err := LoadConfig(writeConfig(t, body))
	if err == nil {
		t.Fatal("bad routes accepted")
	}
	for _, want := range []string{
		"credentials.health.routes[0]: no pattern",
		"credentials.health.routes[1]: more than one pattern",
		"credentials.health.routes[2]: regex",
		`credentials.health.routes[3].verifier: "nobody" is not a verifier here`,
		`credentials.health.verifiers[0].status_map: "0" = "gren"`,
		"credentials.health.verifiers[0].timeout: 5s: at most 2s",
		`credentials.health.verifiers[1].name: "gd-jkm" is named twice`,
		`credentials.health.verifiers[1].kind: "onlin"`,
		`credentials.health.verifiers[2].name: "online" is built in`,
		`credentials.health.verifiers[2].url: only for kind = "online"`,
	} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error does not say %q:\n%v", want, err)
		}
	}
}

// A route of kind dcc sends the codes it matches to the unit's own HC1
// verifier, built after the router once the policy is known.
func TestADCCRouteReachesTheUnitsHC1Verifier(t *testing.T) {
	c := minimalConfig(t, "[[credentials.health.routes]]\nprefix = \"HC1:\"\nverifier = \"eu-dcc\"\n[[credentials.health.verifiers]]\nname = \"eu-dcc\"\nkind = \"dcc\"\n")
	u, err := New(c, slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { u.Close() })
	var suiteCase struct{ PREFIX string }
	b, err := os.ReadFile(filepath.Join(testenv.RepoRoot(t), "testdata/dgc-testdata/common/2DCode/raw/B1.json"))
	if err != nil || json.Unmarshal(b, &suiteCase) != nil || suiteCase.PREFIX == "" {
		t.Fatalf("the suite's first case: %v", err)
	}
	code := []byte(suiteCase.PREFIX)
	v := u.rules.verifier
	p, _ := v.Health.Verify(context.Background(), code)
	if p.Verifier != "eu-dcc" || p.Detail == "no verifier" || p.Detail == "no HC1 verifier" {
		t.Fatalf("routed to %q: %s %q, want the dcc verifier named eu-dcc to have judged it", p.Verifier, p.Status, p.Detail)
	}
}

func TestHealthServiceDeviceFaultsWhileTheBreakerIsOpen(t *testing.T) {
	sim := provincialsim.Demo(time.Now())
	srv := httptest.NewServer(sim)
	t.Cleanup(srv.Close)
	v := loadVerifier(t, minimal+provincialSection(srv.URL, ""))
	dev := healthServiceDevice(v)
	if dev == nil || !dev().OK || dev().Name != "health_service" {
		t.Fatalf("service up: %+v, want an OK health_service device", dev())
	}
	sim.SetMode(provincialsim.Fail)
	for range 2 {
		v.Check(context.Background(), []byte(provincialsim.DemoCodeURL+provincialsim.DemoGreen))
	}
	testenv.Await(t, "health_service device at fault", 5*time.Second, func() bool { return !dev().OK })
	if d := dev(); !strings.Contains(d.Detail, "gd-jkm") || !strings.Contains(d.Detail, "offline rule") {
		t.Errorf("fault detail %q: want the service's name and that the offline rule decides", d.Detail)
	}
	if healthServiceDevice(loadVerifier(t, minimal)) != nil {
		t.Error("a unit with no online service shows a health_service device")
	}
}

// A person's ID card at a lane whose province answers by ID number: the
// unit asks the service with the number read from the card and judges
// the answer as a scanned code's; the entry names the service, never the
// number.
func TestAnIDCardIsAskedOfTheProvincialServiceByItsNumber(t *testing.T) {
	sim := provincialsim.Demo(time.Now())
	card := idcard.SampleCards()[0]
	sim.SetID(card.Number, provincialsim.Record{Color: provincialsim.Red})
	srv := httptest.NewServer(sim)
	t.Cleanup(srv.Close)
	c := minimalConfig(t, "[console]\nlisten = \"off\"\n"+provincialSection(srv.URL, ""))
	u, err := New(c, slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { u.Close() })
	e, err := u.PlaceCard(context.Background(), card)
	if err != nil {
		t.Fatal(err)
	}
	if sim.Calls() != 1 || e.Decision != wire.Deny || e.Credential.Verifier != "gd-jkm" || e.Alert != "health_code_red" {
		t.Fatalf("%d calls; entry %s alert %q verifier %q (%v), want the province asked once and a red code refused",
			sim.Calls(), e.Decision, e.Alert, e.Credential.Verifier, e.Reasons)
	}
	if b, _ := json.Marshal(e); strings.Contains(string(b), card.Number) {
		t.Fatal("the entry carries the card's number")
	}
}
