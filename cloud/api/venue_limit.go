package api

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"math"
	"net"
	"net/http"
	"net/netip"
	"strings"
	"sync"
	"time"

	"github.com/kakou/kakou/firmware/wire"
)

// The public registration's limits (cloud/README.md "Venue codes and
// appointments"): a token bucket per client address, a count per phone
// per site per day, a share of each slot per network, and proof of work
// that hardens when a site's last hour passed its hourly capacity.

// Defaults of VenueOptions' limits.
const (
	DefaultVenuePerAddressPerHour = 10
	DefaultVenuePerPhonePerDay    = 3
	DefaultVenueNetworkSharePct   = 20
	DefaultVenuePowBits           = 18
)

// venueHourly is the hourly registrations past which a site without a
// schedule asks 2 bits more work.
const venueHourly = 300

func (v *VenueOptions) withDefaults() {
	if v.PerAddressPerHour <= 0 {
		v.PerAddressPerHour = DefaultVenuePerAddressPerHour
	}
	if v.PerPhonePerDay <= 0 {
		v.PerPhonePerDay = DefaultVenuePerPhonePerDay
	}
	if v.NetworkSharePct <= 0 {
		v.NetworkSharePct = DefaultVenueNetworkSharePct
	}
	if v.PowBits <= 0 {
		v.PowBits = DefaultVenuePowBits
	}
}

// networkShare is the most people one network may hold of a slot.
func networkShare(capacity, pct int) int {
	return max(2, capacity*pct/100)
}

// networkOf is addr's /24 (IPv4) or /48 (IPv6): one household's, one
// office's or one mobile operator's pool of addresses.
func networkOf(addr string) string {
	ip, err := netip.ParseAddr(addr)
	if err != nil {
		return addr
	}
	ip = ip.Unmap()
	bitsLen := 48
	if ip.Is4() {
		bitsLen = 24
	}
	p, _ := ip.Prefix(bitsLen)
	return p.String()
}

// venueClient is the visitor's address: the connection's, or behind a
// proxy the config trusts, the last X-Forwarded-For address that is not
// one of those proxies (the ones before it the client could have written).
func venueClient(r *http.Request, trusted []netip.Prefix) string {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		host = r.RemoteAddr
	}
	if !inPrefixes(host, trusted) {
		return host
	}
	hops := strings.Split(strings.Join(r.Header.Values("X-Forwarded-For"), ","), ",")
	for i := len(hops) - 1; i >= 0; i-- {
		h := strings.TrimSpace(hops[i])
		if _, err := netip.ParseAddr(h); err != nil {
			break
		}
		if !inPrefixes(h, trusted) {
			return h
		}
	}
	return host
}

func inPrefixes(addr string, ps []netip.Prefix) bool {
	ip, err := netip.ParseAddr(addr)
	if err != nil {
		return false
	}
	for _, p := range ps {
		if p.Contains(ip.Unmap()) {
			return true
		}
	}
	return false
}

// phoneHash keys the phone with the centre's secret: the per-phone limit
// without a phone number at the centre.
func phoneHash(secret []byte, phone string) string {
	if phone == "" {
		return ""
	}
	m := hmac.New(sha256.New, secret)
	m.Write([]byte("kakou-venue-phone-v1\x00" + phone))
	return hex.EncodeToString(m.Sum(nil))
}

// venueLimits holds the in-memory limits: per address, and each site's
// registrations this hour and the last (for the proof of work's bits).
type venueLimits struct {
	perHour int
	mu      sync.Mutex
	buckets map[string]*bucket
	hours   map[string]*siteHour
}

type bucket struct {
	tokens float64
	last   time.Time
}

type siteHour struct {
	hour      int64
	now, prev int
}

func newVenueLimits(perHour int) *venueLimits {
	return &venueLimits{perHour: perHour, buckets: map[string]*bucket{}, hours: map[string]*siteHour{}}
}

// take spends one of addr's tokens; without one, it says how long until
// the next.
func (l *venueLimits) take(addr string, now time.Time) (ok bool, wait time.Duration) {
	rate := float64(l.perHour) / float64(time.Hour) // tokens per nanosecond
	l.mu.Lock()
	defer l.mu.Unlock()
	if len(l.buckets) > 100_000 {
		l.prune(now, rate)
	}
	b := l.buckets[addr]
	if b == nil {
		b = &bucket{tokens: float64(l.perHour), last: now}
		l.buckets[addr] = b
	}
	b.tokens = math.Min(float64(l.perHour), b.tokens+float64(now.Sub(b.last))*rate)
	b.last = now
	if b.tokens < 1 {
		return false, time.Duration(math.Ceil((1 - b.tokens) / rate))
	}
	b.tokens--
	return true, 0
}

// prune drops the buckets that have filled up again: they hold nothing.
func (l *venueLimits) prune(now time.Time, rate float64) {
	for a, b := range l.buckets {
		if b.tokens+float64(now.Sub(b.last))*rate >= float64(l.perHour) {
			delete(l.buckets, a)
		}
	}
}

// count records a registration at site.
func (l *venueLimits) count(site string, now time.Time) {
	l.mu.Lock()
	defer l.mu.Unlock()
	h := l.hour(site, now)
	h.now++
}

// lastHour estimates the site's registrations over the last hour: this
// clock hour's, and the last one's share of the hour not yet gone.
func (l *venueLimits) lastHour(site string, now time.Time) int {
	l.mu.Lock()
	defer l.mu.Unlock()
	h := l.hour(site, now)
	gone := float64(now.Unix()%3600) / 3600
	return h.now + int(float64(h.prev)*(1-gone))
}

func (l *venueLimits) hour(site string, now time.Time) *siteHour {
	cur := now.Unix() / 3600
	h := l.hours[site]
	if h == nil {
		h = &siteHour{hour: cur}
		l.hours[site] = h
	}
	switch {
	case h.hour == cur-1:
		h.hour, h.prev, h.now = cur, h.now, 0
	case h.hour < cur-1:
		h.hour, h.prev, h.now = cur, 0, 0
	}
	return h
}

// hourlyCapacity is how many people a site's schedule admits an hour.
func hourlyCapacity(ap *wire.Appointments) int {
	if ap == nil || !ap.On() || ap.SlotMinutes <= 0 {
		return venueHourly
	}
	return max(1, ap.Capacity*60/ap.SlotMinutes)
}

// powBits is the work asked of the next registration at site: 2 bits
// (4 times the work) more once its last hour passed its hourly capacity.
func (l *venueLimits) powBits(base int, site string, ap *wire.Appointments, now time.Time) int {
	if l.lastHour(site, now) > hourlyCapacity(ap) {
		return base + 2
	}
	return base
}
