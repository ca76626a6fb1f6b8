package firstboot

import (
	"bytes"
	"strings"
	"testing"
)

func TestAskTakesAPresetWithoutReadingAndRefusesAWrongOneNamingItsFlag(t *testing.T) {
	var out bytes.Buffer
	a := NewAsker(strings.NewReader("never read\n"), &out, false)
	q := Question{ZH: "站点编号", EN: "site id", Flag: "-site", Check: ID("sunshine-garden")}
	q.Preset = "s1"
	if got, err := a.Ask(q); err != nil || got != "s1" {
		t.Fatalf("Ask = %q, %v", got, err)
	}
	q.Preset = "Sunshine Garden"
	if _, err := a.Ask(q); err == nil || !strings.Contains(err.Error(), `-site "Sunshine Garden"`) {
		t.Fatalf("Ask = %v, want the flag and its value named", err)
	}
	if got, _ := a.Ask(Question{ZH: "x", EN: "x", Flag: "-x"}); got != "never read" {
		t.Fatalf("the presets consumed input: next answer %q", got)
	}
}

func TestAskWithYesTakesDefaultsAndNeverWaitsForAnAnswer(t *testing.T) {
	a := NewAsker(strings.NewReader("typed\n"), &bytes.Buffer{}, true)
	if got, err := a.Ask(Question{ZH: "通道", EN: "lane", Flag: "-lane", Default: "in"}); err != nil || got != "in" {
		t.Fatalf("Ask = %q, %v; want the default", got, err)
	}
	if _, err := a.Ask(Question{ZH: "令牌", EN: "token", Flag: "-token"}); err == nil || !strings.Contains(err.Error(), "-token is required with -yes") {
		t.Fatalf("Ask = %v, want the missing flag named", err)
	}
}

func TestAskEndsWhenInputEndsInsteadOfLooping(t *testing.T) {
	a := NewAsker(strings.NewReader("bad id\n"), &bytes.Buffer{}, false)
	if _, err := a.Ask(Question{ZH: "站点编号", EN: "site id", Flag: "-site", Check: ID("s1")}); err == nil || !strings.Contains(err.Error(), "-site") {
		t.Fatalf("Ask = %v, want an error naming the flag once input ran out", err)
	}
	a = NewAsker(strings.NewReader("last-line-without-newline"), &bytes.Buffer{}, false)
	if got, err := a.Ask(Question{ZH: "x", EN: "x", Check: ID("s1")}); err != nil || got != "last-line-without-newline" {
		t.Fatalf("Ask = %q, %v", got, err)
	}
}

func TestChecksSayWhatIsWrongInBothLanguages(t *testing.T) {
	for _, tc := range []struct {
		check  func(string) error
		answer string
		says   string // "" = accepted
	}{
		{ID("s1"), "sunshine-garden", ""},
		{ID("s1"), "sunshine garden", "编号无效 / not a valid id"},
		{ID("s1"), strings.Repeat("a", 65), "at most 64"},
		{HTTPS, "https://cloud.example:8443", ""},
		{HTTPS, "https://cloud.example:8443/", ""},
		{HTTPS, "http://cloud.example:8443", "必须是 https:// / \"http://cloud.example:8443\" is not https://"},
		{HTTPS, "cloud.example", "is not an address"},
		{HTTPS, "https://cloud.example/api/v1/enroll", "type only https://cloud.example"},
		{BrokerURL, "ssl://cloud.example:8883", ""},
		{BrokerURL, "cloud.example:8883", "is not a broker URL"},
		{File, "none", ""},
		{File, "/no/such/ca.pem", "找不到文件 / cannot read"},
		{OneOf("in", "out"), "out", ""},
		{OneOf("in", "out"), "IN", "type one of: in, out"},
		{Token, "tok-0123", ""},
		{Token, "tok 0123", "without spaces"},
		{Token, strings.Repeat("t", 513), "this is not a token"},
	} {
		err := tc.check(tc.answer)
		switch {
		case tc.says == "" && err != nil:
			t.Errorf("%.40q: %v, want it accepted", tc.answer, err)
		case tc.says != "" && (err == nil || !strings.Contains(err.Error(), tc.says)):
			t.Errorf("%.40q: %v, want it to say %q", tc.answer, err, tc.says)
		}
	}
}
