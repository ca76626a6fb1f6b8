package qrscan

import (
	"fmt"
	"testing"
)

// loopReader returns its stream over and over, in reads of size bytes.
type loopReader struct {
	stream []byte
	off    int
	size   int
}

func (l *loopReader) Read(p []byte) (int, error) {
	n := copy(p[:min(len(p), l.size)], l.stream[l.off:])
	l.off = (l.off + n) % len(l.stream)
	return n, nil
}

// BenchmarkFrame frames health-code-sized codes (a 120-byte URL and CRLF)
// arriving in 64-byte reads, as from a USB-CDC scanner. A lane sees about
// one code a second (docs/product.md "Numbers worth knowing"), so anything in the thousands per second
// leaves the Pi Zero's CPU to the rest of the unit.
func BenchmarkFrame(b *testing.B) {
	var stream []byte
	for i := range 100 {
		stream = fmt.Appendf(stream, "https://hc.example.gov.cn/v?c=%08d&s=%0100d\r\n", i, i)
	}
	r := NewReader(&loopReader{stream: stream, size: 64}, &Opts{DedupWindow: 0})
	b.SetBytes(int64(len(stream) / 100))
	b.ReportAllocs()
	for b.Loop() {
		if _, err := r.Next(); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "codes/s")
}
