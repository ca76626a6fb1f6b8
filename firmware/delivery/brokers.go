package delivery

import (
	"fmt"
	"hash/fnv"
	"net/url"
	"slices"
	"sync"
)

// Rotation is the order a device tries its brokers in when it is given
// several (the nodes of a clustered broker, any of which serves it). It
// starts at a position derived from the device's site and unit, so the
// devices of a city spread over the nodes without being told which to use
// and each device comes back to the same node after a restart; every
// connection that ends, lost or never made, moves it on to the next node,
// so a device whose node died tries another one first.
type Rotation struct {
	mu   sync.Mutex
	urls []string
	i    int
}

// NewRotation starts at Start(len(urls), site, unit). urls must not be
// empty; CheckBrokers says whether they are usable.
func NewRotation(urls []string, site, unit string) *Rotation {
	return &Rotation{urls: slices.Clone(urls), i: Start(len(urls), site, unit)}
}

// Start is the index of the broker a device tries first, of n: the
// FNV-1a hash of its site and unit, modulo n. A hash, not a count the
// centre hands out, so it needs nothing but the device's own identity.
func Start(n int, site, unit string) int {
	if n <= 1 {
		return 0
	}
	h := fnv.New32a()
	h.Write([]byte(site))
	h.Write([]byte{0}) // "ab"+"c" and "a"+"bc" are different devices
	h.Write([]byte(unit))
	return int(h.Sum32() % uint32(n))
}

// Current is the broker the next connection dials.
func (r *Rotation) Current() string {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.urls[r.i]
}

// Next moves on to the following broker, wrapping after the last.
func (r *Rotation) Next() {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.i = (r.i + 1) % len(r.urls)
}

// Len is how many brokers the rotation holds.
func (r *Rotation) Len() int { return len(r.urls) }

// tlsSchemes are the broker URL schemes paho dials with TLS.
var tlsSchemes = []string{"ssl", "tls", "mqtts", "mqtt+ssl", "tcps", "wss"}

// Secure says whether paho dials scheme with TLS.
func Secure(scheme string) bool { return slices.Contains(tlsSchemes, scheme) }

// CheckBrokers says what is wrong with a list of broker URLs, or nil: it
// must not be empty, hold the same URL twice, nor mix TLS and plain URLs
// (the device has one set of TLS files, and a list that is half plain
// would send entries in clear whenever it rotated onto those). Each URL's
// own syntax is the caller's to check, with its own key in the message.
func CheckBrokers(urls []string) error {
	if len(urls) == 0 {
		return fmt.Errorf("no broker URL: give at least one, e.g. tcp://192.168.1.10:1883")
	}
	first, err := url.Parse(urls[0])
	if err != nil {
		return fmt.Errorf("broker %q: %w", urls[0], err)
	}
	for i, raw := range urls {
		if slices.Index(urls, raw) != i {
			return fmt.Errorf("broker %q is listed twice", raw)
		}
		u, err := url.Parse(raw)
		if err != nil {
			return fmt.Errorf("broker %q: %w", raw, err)
		}
		if Secure(u.Scheme) != Secure(first.Scheme) {
			return fmt.Errorf("broker %q and %q mix TLS and plain URLs: use the same scheme for every node", urls[0], raw)
		}
	}
	return nil
}
