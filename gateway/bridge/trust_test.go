package bridge

import (
	"bytes"
	"testing"
	"time"

	"github.com/kakou/kakou/firmware/wire"
)

// A trust list of several MiB (the EU DCC list's size and a long
// revocation list) crosses the cloud broker, the bridge and the LAN
// broker whole, and a newer one replaces it there.
func TestBridgeRelaysTheTrustListRetainedToTheLAN(t *testing.T) {
	r := newRig(t, time.Minute, false)
	first := bytes.Repeat([]byte("a"), 5<<20)
	publishRetained(t, r.cloud.url, wire.TrustTopic, first)
	r.start()
	r.connected()
	waitFor(t, "the trust list retained on the LAN", func() bool {
		got, ok := retainedWithin(t, r.lan.url, wire.TrustTopic, 10*time.Second)
		return ok && bytes.Equal(got, first)
	})
	next := []byte(`{"schema":1,"version":2}`)
	publishRetained(t, r.cloud.url, wire.TrustTopic, next)
	waitFor(t, "the newer trust list retained on the LAN", func() bool {
		got, ok := retained(t, r.lan.url, wire.TrustTopic)
		return ok && bytes.Equal(got, next)
	})
}
