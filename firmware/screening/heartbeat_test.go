package screening

import (
	"context"
	"io"
	"math"
	"testing"
	"time"

	"github.com/kakou/kakou/firmware/policy"
	"github.com/kakou/kakou/firmware/wire"
	"github.com/kakou/kakou/internal/testenv"
)

// oneScan hands out its codes, then waits for ctx like an idle lane.
type oneScan struct{ codes chan []byte }

func (s oneScan) Scan(ctx context.Context) ([]byte, error) {
	select {
	case c := <-s.codes:
		return c, nil
	case <-ctx.Done():
		return nil, ctx.Err()
	}
}

// hungThermo is a thermometer whose read never returns until released, as
// an I2C bus with a wedged chip can: the hardware edge the watchdog is for.
type hungThermo struct{ entered, release chan struct{} }

func (h hungThermo) Measure(context.Context) (policy.Reading, error) {
	h.entered <- struct{}{}
	<-h.release
	return policy.Reading{Raw: 36_000, Body: 36_500}, nil
}

func TestIdleLoopKeepsBeatingWhileItWaitsForAScan(t *testing.T) {
	var decided []wire.Entry
	o := options(&decided)
	o.BeatEvery = time.Millisecond
	p, err := New(fixedThermo{t: 309_650}, oneScan{make(chan []byte)}, &memLedger{}, o)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- p.Run(ctx) }()
	testenv.Await(t, "the idle loop to beat several times", 10*time.Second, func() bool { return p.Beats() > 5 })
	cancel()
	if err := <-done; err != nil {
		t.Fatal(err)
	}
}

func TestLoopStuckInAThermometerReadStopsBeatingAndResumesWhenFreed(t *testing.T) {
	var decided []wire.Entry
	o := options(&decided)
	o.BeatEvery = time.Millisecond
	th := hungThermo{entered: make(chan struct{}), release: make(chan struct{})}
	sc := oneScan{make(chan []byte, 1)}
	p, err := New(th, sc, &memLedger{}, o)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	go p.Run(ctx)
	testenv.Await(t, "the loop to beat while idle", 10*time.Second, func() bool { return p.Beats() > 2 })
	sc.codes <- []byte("not a known code")
	<-th.entered
	stuck := p.Beats()
	// Nothing can move the counter while the read hangs; the pause only
	// gives a wrong implementation the chance to show itself.
	time.Sleep(50 * o.BeatEvery)
	if got := p.Beats(); got != stuck {
		t.Fatalf("beats went from %d to %d while the loop hung in a thermometer read", stuck, got)
	}
	close(th.release)
	testenv.Await(t, "the freed loop to beat again", 10*time.Second, func() bool { return p.Beats() > stuck+2 })
}

// countedScan hands out n codes, then ends the stream.
type countedScan struct{ n int }

func (s *countedScan) Scan(context.Context) ([]byte, error) {
	if s.n == 0 {
		return nil, io.EOF
	}
	s.n--
	return []byte("someone"), nil
}

// BenchmarkWaitForScan measures what waiting for a scan costs now that
// the wait beats for the watchdog (a goroutine and a ticker per scan):
// "heartbeat" is the loop's own wait, "direct" calls the scanner as the
// loop did before, in the same run, so their ratio is the cost.
func BenchmarkWaitForScan(b *testing.B) {
	var decided []wire.Entry
	p, err := New(fixedThermo{t: 309_650}, &countedScan{}, &memLedger{}, options(&decided))
	if err != nil {
		b.Fatal(err)
	}
	ctx := context.Background()
	for _, c := range []struct {
		name string
		wait func(context.Context) ([]byte, error)
	}{{"heartbeat", p.nextScan}, {"direct", p.scan.Scan}} {
		b.Run(c.name, func(b *testing.B) {
			p.scan.(*countedScan).n = math.MaxInt
			b.ReportAllocs()
			for b.Loop() {
				if _, err := c.wait(ctx); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
