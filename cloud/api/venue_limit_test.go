package api

import (
	"net/http/httptest"
	"net/netip"
	"strings"
	"testing"
	"time"
)

func TestVenueClientAddress(t *testing.T) {
	proxies := []netip.Prefix{netip.MustParsePrefix("10.0.0.0/8")}
	for _, c := range []struct {
		name, remote, xff string
		trusted           []netip.Prefix
		want              string
	}{
		{"no proxy trusted: the connection", "198.51.100.7:5000", "203.0.113.1", nil, "198.51.100.7"},
		{"an untrusted sender's header is ignored", "198.51.100.7:5000", "203.0.113.1", proxies, "198.51.100.7"},
		{"through the proxy", "10.1.1.1:5000", "203.0.113.1", proxies, "203.0.113.1"},
		{"a forged hop before the real one", "10.1.1.1:5000", "1.2.3.4, 203.0.113.1", proxies, "203.0.113.1"},
		{"two proxies", "10.1.1.1:5000", "203.0.113.1, 10.2.2.2", proxies, "203.0.113.1"},
		{"garbage hop", "10.1.1.1:5000", "203.0.113.1, nonsense", proxies, "10.1.1.1"},
		{"only proxies", "10.1.1.1:5000", "10.2.2.2", proxies, "10.1.1.1"},
		{"IPv6", "[2001:db8::1]:5000", "", nil, "2001:db8::1"},
	} {
		r := httptest.NewRequest("GET", "/", nil)
		r.RemoteAddr = c.remote
		if c.xff != "" {
			r.Header.Set("X-Forwarded-For", c.xff)
		}
		if got := venueClient(r, c.trusted); got != c.want {
			t.Errorf("%s: %s, want %s", c.name, got, c.want)
		}
	}
}

func TestNetworkOfAndShare(t *testing.T) {
	for in, want := range map[string]string{"198.51.100.7": "198.51.100.0/24", "::ffff:198.51.100.7": "198.51.100.0/24",
		"2001:db8:1:2::5": "2001:db8:1::/48", "not an address": "not an address"} {
		if got := networkOf(in); got != want {
			t.Errorf("networkOf(%s) = %s, want %s", in, got, want)
		}
	}
	for _, c := range [][3]int{{3, 20, 2}, {10, 20, 2}, {20, 20, 4}, {1000, 20, 200}, {5, 100, 5}} {
		if got := networkShare(c[0], c[1]); got != c[2] {
			t.Errorf("networkShare(%d, %d%%) = %d, want %d", c[0], c[1], got, c[2])
		}
	}
}

// FuzzVenuePow: verifying never panics, and what verifies is a challenge
// for this site, not expired, and verifies once.
func FuzzVenuePow(f *testing.F) {
	p := newPowDesk([]byte("0123456789abcdef0123456789abcdef"))
	genuine := p.challenge("site-a", "198.51.100.0/24", 0, now)
	for _, s := range []string{genuine, "site-a.1.0.x.y", "", "....", "site-a.99999999999.0.a.b",
		strings.Replace(genuine, ".0.", ".1.", 1), "site-a.-1.-5.a.b"} {
		f.Add(s, "1")
	}
	f.Fuzz(func(t *testing.T, challenge, nonce string) {
		at := now.Add(time.Second)
		if p.verify(challenge, nonce, "site-a", "198.51.100.0/24", at) != nil {
			return
		}
		if !strings.HasPrefix(challenge, "site-a.") {
			t.Fatalf("verified %q for site-a", challenge)
		}
		if p.verify(challenge, nonce, "site-a", "198.51.100.0/24", at) == nil {
			t.Fatalf("verified %q twice", challenge)
		}
	})
}
