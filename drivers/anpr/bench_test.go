package anpr

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

// BenchmarkReader frames a camera's plates, one noise line for every
// four, in 32-byte reads. A vehicle lane sees a car every few seconds
// and a camera reads it a few times a second while it waits, so
// thousands a second leave the Pi's CPU to the rest of the unit.
func BenchmarkReader(b *testing.B) {
	var stream []byte
	for i := range 100 {
		if i%4 == 0 {
			stream = append(stream, "\x00\xffCAMERA HEARTBEAT\r\n"...)
		}
		stream = append(stream, Frame(fmt.Sprintf("粤B%05d", i), "blue", 90)...)
	}
	r := NewReader(&loopReader{stream: stream, size: 32}, &Opts{})
	b.ReportAllocs()
	for b.Loop() {
		if _, err := r.Next(); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "plates/s")
}
