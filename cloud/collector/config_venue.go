package collector

import (
	"fmt"
	"net/netip"
	"net/url"

	"github.com/kakou/kakou/cloud/api"
	"github.com/kakou/kakou/firmware/wire"
)

// VenueConfig is the [venue] table: the venue code's mobile page, where
// visitors register and book (cloud/README.md "Venue codes and
// appointments"). Without public_url the page is off.
//
//	[venue]
//	public_url = "https://kakou.example.cn"  # where phones reach the collector
//	hash_secret_file = ""                    # "": derived from the policy signing key
//	per_address_per_hour = 10
//	per_phone_per_day = 3
//	network_share_percent = 20
//	pow_bits = 18
//	trusted_proxies = ["10.0.0.0/8"]          # whose X-Forwarded-For is believed
//	consent = "…"                            # the notice every page shows unless a site has its own
//
//	[[venue.sites]]                           # each site that posts a venue code
//	id = "clinic-1"
//	consent = "…"                            # this site's own notice, if it words one
type VenueConfig struct {
	PublicURL         string            `toml:"public_url"`
	HashSecretFile    string            `toml:"hash_secret_file"`
	PerAddressPerHour int               `toml:"per_address_per_hour"`
	PerPhonePerDay    int               `toml:"per_phone_per_day"`
	NetworkSharePct   int               `toml:"network_share_percent"`
	PowBits           int               `toml:"pow_bits"`
	TrustedProxies    []string          `toml:"trusted_proxies"`
	Consent           string            `toml:"consent"`
	PosterFont        string            `toml:"poster_font"` // the poster's CJK font; "" tries api.PosterFonts
	Sites             []VenueSiteConfig `toml:"sites"`
}

// VenueSiteConfig is one [[venue.sites]] entry: the site posts a venue
// code. What its page asks and its schedule are not here: they are the
// [checks.registration] fields and the [checks.appointment] table of the
// policy assigned to the site, the one its units admit by.
type VenueSiteConfig struct {
	ID      string `toml:"id"`
	Consent string `toml:"consent"`
}

// DefaultVenueConsent is the notice shown unless the config words its own.
const DefaultVenueConsent = "您填写的信息只保存在您的手机上的登记码中，到达时由门岗设备按防疫规定处理；" +
	"中心不保存您的姓名、电话或证件号。 The details you give stay in the code on your phone; " +
	"the gate handles them as the rules require when you arrive. The centre keeps no name, phone or ID number."

func (c Config) validateVenue(bad func(key, format string, args ...any)) {
	v := c.Venue
	if v.PublicURL != "" {
		if u, err := url.Parse(v.PublicURL); err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
			bad("venue.public_url", "%q: want the address phones reach the collector at, like https://kakou.example.cn", v.PublicURL)
		}
	}
	for _, n := range []struct {
		key      string
		v, lo, h int
	}{{"venue.per_address_per_hour", v.PerAddressPerHour, 0, 10000}, {"venue.per_phone_per_day", v.PerPhonePerDay, 0, 100},
		{"venue.network_share_percent", v.NetworkSharePct, 0, 100}, {"venue.pow_bits", v.PowBits, 0, 28}} {
		if n.v < n.lo || n.v > n.h {
			bad(n.key, "%d: want %d-%d (0 takes the default)", n.v, n.lo, n.h)
		}
	}
	for i, p := range v.TrustedProxies {
		if _, err := netip.ParsePrefix(p); err != nil {
			bad(fmt.Sprintf("venue.trusted_proxies[%d]", i), "%q: want a prefix like 10.0.0.0/8 or 127.0.0.1/32", p)
		}
	}
	seen := map[string]bool{}
	for i, s := range v.Sites {
		key := fmt.Sprintf("venue.sites[%d]", i)
		if err := wire.ValidateID(s.ID); err != nil {
			bad(key+".id", "%q: %v", s.ID, err)
		} else if seen[s.ID] {
			bad(key+".id", "%q is listed twice", s.ID)
		}
		seen[s.ID] = true
	}
}

// trustedProxies are the parsed prefixes (validated already).
func (v VenueConfig) trustedProxies() []netip.Prefix {
	var out []netip.Prefix
	for _, p := range v.TrustedProxies {
		if pp, err := netip.ParsePrefix(p); err == nil {
			out = append(out, pp.Masked())
		}
	}
	return out
}

// venueOptions are the api's VenueOptions but for the store, key,
// secret and sites, which need the running collector.
func (v VenueConfig) venueOptions() *api.VenueOptions {
	return &api.VenueOptions{PublicURL: v.PublicURL, PerAddressPerHour: v.PerAddressPerHour,
		PerPhonePerDay: v.PerPhonePerDay, NetworkSharePct: v.NetworkSharePct, PowBits: v.PowBits,
		TrustedProxies: v.trustedProxies(), PosterFont: v.PosterFont}
}
