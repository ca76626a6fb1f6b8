package api

import (
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"fmt"
	"math/bits"
	"strconv"
	"strings"
	"sync"
	"time"
)

// Proof of work for the public registration: the page must find a nonce
// such that SHA-256(challenge + ":" + nonce) starts with `bits` zero bits.
// At 18 bits a phone spends about a second once; a script filling a day's
// hundreds of slots spends that for every one, on top of the address and
// network limits (venue_limit.go).
//
// A challenge is stateless: "<site>.<expiry>.<bits>.<salt>.<mac>", the MAC
// (HMAC-SHA256 with the centre's venue secret) binding the site, expiry,
// bits and the client's network, so a challenge cannot be forged, eased,
// moved to another site or handed out to a botnet. Each is accepted once:
// the used set remembers them until they expire. The set is per collector;
// two collectors behind one balancer could each accept a challenge once,
// which only halves the work asked, not the limits.

// powTTL is how long a challenge stays good: enough to fill in the form.
const powTTL = 10 * time.Minute

var errPow = errors.New("验证已失效，请刷新页面重试 (proof of work: the challenge is forged, expired, for another site or network, or used already, or the nonce does not solve it; reload the page)")

type powDesk struct {
	secret []byte
	mu     sync.Mutex
	used   map[string]time.Time // challenge → its expiry
}

func newPowDesk(secret []byte) *powDesk {
	return &powDesk{secret: secret, used: map[string]time.Time{}}
}

func (p *powDesk) mac(site, exp, bits, salt, network string) string {
	m := hmac.New(sha256.New, p.secret)
	fmt.Fprintf(m, "kakou-venue-pow-v1\x00%s\x00%s\x00%s\x00%s\x00%s", site, exp, bits, salt, network)
	return base64.RawURLEncoding.EncodeToString(m.Sum(nil)[:18])
}

// challenge issues one for site and the client's network.
func (p *powDesk) challenge(site, network string, bits int, now time.Time) string {
	salt := make([]byte, 9)
	rand.Read(salt)
	exp := strconv.FormatInt(now.Add(powTTL).Unix(), 10)
	b, s := strconv.Itoa(bits), base64.RawURLEncoding.EncodeToString(salt)
	return strings.Join([]string{site, exp, b, s, p.mac(site, exp, b, s, network)}, ".")
}

// verify accepts a challenge issued for site and network, not expired, not
// used, solved by nonce; and marks it used.
func (p *powDesk) verify(challenge, nonce, site, network string, now time.Time) error {
	parts := strings.Split(challenge, ".")
	if len(parts) != 5 || len(nonce) == 0 || len(nonce) > 32 {
		return errPow
	}
	want := p.mac(parts[0], parts[1], parts[2], parts[3], network)
	if parts[0] != site || !hmac.Equal([]byte(parts[4]), []byte(want)) {
		return errPow
	}
	exp, err1 := strconv.ParseInt(parts[1], 10, 64)
	need, err2 := strconv.Atoi(parts[2])
	if err1 != nil || err2 != nil || now.Unix() >= exp || need < 0 || need > 64 {
		return errPow
	}
	if !solves(challenge, nonce, need) {
		return errPow
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	if _, seen := p.used[challenge]; seen {
		return errPow
	}
	if len(p.used) > 1024 {
		for c, e := range p.used {
			if now.Unix() >= e.Unix() {
				delete(p.used, c)
			}
		}
	}
	p.used[challenge] = time.Unix(exp, 0)
	return nil
}

// solves reports whether SHA-256(challenge:nonce) has need leading zero bits.
func solves(challenge, nonce string, need int) bool {
	sum := sha256.Sum256([]byte(challenge + ":" + nonce))
	zeros := 0
	for _, b := range sum {
		if b != 0 {
			zeros += bits.LeadingZeros8(b)
			break
		}
		zeros += 8
	}
	return zeros >= need
}

// solve finds a nonce for challenge: what the page does, for tests and the
// bench.
func solve(challenge string) string {
	parts := strings.Split(challenge, ".")
	need := 0
	if len(parts) == 5 {
		need, _ = strconv.Atoi(parts[2])
	}
	for n := 0; ; n++ {
		if s := strconv.Itoa(n); solves(challenge, s, need) {
			return s
		}
	}
}
