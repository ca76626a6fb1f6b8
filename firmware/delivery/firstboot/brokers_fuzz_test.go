package firstboot

import (
	"net/url"
	"slices"
	"testing"

	"github.com/kakou/kakou/firmware/delivery"
)

// FuzzBrokerURLs: whatever an installer types at -broker, BrokerURLs
// never panics, and a list it accepts is one SplitBrokers makes of usable
// URLs, none twice, all TLS or all plain.
func FuzzBrokerURLs(f *testing.F) {
	for _, s := range []string{
		"ssl://kakou.example:8883",
		"tcp://n1:1883,tcp://n2:1883,tcp://n3:1883",
		" ssl://n1:8883 , mqtts://n2:8883 ,",
		"ssl://n1:8883,tcp://n2:1883",
		"tcp://n1:1883,tcp://n1:1883",
		",,,", "", "tcp://", "n1:1883", "tcp://[::1]:1883,ws://n2/mqtt",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		if BrokerURLs(s) != nil {
			return
		}
		urls := SplitBrokers(s)
		if len(urls) == 0 {
			t.Fatalf("%q accepted with no URL in it", s)
		}
		first, _ := url.Parse(urls[0])
		for i, raw := range urls {
			u, err := url.Parse(raw)
			if err != nil || u.Host == "" {
				t.Fatalf("%q accepted with %q, not a URL with a host", s, raw)
			}
			if slices.Index(urls, raw) != i {
				t.Fatalf("%q accepted with %q twice", s, raw)
			}
			if delivery.Secure(u.Scheme) != delivery.Secure(first.Scheme) {
				t.Fatalf("%q accepted mixing TLS and plain", s)
			}
		}
	})
}
