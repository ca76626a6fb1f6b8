package credential

import (
	"context"
	"strings"
	"testing"

	"github.com/kakou/kakou/firmware/wire"
)

func mustRoute(t testing.TB, prefix, host, path, regex, verifier string) Route {
	t.Helper()
	r, err := NewRoute(prefix, host, path, regex, verifier)
	if err != nil {
		t.Fatal(err)
	}
	return r
}

// routeTable is the routing table tests and fuzz seeds share.
var routeCases = []struct {
	code string
	want string // verifier name; "" none
}{
	{"KK1.H.abc.def", "kk1"},
	{"KK1.HQ.abc", "kk1"},
	{"https://jkm.example.gov.cn/hc?t=ABC", "gd-jkm"},
	{"http://jkm.example.gov.cn/hc/v2?t=ABC", "gd-jkm"},
	{"HTTPS://JKM.EXAMPLE.GOV.CN/hc?t=ABC", "gd-jkm"},
	{"https://jkm.example.gov.cn/hc", "gd-jkm"},
	{"https://jkm.example.gov.cn/hc/../admin?t=ABC", ""}, // cleans to /admin
	{"https://jkm.example.gov.cn/hcevil?t=ABC", ""},
	{"https://jkm.example.gov.cn/other?t=ABC", ""},
	{"https://jkm.example.gov.cn.evil.com/hc?t=ABC", ""},
	{"https://evil.com/jkm.example.gov.cn/hc?t=ABC", ""},
	{"https://jkm.example.gov.cn@evil.com/hc?t=ABC", ""},
	{"https://user@jkm.example.gov.cn/hc?t=ABC", ""},
	{"https://jkm.example.gov.cn:8443/hc?t=ABC", ""},
	{"ftp://jkm.example.gov.cn/hc?t=ABC", ""},
	{"jkm.example.gov.cn/hc?t=ABC", ""},
	{"https://sh.example.gov.cn/any/path", "sh-jkm"},
	{"0123456789ABCDEF0123456789ABCDEF", "bare"},
	{"0123456789abcdef0123456789abcdef", ""},
	{"0123456789ABCDEF0123456789ABCDEF0", ""},
	{"KAKOU1:PASS:P-1", ""},
	{"", ""},
}

func routeTable(t testing.TB) []Route {
	return []Route{
		mustRoute(t, "KK1.H", "", "", "", "kk1"),
		mustRoute(t, "", "jkm.example.gov.cn", "/hc", "", "gd-jkm"),
		mustRoute(t, "", "SH.example.gov.cn", "", "", "sh-jkm"),
		mustRoute(t, "", "", "", "^[0-9A-F]{32}$", "bare"),
		mustRoute(t, "", "", "", "^https://", "catch-https"), // after the hosts: first match wins
	}
}

func TestRoutesSendEachCodeToTheFirstMatchingVerifier(t *testing.T) {
	r := HealthRouter{Routes: routeTable(t)}
	for _, c := range routeCases {
		name, _ := r.route(c.code)
		want := c.want
		if want == "" && strings.HasPrefix(strings.ToLower(c.code), "https://") {
			want = "catch-https"
		}
		if name != want {
			t.Errorf("%q went to %q, want %q", c.code, name, want)
		}
	}
}

func TestNewRouteRefusesWhatWouldMatchByAccident(t *testing.T) {
	cases := []struct {
		prefix, host, path, regex, verifier string
		want                                string
	}{
		{"", "", "", "", "x", "no pattern"},
		{"KK1.", "jkm.example.gov.cn", "", "", "x", "more than one pattern"},
		{"", "", "", "^[0-9", "x", "regex"},
		{"", "", "", "[0-9]*", "x", "empty code"},
		{"", "", "/hc", "", "x", "needs url_host"},
		{"", "jkm.example.gov.cn", "hc", "", "x", "url_path"},
		{"", "jkm.example.gov.cn", "/hc/../x", "", "x", "url_path"},
		{"", "https://jkm.example.gov.cn", "", "", "x", "url_host"},
		{"", "u@jkm.example.gov.cn", "", "", "x", "url_host"},
		{"", "jkm.example.gov.cn/hc", "", "", "x", "url_host"},
		{"KK1.", "", "", "", "", "verifier"},
		{"KK1.", "", "", "", "GD JKM", "verifier"},
	}
	for _, c := range cases {
		_, err := NewRoute(c.prefix, c.host, c.path, c.regex, c.verifier)
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%+v: %v, want an error about %q", c, err, c.want)
		}
	}
}

func TestRouterWithoutRoutesKeepsTheKK1Prefixes(t *testing.T) {
	r := HealthRouter{}
	for code, want := range map[string]bool{"KK1.H.x": true, "KK1.HQ.x": true, "KK1.P.x": false,
		"https://jkm.example.gov.cn/hc?t=A": false} {
		if r.Matches([]byte(code)) != want {
			t.Errorf("%q: Matches = %v, want %v", code, !want, want)
		}
	}
}

