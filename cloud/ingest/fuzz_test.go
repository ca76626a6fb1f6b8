package ingest

import (
	"testing"

	"github.com/kakou/kakou/firmware/wire"
)

// FuzzParse holds parse to its contract for any topic and payload a
// client can publish: no panic, and whatever it accepts is valid and
// belongs to the unit its topic names. Seeded from the hostile corpus.
func FuzzParse(f *testing.F) {
	for _, m := range hostileMessages(f) {
		f.Add(m.topic, m.payload)
	}
	f.Fuzz(func(t *testing.T, topic string, payload []byte) {
		msg, err := parse(topic, payload)
		if err != nil {
			return
		}
		site, unit, _, _ := wire.ParseTopic(topic)
		switch {
		case msg.entry != nil:
			if msg.entry.Site != site || msg.entry.Unit != unit || msg.entry.Validate() != nil {
				t.Fatalf("accepted entry %+v on %q", msg.entry, topic)
			}
		case msg.status != nil:
			if msg.status.Site != site || msg.status.Unit != unit || msg.status.Validate() != nil {
				t.Fatalf("accepted status %+v on %q", msg.status, topic)
			}
		default:
			t.Fatalf("accepted nothing without an error on %q", topic)
		}
	})
}
