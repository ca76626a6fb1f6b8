package collector

import (
	"errors"
	"strings"
	"testing"
)

func TestJetStreamLivePathIsOnUnlessTurnedOff(t *testing.T) {
	for _, tt := range []struct {
		name, line  string
		durableOnly bool
	}{
		{"by default", "", false},
		{"live = true", "live = true", false},
		{"live = false", "live = false", true},
	} {
		t.Run(tt.name, func(t *testing.T) {
			cfg, err := LoadConfig(writeConfig(t, natsBroker+"[broker.jetstream]\nurls = [\"nats://10.0.0.11:4222\"]\n"+tt.line))
			if err != nil {
				t.Fatal(err)
			}
			if got := (&Collector{cfg: cfg}).ingestJetStream(); got == nil || got.DurableOnly != tt.durableOnly {
				t.Fatalf("ingest options %+v, want DurableOnly %v", got, tt.durableOnly)
			}
		})
	}
}

func TestJetStreamLiveThatIsNotABooleanIsNamed(t *testing.T) {
	_, err := LoadConfig(writeConfig(t, natsBroker+"[broker.jetstream]\nurls = [\"nats://10.0.0.11:4222\"]\nlive = \"yes\""))
	var cerr *ConfigError
	if !errors.As(err, &cerr) || !strings.Contains(err.Error(), "broker.jetstream.live") {
		t.Fatalf("got %v, want a ConfigError naming broker.jetstream.live", err)
	}
}
