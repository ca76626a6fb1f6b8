package gate

import (
	"testing"
	"time"
)

func TestSignalAndOutputNames(t *testing.T) {
	tests := []struct{ got, want string }{
		{Allow.String(), "Allow"},
		{Fault.String(), "Fault"},
		{Signal(42).String(), "Signal(42)"},
		{Output(0).String(), "none"},
		{(Relay | Amber | Buzzer).String(), "relay+amber+buzzer"},
	}
	for _, tt := range tests {
		if tt.got != tt.want {
			t.Errorf("got %q, want %q", tt.got, tt.want)
		}
	}
}

func TestBlinkingTrackTogglesForever(t *testing.T) {
	k := track{on: true, edges: []time.Duration{100 * ms}, period: 500 * ms}
	tests := []struct {
		at   time.Duration
		on   bool
		next time.Duration
	}{
		{0, true, 100 * ms},
		{100 * ms, false, 600 * ms},
		{599 * ms, false, 600 * ms},
		{600 * ms, true, 1100 * ms},
		{time.Hour + 100*ms, false, time.Hour + 600*ms},
	}
	for _, tt := range tests {
		next, ok := k.next(tt.at)
		if k.at(tt.at) != tt.on || !ok || next != tt.next {
			t.Errorf("at %s: on %t next %s %t, want on %t next %s", tt.at, k.at(tt.at), next, ok, tt.on, tt.next)
		}
	}
	if _, ok := (track{on: true}).next(0); ok {
		t.Error("a steady track reports an edge")
	}
}
