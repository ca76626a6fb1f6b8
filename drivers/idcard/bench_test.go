package idcard

import (
	"context"
	"net"
	"testing"
	"time"
)

// loopReader returns its stream over and over.
type loopReader struct {
	stream []byte
	off    int
}

func (l *loopReader) Read(p []byte) (int, error) {
	n := copy(p, l.stream[l.off:])
	l.off = (l.off + n) % len(l.stream)
	return n, nil
}

// BenchmarkDecodeReadBase decodes the module's answer to read base
// information: the 1295-byte frame with the text and the photo.
func BenchmarkDecodeReadBase(b *testing.B) {
	f := EncodeResponse([3]byte{0, 0, 0x90}, baseInfo(SampleCards()[3]))
	d := NewDecoder(&loopReader{stream: f})
	b.SetBytes(int64(len(f)))
	b.ReportAllocs()
	for b.Loop() {
		if _, err := d.ReadResponse(); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkParseText decodes and checks the 256-byte text block.
func BenchmarkParseText(b *testing.B) {
	text := EncodeText(SampleCards()[3])
	b.ReportAllocs()
	for b.Loop() {
		if _, err := ParseText(text); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkPlacedToFound is the time from a card placed on the simulated
// module to found() over an in-memory pipe, polling every 10 ms. The card
// is placed just after a poll found none, so this is the worst case: a
// whole poll interval (300 ms by default) plus the driver's own cost (see
// BenchmarkReadOnce). A real module adds its radio time, about 0.8 s for
// the read.
func BenchmarkPlacedToFound(b *testing.B) {
	host, module := net.Pipe()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	sim := NewSim()
	go func() { _ = sim.Serve(ctx, module) }()
	r := New(host, Options{PollInterval: 10 * time.Millisecond})
	defer r.Close()
	found := make(chan Card)
	go func() {
		_ = r.Run(ctx, func(c Card) { found <- c })
	}()
	card := SampleCards()[0]
	b.ReportAllocs()
	for b.Loop() {
		sim.Place(card)
		<-found
		// Lifting is not timed: wait until the reader has seen the card gone.
		b.StopTimer()
		sim.Lift()
		for n := sim.missCount(); sim.missCount() == n; {
			time.Sleep(time.Millisecond)
		}
		b.StartTimer()
	}
}

// BenchmarkReadOnce is one find, select and read exchange with a card on
// the simulated module over an in-memory pipe: the driver's cost of a read,
// without the poll wait.
func BenchmarkReadOnce(b *testing.B) {
	host, module := net.Pipe()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	sim := NewSim()
	sim.Place(SampleCards()[0])
	go func() { _ = sim.Serve(ctx, module) }()
	r := New(host, Options{})
	defer r.Close()
	b.ReportAllocs()
	for b.Loop() {
		if _, err := r.ReadOnce(ctx); err != nil {
			b.Fatal(err)
		}
	}
}
