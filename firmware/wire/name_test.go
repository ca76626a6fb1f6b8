package wire

import (
	"encoding/json"
	"strings"
	"testing"
	"unicode/utf8"
)

var displayNames = []struct {
	name string
	ok   bool
}{
	{"", true},
	{"阳光花园小区", true},
	{"北门", true},
	{"Riverside Market 1号入口", true},
	{strings.Repeat("阳", MaxNameRunes), true},
	{strings.Repeat("阳", MaxNameRunes+1), false},
	{"北门\n南门", false},
	{"北门\x00", false},
	{"\u202e门北", false}, // right-to-left override
	{"北\u200b门", false}, // zero-width space
	{"北门\u2028", false}, // line separator
	{" 北门", false},
	{"北门\u3000", false}, // ideographic space at the end
	{"\xff\xfe", false},
	{"北\ue000门", false}, // private use: shows as nothing, or anything
}

func TestDisplayNamesAreOneLineOfVisibleText(t *testing.T) {
	for _, tt := range displayNames {
		if err := ValidateDisplayName(tt.name); (err == nil) != tt.ok {
			t.Errorf("%q: %v, want ok %t", tt.name, err, tt.ok)
		}
	}
}

func TestStatusCarriesValidatedDisplayNames(t *testing.T) {
	s := Status{Schema: SchemaVersion, Site: "sunshine-garden", Unit: "north-gate", State: Online,
		SiteName: "阳光花园小区", UnitName: "北门"}
	got, err := DecodeStatus(mustJSON(t, s))
	if err != nil || got.SiteName != "阳光花园小区" || got.UnitName != "北门" {
		t.Fatalf("DecodeStatus = %+v, %v", got, err)
	}
	s.UnitName = "北门\u202e"
	if _, err := DecodeStatus(mustJSON(t, s)); err == nil || !strings.Contains(err.Error(), "unit_name") {
		t.Fatalf("a unit name with a direction override: %v, want it refused naming unit_name", err)
	}
	s.UnitName, s.SiteName = "", strings.Repeat("x", 200)
	if _, err := DecodeStatus(mustJSON(t, s)); err == nil || !strings.Contains(err.Error(), "site_name") {
		t.Fatalf("a 200-character site name: %v, want it refused naming site_name", err)
	}
}

// FuzzValidateDisplayName: a name comes from a config file or a device's
// status; whatever passes is one line of valid, visible text.
func FuzzValidateDisplayName(f *testing.F) {
	for _, tt := range displayNames {
		f.Add(tt.name)
	}
	f.Fuzz(func(t *testing.T, name string) {
		if ValidateDisplayName(name) != nil {
			return
		}
		if !utf8.ValidString(name) || strings.ContainsAny(name, "\r\n\x00\u202e") || utf8.RuneCountInString(name) > MaxNameRunes {
			t.Fatalf("%q passed", name)
		}
	})
}

// FuzzDecodeStatus: a status comes from any device on the broker; what
// decodes carries names a control room can show, and encodes back to a
// status that decodes the same.
func FuzzDecodeStatus(f *testing.F) {
	seeds := []Status{
		{Schema: SchemaVersion, Site: "s", Unit: "u", State: Online},
		{Schema: SchemaVersion, Site: "sunshine-garden", Unit: "north-gate", State: Offline, SiteName: "阳光花园小区", UnitName: "北门"},
		{Schema: SchemaVersion, Site: "s", Unit: "u", State: Online, UnitName: "\u202e门北"},
	}
	for _, s := range seeds {
		b, _ := json.Marshal(s)
		f.Add(b)
	}
	f.Add([]byte(`{"schema":1,"site":"s","unit":"u","state":"online","site_name":"a\u0000b"}`))
	f.Fuzz(func(t *testing.T, b []byte) {
		s, err := DecodeStatus(b)
		if err != nil {
			return
		}
		if ValidateDisplayName(s.SiteName) != nil || ValidateDisplayName(s.UnitName) != nil {
			t.Fatalf("names %q %q passed", s.SiteName, s.UnitName)
		}
		again, err := json.Marshal(s)
		if err != nil {
			t.Fatal(err)
		}
		back, err := DecodeStatus(again)
		if err != nil || back.SiteName != s.SiteName || back.UnitName != s.UnitName {
			t.Fatalf("re-encoded status: %+v %v", back, err)
		}
	})
}
