package credential

import (
	"strings"
	"testing"
	"time"
)

var gdMap = AnswerMap{StatusField: "data.color",
	StatusMap: map[string]Status{"0": StatusGreen, "1": StatusYellow, "2": StatusRed, "9": StatusExpired, "-1": StatusNotFound,
		"true": StatusGreen},
	NATField: "data.hsjc.sampleTime", TravelField: "data.xck"}

var mapCases = []struct {
	answer string
	status Status // "" an error
	nat    time.Time
	travel string // "", "true", "false"
}{
	{`{"code":0,"data":{"color":0,"hsjc":{"sampleTime":"2026-12-06T08:00:00+08:00"},"xck":1}}`, StatusGreen,
		time.Date(2026, 12, 6, 0, 0, 0, 0, time.UTC), "true"},
	{`{"data":{"color":"1","xck":"0"}}`, StatusYellow, time.Time{}, "false"},
	{`{"data":{"color":2,"hsjc":{"sampleTime":1765000000},"xck":false}}`, StatusRed, time.Unix(1765000000, 0).UTC(), "false"},
	{`{"data":{"color":9,"new":{"deep":[1,2,3]}},"more":"fields"}`, StatusExpired, time.Time{}, ""},
	{`{"data":{"color":-1}}`, StatusNotFound, time.Time{}, ""},
	{`{"data":{"color":true}}`, StatusGreen, time.Time{}, ""},
	{`{"data":{"color":0.0}}`, "", time.Time{}, ""}, // "0.0" is not "0": the map says what counts
	{`{"data":{"color":0,"hsjc":{"sampleTime":-5}}}`, StatusGreen, time.Time{}, ""},
	{`{"data":{"color":0,"hsjc":{"sampleTime":"9999-12-31T00:00:00Z"}}}`, StatusGreen, time.Time{}, ""},
	{`{"data":{"color":0,"hsjc":{"sampleTime":1e300}}}`, StatusGreen, time.Time{}, ""},
	{`{"data":{"color":0,"xck":"maybe"}}`, StatusGreen, time.Time{}, ""},
	{`{"data":{"color":7}}`, "", time.Time{}, ""},
	{`{"data":{"color":null}}`, "", time.Time{}, ""},
	{`{"data":[0]}`, "", time.Time{}, ""},
	{`{"data":{"color":0}}{"data":{"color":2}}`, "", time.Time{}, ""},
	{`[]`, "", time.Time{}, ""},
	{``, "", time.Time{}, ""},
}

func TestAnswerMapReadsNestedFieldsAndIgnoresTheRest(t *testing.T) {
	for _, c := range mapCases {
		a, err := gdMap.Map([]byte(c.answer))
		if c.status == "" {
			if err == nil {
				t.Errorf("%s: %+v, want an error", c.answer, a)
			}
			continue
		}
		if err != nil || a.Status != c.status || !a.NAT.Equal(c.nat) {
			t.Errorf("%s: %+v %v, want %s nat %v", c.answer, a, err, c.status, c.nat)
			continue
		}
		travel := ""
		if a.Travel != nil {
			travel = map[bool]string{true: "true", false: "false"}[*a.Travel]
		}
		if travel != c.travel {
			t.Errorf("%s: travel %q, want %q", c.answer, travel, c.travel)
		}
	}
}

func TestAnswerMapErrorsNameTheFieldNotTheValue(t *testing.T) {
	_, err := gdMap.Map([]byte(`{"data":{"color":"张三-110101199003071234"}}`))
	if err == nil || !strings.Contains(err.Error(), "data.color (status_field)") || strings.Contains(err.Error(), "110101") {
		t.Fatalf("unmapped value: %v, want the field named and the value left out", err)
	}
}

func FuzzMapAnswer(f *testing.F) {
	for _, c := range mapCases {
		f.Add([]byte(c.answer))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		a, err := gdMap.Map(b)
		if err != nil {
			if len(err.Error()) > 120 {
				t.Fatalf("error of %d bytes: an error must not quote the answer: %v", len(err.Error()), err)
			}
			return
		}
		if !answerStatuses[a.Status] {
			t.Fatalf("%q mapped to %q", b, a.Status)
		}
		if !a.NAT.IsZero() && (a.NAT.Before(natEarliest) || !a.NAT.Before(natLatest)) {
			t.Fatalf("%q: sampling time %v believed", b, a.NAT)
		}
	})
}
