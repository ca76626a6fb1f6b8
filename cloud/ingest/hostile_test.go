package ingest

import (
	"bytes"
	"context"
	"maps"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/kakou/kakou/cloud/store"
	"github.com/kakou/kakou/cloud/store/sqlite"
	"github.com/kakou/kakou/cloud/store/storetest"
	"github.com/kakou/kakou/firmware/wire"
	"github.com/kakou/kakou/internal/testenv"
)

// hostileMessage is one file of testdata/hostile/mqtt: the topic on the
// first line, the payload after it, byte for byte.
type hostileMessage struct {
	name, topic string
	payload     []byte
}

func hostileMessages(t testing.TB) []hostileMessage {
	t.Helper()
	paths, err := filepath.Glob(filepath.Join("..", "..", "testdata", "hostile", "mqtt", "*.msg"))
	if err != nil || len(paths) == 0 {
		t.Fatalf("no hostile MQTT corpus: %v", err)
	}
	var out []hostileMessage
	for _, p := range paths {
		b, err := os.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		topic, payload, _ := bytes.Cut(b, []byte("\n"))
		out = append(out, hostileMessage{strings.TrimSuffix(filepath.Base(p), ".msg"), string(topic), payload})
	}
	return out
}

func deadLetters(t *testing.T, s *sqlite.Store) []store.DeadLetter {
	t.Helper()
	got, err := s.DeadLetters(context.Background(), 1000)
	if err != nil {
		t.Fatal(err)
	}
	return got
}

// TestIngestDeadLettersEveryHostileMessageAndChangesNothingElse publishes
// the hostile corpus after one good entry and status: every message but the
// replays lands in the dead-letter table with its reason, the replays are
// stored as duplicates, and no other table gains or loses a row.
func TestIngestDeadLettersEveryHostileMessageAndChangesNothingElse(t *testing.T) {
	url, dir := startBroker(t), t.TempDir()
	path := filepath.Join(dir, "cloud.db")
	s, err := sqlite.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	in := startIngest(t, s, url, "cloud")
	u := unit(t, url)
	publish(t, u, wire.StatusTopic("site-a", "u1"), false, wire.Status{Schema: wire.SchemaVersion,
		Site: "site-a", Unit: "u1", State: wire.Online, Time: t0})
	publish(t, u, wire.EntryTopic("site-a", "u1"), false, entry("site-a", "u1", 1))
	testenv.Await(t, "baseline stored", wait, handled(in, 2))
	before := storetest.RowCounts(t, path, "dead_letters")

	msgs := hostileMessages(t)
	var refused, delivered int
	for _, m := range msgs {
		publish(t, u, m.topic, false, m.payload)
		if subscribed(m.topic) {
			delivered++
			if !strings.HasPrefix(m.name, "replay-") {
				refused++
			}
		}
	}
	testenv.Await(t, "every hostile message handled", wait, handled(in, uint64(2+delivered)))
	// Rejected counts a message as it is parsed; its dead letter is written
	// when the writer gets to it.
	testenv.Await(t, "every refusal kept", wait, func() bool { return len(deadLetters(t, s)) >= refused })

	if after := storetest.RowCounts(t, path, "dead_letters"); !maps.Equal(before, after) {
		t.Fatalf("tables changed:\nbefore %v\nafter  %v", before, after)
	}
	dead := deadLetters(t, s)
	if len(dead) != refused || in.Stats().Rejected != uint64(refused) {
		t.Fatalf("%d dead letters, %d rejected; want %d", len(dead), in.Stats().Rejected, refused)
	}
	byTopic := map[string]store.DeadLetter{}
	for _, d := range dead {
		if d.Error == "" || d.ReceivedAt.IsZero() || len(d.Payload) > store.MaxDeadPayload {
			t.Errorf("dead letter %+v: want a reason, a time and at most 16 KiB", d)
		}
		byTopic[d.Topic] = d
	}
	for _, m := range msgs {
		if _, ok := byTopic[m.topic]; !ok && subscribed(m.topic) && !strings.HasPrefix(m.name, "replay-") {
			t.Errorf("%s: no dead letter on topic %q", m.name, m.topic)
		}
	}
}

// subscribed says whether ingest's filters (wire.EntryFilter and
// StatusFilter) match topic: the broker never hands it anything else.
func subscribed(topic string) bool {
	levels := strings.Split(topic, "/")
	return len(levels) == 5 && levels[0]+"/"+levels[1] == wire.Root &&
		(levels[4] == wire.KindEntry || levels[4] == wire.KindStatus)
}

// TestParseRefusesEveryHostileMessage runs the corpus through parse alone,
// so each refusal is checked to say why.
func TestParseRefusesEveryHostileMessage(t *testing.T) {
	for _, m := range hostileMessages(t) {
		t.Run(m.name, func(t *testing.T) {
			_, err := parse(m.topic, m.payload)
			if strings.HasPrefix(m.name, "replay-") {
				if err != nil {
					t.Fatalf("a replay is a valid message, stored once: %v", err)
				}
				return
			}
			if err == nil {
				t.Fatal("accepted")
			}
			t.Logf("refused: %.200v", err)
		})
	}
}
