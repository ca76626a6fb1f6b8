package delivery

import (
	"context"
	"errors"
	"testing"
	"time"
)

func TestBackoffDoublesWithJitterUpToItsCap(t *testing.T) {
	b := Backoff{Min: time.Second, Max: 30 * time.Second}
	steps := []time.Duration{1, 2, 4, 8, 16, 30, 30}
	for round := range 2 {
		for _, s := range steps {
			step := s * time.Second
			if d := b.Next(); d < step/2 || d > step {
				t.Fatalf("round %d: delay %v outside [%v, %v]", round, d, step/2, step)
			}
		}
		b.Reset()
	}
}

func TestLoopRefusesASecondRunUntilTheFirstLeaves(t *testing.T) {
	var l Loop
	leave, err := l.Enter()
	if err != nil {
		t.Fatal(err)
	}
	if _, err := l.Enter(); !errors.Is(err, ErrRunning) {
		t.Fatalf("second Enter = %v, want ErrRunning", err)
	}
	leave()
	leave, err = l.Enter()
	if err != nil {
		t.Fatalf("Enter after leave = %v", err)
	}
	leave()
}

func TestReconnectRetriesSoonAfterAWorkingConnectionIsLost(t *testing.T) {
	l := Loop{Min: time.Millisecond, Max: time.Hour}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var delays []time.Duration
	sessions := 0
	l.Reconnect(ctx, func(context.Context) (bool, error) {
		sessions++
		if sessions == 6 {
			cancel()
		}
		return sessions == 4, errors.New("down") // only the fourth came up
	}, func(_ error, d time.Duration) { delays = append(delays, d) })
	// 1, 2, 4 ms, then the working connection resets the doubling: 1 ms.
	if len(delays) != 5 || delays[3] > time.Millisecond || delays[2] < 2*time.Millisecond {
		t.Fatalf("delays %v: want doubling, reset after the working connection", delays)
	}
}
