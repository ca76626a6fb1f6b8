package lan

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestParseEntryRefusesTheHostileCorpus runs testdata/hostile/mqtt through
// the gateway's entry parser, as the site "site-a" the corpus is written
// for: each is refused with a reason (onEntry logs it as "refused
// message"), except the replays, which are valid and stored once.
func TestParseEntryRefusesTheHostileCorpus(t *testing.T) {
	paths, err := filepath.Glob(filepath.Join("..", "..", "testdata", "hostile", "mqtt", "*.msg"))
	if err != nil || len(paths) == 0 {
		t.Fatalf("no hostile MQTT corpus: %v", err)
	}
	for _, p := range paths {
		name := strings.TrimSuffix(filepath.Base(p), ".msg")
		t.Run(name, func(t *testing.T) {
			b, err := os.ReadFile(p)
			if err != nil {
				t.Fatal(err)
			}
			topic, payload, _ := bytes.Cut(b, []byte("\n"))
			_, err = parseEntry("site-a", string(topic), payload)
			if strings.HasPrefix(name, "replay-") {
				if err != nil {
					t.Fatalf("a replay is valid and stored once: %v", err)
				}
				return
			}
			if err == nil {
				t.Fatal("accepted")
			}
			if len(err.Error()) > 1024 {
				t.Fatalf("a %d-byte reason echoes the payload", len(err.Error()))
			}
		})
	}
}
