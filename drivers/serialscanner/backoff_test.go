package serialscanner

import (
	"path/filepath"
	"testing"
	"time"

	"github.com/kakou/kakou/drivers/internal/serialline"
)

// replugPromise is how soon a replugged scanner must be read again.
const replugPromise = 2 * time.Second

func TestDefaultBackoffNeverWaitsLongerThanReopenMax(t *testing.T) {
	o := DefaultOpts.withDefaults()
	if o.ReopenMax >= replugPromise {
		t.Fatalf("DefaultOpts.ReopenMax = %v: a replug could wait that long, want under %v", o.ReopenMax, replugPromise)
	}
	for attempt := range 200 {
		for _, jitter := range []float64{0, 0.5, 0.999999} {
			if d := serialline.Backoff(o.ReopenMin, o.ReopenMax, attempt, jitter); d > o.ReopenMax || d <= 0 {
				t.Fatalf("serialline.Backoff(attempt %d, jitter %v) = %v, want 0 < d <= %v", attempt, jitter, d, o.ReopenMax)
			}
		}
	}
}

// recordWaits replaces doWait and returns the waits the reopen loop asks
// for, one per attempt; the loop blocks until the test takes each.
func recordWaits(t *testing.T) <-chan time.Duration {
	waits := make(chan time.Duration)
	old := doWait
	doWait = func(d time.Duration, done <-chan struct{}) bool {
		select {
		case waits <- d:
			return true
		case <-done:
			return false
		}
	}
	t.Cleanup(func() { doWait = old })
	return waits
}

// A scanner unplugged for a long time is retried at least every ReopenMax,
// so whenever it comes back it is opened within ReopenMax plus one open,
// well inside the 2 s a guard is promised. The schedule is asserted, not
// timed: a loaded machine cannot make this test flaky.
func TestReopenScheduleIsBoundedSoAReplugIsBackWithinTwoSeconds(t *testing.T) {
	waits := recordWaits(t)
	opts := DefaultOpts
	opts.Port = filepath.Join(t.TempDir(), "ttyACM0") // unplugged the whole time
	s, err := Open(&opts)
	if err != nil {
		t.Fatal(err)
	}
	var got []time.Duration
	for range 40 {
		got = append(got, <-waits)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	if first := got[0]; first > opts.ReopenMin || first < opts.ReopenMin/2 {
		t.Errorf("first wait %v, want ReopenMin %v jittered to half of it at least", first, opts.ReopenMin)
	}
	var longest time.Duration
	for i, d := range got {
		if d > opts.ReopenMax {
			t.Errorf("attempt %d waited %v, more than ReopenMax %v", i, d, opts.ReopenMax)
		}
		longest = max(longest, d)
	}
	if longest < opts.ReopenMax/2 {
		t.Errorf("longest wait %v: the backoff never grew towards ReopenMax %v (%v)", longest, opts.ReopenMax, got)
	}
	if longest >= replugPromise {
		t.Errorf("longest wait %v: a replug could take longer than %v", longest, replugPromise)
	}
	if st := s.State(); st.Reconnects != 0 {
		t.Errorf("State = %+v, want no reconnect of an absent port", st)
	}
}
