package provincialsim

import (
	"github.com/kakou/kakou/drivers/idcard"
	"time"

	"github.com/kakou/kakou/firmware/credential"
)

// DemoAppKey is the simulated service's app key in the demo configs.
const DemoAppKey = "demo-app-key"

// DemoHost is the host of the demo's provincial code URLs
// (https://jkm.example.gov.cn/hc?t=<token>).
const DemoHost = "jkm.example.gov.cn"

// Demo tokens and ID numbers, one per colour.
const (
	DemoGreen    = "G0000000000000000000000000000001"
	DemoYellow   = "Y0000000000000000000000000000001"
	DemoRed      = "R0000000000000000000000000000001"
	DemoExpired  = "E0000000000000000000000000000001"
	DemoIDGreen  = "11010119900307123X"
	DemoIDRed    = "110101198001011234"
	DemoCodeURL  = "https://" + DemoHost + "/hc?t="
	DemoNotFound = "N0000000000000000000000000000001" // on no list
)

// Demo is a service with the demo's people on it.
func Demo(now time.Time) *Service {
	s := New(DemoAppKey)
	sample := now.Add(-20 * time.Hour).Truncate(time.Second)
	s.SetToken(DemoGreen, Record{Color: Green, Sample: sample, Travel: true})
	s.SetToken(DemoYellow, Record{Color: Yellow, Sample: sample, Travel: true})
	s.SetToken(DemoRed, Record{Color: Red, Travel: false})
	s.SetToken(DemoExpired, Record{Color: Expired})
	s.SetID(DemoIDGreen, Record{Color: Green, Sample: sample, Travel: true})
	s.SetID(DemoIDRed, Record{Color: Red})
	// The ID card reader's sample cards, so a demo lane's simulated reader
	// is answered by ID number: one green, one red; the others are not
	// known to the province.
	cards := idcard.SampleCards()
	s.SetID(cards[0].Number, Record{Color: Green, Sample: sample, Travel: true})
	s.SetID(cards[2].Number, Record{Color: Red})
	return s
}

// Config is how a unit asks this service at url (its base, e.g.
// http://127.0.0.1:18099): the field mapping of configs/unit-provincial-health.toml.
func Config(name, url string) credential.ProvincialOpts {
	return credential.ProvincialOpts{
		Name: name, URL: url + Path, Method: "POST",
		TokenField: "qrToken", TokenFrom: "url_query:t", IDField: "idCard",
		Headers: map[string]string{"X-App-Key": DemoAppKey},
		Answer: credential.AnswerMap{StatusField: "data.color",
			StatusMap: map[string]credential.Status{"0": credential.StatusGreen, "1": credential.StatusYellow,
				"2": credential.StatusRed, "9": credential.StatusExpired, "-1": credential.StatusNotFound},
			NATField: "data.hsjc.sampleTime", TravelField: "data.xck"},
		Timeout: 2 * time.Second, CacheTTL: time.Minute, CacheSize: 1024,
		BreakerFailures: 5, BreakerCooldown: 30 * time.Second,
	}
}
