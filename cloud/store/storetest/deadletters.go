package storetest

import (
	"bytes"
	"strings"
	"testing"
	"time"

	"github.com/kakou/kakou/cloud/store"
)

// DeadLetters holds a backend to the dead-letter contract.
func DeadLetters(t *testing.T, open func(*testing.T) Store) {
	for _, bh := range []struct {
		name string
		run  func(*testing.T, Store)
	}{
		{"round-trip newest first", behaveDeadLettersRoundTrip},
		{"oversize payload truncated to 16 KiB", behaveDeadLettersTruncate},
		{"hostile topic and error stored as text", behaveDeadLettersHostileText},
	} {
		t.Run(bh.name, func(t *testing.T) {
			t.Parallel()
			bh.run(t, open(t))
		})
	}
}

func putDead(t *testing.T, s Store, d store.DeadLetter) {
	t.Helper()
	if err := s.PutDeadLetter(ctx, d); err != nil {
		t.Fatal(err)
	}
}

func behaveDeadLettersRoundTrip(t *testing.T, s Store) {
	at := time.Date(2024, 3, 1, 8, 0, 0, 123, time.UTC)
	putDead(t, s, store.DeadLetter{Topic: "kakou/v1/s1/u1/entry", Payload: []byte("{not json"), Error: "bad json", ReceivedAt: at})
	putDead(t, s, store.DeadLetter{Topic: "kakou/v1/s1/u2/status", Payload: []byte{0xff, 0x00}, Error: "utf8", ReceivedAt: at.Add(time.Second)})
	got, err := s.DeadLetters(ctx, 10)
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 2 || got[0].Topic != "kakou/v1/s1/u2/status" || got[1].Topic != "kakou/v1/s1/u1/entry" {
		t.Fatalf("dead letters %+v, want u2's then u1's", got)
	}
	if d := got[1]; string(d.Payload) != "{not json" || d.Size != 9 || d.Truncated || d.Error != "bad json" || !d.ReceivedAt.Equal(at) {
		t.Fatalf("round-trip: %+v", d)
	}
	if !bytes.Equal(got[0].Payload, []byte{0xff, 0x00}) {
		t.Fatalf("binary payload came back as %x", got[0].Payload)
	}
	if n, err := s.CountDeadLetters(ctx); err != nil || n != 2 {
		t.Fatalf("count %d (%v), want 2", n, err)
	}
}

func behaveDeadLettersTruncate(t *testing.T, s Store) {
	big := bytes.Repeat([]byte("A"), 1<<20)
	putDead(t, s, store.DeadLetter{Topic: "t", Payload: big, Error: "too big", ReceivedAt: time.Now()})
	got, err := s.DeadLetters(ctx, 1)
	if err != nil || len(got) != 1 {
		t.Fatalf("%v %v", got, err)
	}
	if d := got[0]; len(d.Payload) != store.MaxDeadPayload || d.Size != len(big) || !d.Truncated {
		t.Fatalf("kept %d bytes of %d (truncated %v), want %d", len(d.Payload), d.Size, d.Truncated, store.MaxDeadPayload)
	}
}

// behaveDeadLettersHostileText stores what an attacker may put in a topic
// or provoke in an error: SQL, invalid UTF-8, NUL, and far too much of it.
func behaveDeadLettersHostileText(t *testing.T, s Store) {
	topic := "kakou/v1/'); DROP TABLE entries;--/\xff\xfe\x00/entry"
	putDead(t, s, store.DeadLetter{Topic: topic, Error: strings.Repeat("é", 5000), ReceivedAt: time.Now()})
	got, err := s.DeadLetters(ctx, 1)
	if err != nil || len(got) != 1 {
		t.Fatalf("%v %v", got, err)
	}
	d := got[0]
	if !strings.HasPrefix(d.Topic, "kakou/v1/'); DROP TABLE entries;--/") || strings.ContainsRune(d.Topic, 0) {
		t.Fatalf("topic stored as %q", d.Topic)
	}
	if len(d.Error) > store.MaxDeadText {
		t.Fatalf("error kept %d bytes, want at most %d", len(d.Error), store.MaxDeadText)
	}
	if _, err := s.Entries(ctx, store.Query{}); err != nil {
		t.Fatalf("entries after an injection-looking topic: %v", err)
	}
}
