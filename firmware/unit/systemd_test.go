package unit

import (
	"context"
	"log/slog"
	"strings"
	"testing"
)

func TestThousandsGroupsDigitsForTheStatusLine(t *testing.T) {
	for n, want := range map[int]string{0: "0", 999: "999", 1000: "1,000", 1234: "1,234", 1234567: "1,234,567"} {
		if got := thousands(n); got != want {
			t.Errorf("thousands(%d) = %q, want %q", n, got, want)
		}
	}
}

func TestStatusLineSaysScreeningTheUplinkAndTodaysEntries(t *testing.T) {
	cfg := minimalConfig(t, "")
	cfg.TrustClock = true // "today" is believed only from a synced clock
	u, err := New(cfg, slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	defer u.Close()
	ctx := context.Background()
	for range 2 {
		if _, err := u.pipeline.Screen(ctx, []byte("a person")); err != nil {
			t.Fatal(err)
		}
	}
	got := u.StatusLine(ctx)
	if !strings.HasPrefix(got, "screening; uplink not connected; 2 entries today") {
		t.Fatalf("status line %q, want screening, the uplink and today's 2 entries", got)
	}
	select {
	case <-u.Started():
		t.Fatal("Started before Run")
	default:
	}
}
