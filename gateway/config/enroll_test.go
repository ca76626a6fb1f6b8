package config

import (
	"strings"
	"testing"
)

func TestEnrollNeedsAnHTTPURLWithItsToken(t *testing.T) {
	cases := map[Enroll]string{
		{Token: "t"}:                                 "enroll.url",
		{URL: "tcp://cloud:1883", Token: "t"}:        "enroll.url",
		{URL: "http://cloud:8080", CAFile: "ca.pem"}: "enroll.ca_file",
	}
	for e, key := range cases {
		var got []string
		e.validate(func(k, _ string, _ ...any) { got = append(got, k) })
		if !strings.Contains(strings.Join(got, " "), key) {
			t.Errorf("%+v: problems %v, want %s", e, got, key)
		}
	}
	var none []string
	Enroll{URL: "https://cloud:8443", Token: "t", CAFile: "ca.pem"}.validate(func(k, _ string, _ ...any) { none = append(none, k) })
	if len(none) != 0 {
		t.Fatalf("a good [enroll] has problems %v", none)
	}
}
