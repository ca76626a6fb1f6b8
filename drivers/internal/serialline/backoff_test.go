package serialline

import (
	"testing"
	"time"
)

func TestBackoffDoublesToCeilingWithJitter(t *testing.T) {
	const lo, hi = 250 * time.Millisecond, 5 * time.Second
	for _, tc := range []struct {
		attempt int
		jitter  float64
		want    time.Duration
	}{
		{0, 0, 125 * time.Millisecond},
		{0, 0.999999, 250 * time.Millisecond},
		{1, 0, 250 * time.Millisecond},
		{2, 0.5, 750 * time.Millisecond},
		{4, 0, 2 * time.Second},
		{5, 0, 2500 * time.Millisecond},
		{5, 0.999999, 5 * time.Second},
		{1000, 0, 2500 * time.Millisecond},
	} {
		got := Backoff(lo, hi, tc.attempt, tc.jitter)
		if got < tc.want-time.Millisecond || got > tc.want {
			t.Errorf("Backoff(attempt %d, jitter %v) = %v, want %v", tc.attempt, tc.jitter, got, tc.want)
		}
	}
}
