package send_test

import (
	"strconv"
	"testing"
	"time"

	"github.com/kakou/kakou/cloud/report/send"
)

// Verify reads a receiver's headers as they came over the network: it
// must never panic, and must accept only what Sign made for the body.
func FuzzVerify(f *testing.F) {
	body := []byte(`{"report":"zero"}`)
	ts, sig := send.Sign(secret, cut, body)
	for _, seed := range []struct{ ts, sig, body string }{
		{ts, sig, string(body)},
		{ts, sig, ""},
		{"", "", ""},
		{"-9223372036854775808", sig, string(body)},
		{"9223372036854775807", "zz", string(body)},
		{ts + "0", sig, string(body)},
		{" " + ts, sig, string(body)},
		{"+" + ts, sig, string(body)},
	} {
		f.Add(seed.ts, seed.sig, []byte(seed.body))
	}
	f.Fuzz(func(t *testing.T, ts, sig string, b []byte) {
		err := send.Verify(secret, ts, sig, b, cut, time.Hour)
		if err != nil {
			return
		}
		if wantTS, wantSig := send.Sign(secret, parseUnix(ts), b); wantTS != ts || wantSig != sig {
			// Only Sign's own output passes: the canonical timestamp and its MAC.
			t.Errorf("accepted %q %q for %q, which Sign did not make", ts, sig, b)
		}
	})
}

func parseUnix(ts string) time.Time {
	sec, _ := strconv.ParseInt(ts, 10, 64)
	return time.Unix(sec, 0)
}
