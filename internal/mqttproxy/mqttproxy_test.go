package mqttproxy

import (
	"bufio"
	"bytes"
	"testing"
)

// readPacket reads what a broker sends; whatever the bytes, it returns a
// whole packet or an error, never panics, and body finds the packet's
// payload inside it.
func FuzzReadPacket(f *testing.F) {
	for _, seed := range [][]byte{
		{0x40, 0x02, 0x00, 0x01},                                  // PUBACK id 1
		{0x90, 0x03, 0x00, 0x02, 0x01},                            // SUBACK id 2 granted QoS 1
		{0x82, 0x08, 0x00, 0x03, 0x00, 0x03, 'a', '/', 'b', 0x01}, // SUBSCRIBE a/b
		{0x30, 0xff, 0xff, 0xff, 0xff, 0x7f},                      // a remaining length of five bytes
		{0x30, 0x80},                                              // cut short
		{},
	} {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, in []byte) {
		pkt, err := readPacket(bufio.NewReader(bytes.NewReader(in)))
		if err != nil {
			return
		}
		if !bytes.HasPrefix(in, pkt) {
			t.Fatalf("packet %x is not a prefix of the input %x", pkt, in)
		}
		if b := body(pkt); len(b) > len(pkt)-2 {
			t.Fatalf("body %d bytes of a %d-byte packet", len(b), len(pkt))
		}
	})
}
