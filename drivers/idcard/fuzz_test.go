package idcard

import (
	"bytes"
	"errors"
	"io"
	"testing"
)

// FuzzDecodeFrame feeds the decoder any byte stream, as a noisy or hostile
// serial line would: it must not panic, allocate past MaxLength for a
// frame, or loop; every frame it accepts re-encodes to bytes it accepts
// again with the same status and data.
func FuzzDecodeFrame(f *testing.F) {
	for _, tc := range publishedResponses {
		f.Add(unhex(f, tc.frame))
	}
	f.Add(EncodeResponse([3]byte{0, 0, 0x90}, baseInfo(SampleCards()[0])))
	f.Add(EncodeCommand(0x20, 0x01, nil))
	f.Add(unhex(f, "AA AA AA 96 69 FF FF 00"))
	f.Add(unhex(f, "00 AA AA AA AA 96 69 00 04 00 00 80 84"))
	f.Fuzz(func(t *testing.T, s []byte) {
		d := NewDecoder(bytes.NewReader(s))
		for range len(s) + 1 {
			resp, err := d.ReadResponse()
			if err != nil {
				if errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) {
					return
				}
				continue
			}
			again, err := NewDecoder(bytes.NewReader(EncodeResponse(resp.SW, resp.Data))).ReadResponse()
			if err != nil || again.SW != resp.SW || !bytes.Equal(again.Data, resp.Data) {
				t.Fatalf("re-encoded frame decodes to %+v, %v; want %+v", again, err, resp)
			}
			_ = fits(cmdReadBase, resp)
			if resp.Err() == nil && len(resp.Data) >= 4 {
				if text, err := baseText(resp.Data); err == nil {
					_, _ = ParseText(text)
				}
			}
		}
		t.Fatal("the decoder did not reach the end of the stream")
	})
}

// FuzzParseText feeds ParseText any 256 bytes, as a forged or damaged card
// could: it must not panic, and every card it accepts has a valid number
// and dates and encodes back to a block that parses to the same card.
func FuzzParseText(f *testing.F) {
	for _, c := range SampleCards() {
		f.Add(EncodeText(c))
	}
	f.Add(setNumber("990101198503120011")(EncodeText(SampleCards()[0])))
	f.Add(setField(fValidUntil, "99991231")(EncodeText(SampleCards()[0])))
	f.Add(make([]byte, TextLen))
	f.Fuzz(func(t *testing.T, b []byte) {
		c, err := ParseText(b)
		if err != nil {
			return
		}
		if err := CheckNumber(c.Number); err != nil {
			t.Fatalf("accepted a card whose number fails: %v", err)
		}
		again, err := ParseText(EncodeText(c))
		if err != nil {
			t.Fatalf("accepted card %+v does not survive encoding: %v", c, err)
		}
		if again.Number != c.Number || again.Birth != c.Birth || again.ValidUntil != c.ValidUntil {
			t.Fatalf("round trip changed %+v into %+v", c, again)
		}
	})
}
