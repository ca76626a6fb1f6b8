package unit

import (
	"strings"
	"testing"
	"time"
)

func TestAVehicleLaneConfigNamesEveryProblemWithItsKey(t *testing.T) {
	path := writeConfig(t, "lane_kind = \"lorry\"\n"+minimal+`
[anpr]
driver = "usb"
baud = 7
min_confidence = 120
token = "short"
`)
	_, err := LoadConfig(path)
	if err == nil {
		t.Fatal("accepted")
	}
	for _, want := range []string{"toml: lane_kind: \"lorry\"", "anpr.driver:", "anpr.baud:", "anpr: min confidence", "anpr.token:"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error does not mention %q:\n%v", want, err)
		}
	}
}

func TestACameraNeedsAVehicleLaneAndAPort(t *testing.T) {
	_, err := LoadConfig(writeConfig(t, minimal+`
[anpr]
driver = "serial"
token = "0123456789abcdef0123"
`))
	for _, want := range []string{`anpr.driver: a camera needs lane_kind = "vehicle"`, "anpr.port: required", "anpr.token: a camera's token needs"} {
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("error does not mention %q:\n%v", want, err)
		}
	}
}

func TestAVehicleLaneDefaultsToNoCamera(t *testing.T) {
	c, err := LoadConfig(writeConfig(t, "lane_kind = \"vehicle\"\n"+minimal))
	if err != nil {
		t.Fatal(err)
	}
	if c.ANPR.Driver != "off" || c.ANPR.Token != "" || c.ANPR.MinConfidence != 60 || c.ANPR.DedupWindow.Duration != 10*time.Second {
		t.Fatalf("camera defaults: %+v", c.ANPR)
	}
}
