package screening

import (
	"context"
	"sync/atomic"
	"time"
)

// The screening loop proves it is alive by bumping a counter on every turn,
// and at Options.BeatEvery while it waits: for the next scan, or for a held
// person's wait to end. A supervisor (systemd's watchdog, through
// firmware/sdnotify) pings only while the counter moves, so a loop stuck in
// a thermometer read or a ledger write gets the unit restarted while an
// idle lane at night does not.

// DefaultBeatEvery is how often an idle loop beats when Options.BeatEvery
// is zero: well inside the watchdog interval the README recommends.
const DefaultBeatEvery = time.Second

// beats counts the loop's turns and idle ticks; the zero value is ready.
type beats struct{ n atomic.Uint64 }

// Beats is how many times the screening loop has shown progress. It only
// grows; a value that stops growing means the loop is stuck.
func (p *Pipeline) Beats() uint64 { return p.beats.n.Load() }

func (p *Pipeline) beat() { p.beats.n.Add(1) }

type scanned struct {
	code []byte
	err  error
}

// nextScan waits for the next code, beating while it waits. The scan runs
// on its own goroutine only so the wait can beat; it is started when the
// loop is ready for the next person, never earlier, so the simulated lane
// and a real scanner see the same order of scan and reading as before.
// Scan honours ctx, so the goroutine ends with the loop.
func (p *Pipeline) nextScan(ctx context.Context) ([]byte, error) {
	res := make(chan scanned, 1)
	go func() {
		code, err := p.scan.Scan(ctx)
		res <- scanned{code, err}
	}()
	t := time.NewTicker(p.opts.BeatEvery)
	defer t.Stop()
	for {
		p.beat()
		select {
		case r := <-res:
			return r.code, r.err
		case <-t.C:
		}
	}
}