// answering is a HealthVerifier that says one status.
type answering Status

func (a answering) Verify(context.Context, []byte) (Presented, error) {
	return healthResult(Status(a), ""), nil
}

func TestCheckKeepsOwnCodesFromACatchAllRoute(t *testing.T) {
	all := mustRoute(t, "", "", "", ".", "everything")
	v := &Verifier{Health: HealthRouter{Routes: []Route{all},
		Verifiers: map[string]HealthVerifier{"everything": answering(StatusGreen)}}}
	for code, kind := range map[string]wire.CredentialKind{
		"KK1.P.x.y":            wire.CredentialResidentPass, // a bad pass stays a bad pass
		"KAKOU1:PASS:P-0012":   wire.CredentialResidentPass,
		"KK1.V.e30":            wire.CredentialVisitor,
		"\x00\x01binary\xff":   wire.CredentialUnknown,
		"some provincial code": wire.CredentialHealthCode,
	} {
		got := v.Check(context.Background(), []byte(code))
		if got.Wire.Kind != kind {
			t.Errorf("%q: kind %s, want %s", code, got.Wire.Kind, kind)
		}
		if kind != wire.CredentialHealthCode && got.Wire.Verifier != "" {
			t.Errorf("%q: answered by %q, want no health verifier", code, got.Wire.Verifier)
		}
	}
}

func TestRouterNamesTheVerifierAndRefusesAMissingOne(t *testing.T) {
	r := HealthRouter{Routes: []Route{mustRoute(t, "A", "", "", "", "there"), mustRoute(t, "B", "", "", "", "missing")},
		Verifiers: map[string]HealthVerifier{"there": answering(StatusRed)}}
	v := &Verifier{Health: r}
	if got := v.Check(context.Background(), []byte("A1")); got.Status != StatusRed || got.Wire.Verifier != "there" {
		t.Errorf("A1: %+v", got.Wire)
	}
	if got := v.Check(context.Background(), []byte("B1")); got.Status != StatusVerifyFailed || got.Detail != "no verifier" {
		t.Errorf("B1 to a missing verifier: %s %q", got.Status, got.Detail)
	}
}

// byID answers LookupID with a status.
type byID Status

func (b byID) LookupID(context.Context, string) (Presented, error) {
	return healthResult(Status(b), ""), nil
}

func TestRouterAnswersByIDThroughItsIDVerifier(t *testing.T) {
	var lookup IDLookup = HealthRouter{}
	if got, _ := lookup.LookupID(context.Background(), "11010119900307123X"); got.Status != StatusVerifyFailed {
		t.Errorf("no ID verifier: %s", got.Status)
	}
	lookup = HealthRouter{ByID: byID(StatusYellow), ByIDName: "gd-jkm"}
	got, _ := lookup.LookupID(context.Background(), "11010119900307123X")
	if got.Status != StatusYellow || got.Wire.Verifier != "gd-jkm" || got.Wire.Result != "yellow" {
		t.Errorf("by ID: %+v", got)
	}
}

func FuzzRouteMatch(f *testing.F) {
	for _, c := range routeCases {
		f.Add(c.code)
	}
	f.Add("https://jkm.example.gov.cn%2eevil.com/hc")
	f.Add("https://[::1]/hc")
	f.Add("https://jkm.example.gov.cn\\@evil.com/hc")
	r := HealthRouter{Routes: routeTable(f)}
	host := mustRoute(f, "", "jkm.example.gov.cn", "/hc", "", "gd-jkm")
	f.Fuzz(func(t *testing.T, code string) {
		name, ok := r.route(code)
		if ok != (name != "") {
			t.Fatalf("%q: route %q ok=%v", code, name, ok)
		}
		if host.Match(code) {
			// whatever matched the host route must name exactly that host
			// and no user, however it was written
			rest, ok := strings.CutPrefix(strings.ToLower(code), "https://")
			if !ok {
				rest, ok = strings.CutPrefix(strings.ToLower(code), "http://")
			}
			if !ok || !strings.HasPrefix(rest, "jkm.example.gov.cn") || strings.Contains(strings.SplitN(rest, "/", 2)[0], "@") {
				t.Fatalf("%q matched the jkm.example.gov.cn route", code)
			}
		}
	})
}

// BenchmarkRouteMatch: choosing the verifier for a code, over the five
// routes of routeTable and the codes of routeCases.
func BenchmarkRouteMatch(b *testing.B) {
	r := HealthRouter{Routes: routeTable(b)}
	codes := make([][]byte, len(routeCases))
	for i, c := range routeCases {
		codes[i] = []byte(c.code)
	}
	i := 0
	for b.Loop() {
		r.Matches(codes[i%len(codes)])
		i++
	}
}
