package lan

import (
	"encoding/json"
	"testing"

	"github.com/kakou/kakou/firmware/wire"
)

// FuzzHandleEntry feeds the decode path of the entry handler arbitrary
// topics and payloads: whatever it accepts must be this site's, from the
// unit its topic names, valid, and storable.
func FuzzHandleEntry(f *testing.F) {
	u := &unit{name: "entrance-1", lane: wire.LaneIn}
	good, _ := json.Marshal(u.entry(1, wire.Allow))
	seeds := []struct{ topic, body string }{
		{wire.EntryTopic(testSite, "entrance-1"), string(good)},
		{wire.EntryTopic("other", "entrance-1"), string(good)},
		{wire.EntryTopic(testSite, "entrance-2"), string(good)},
		{"kakou/v1/" + testSite + "/entrance-1", string(good)},
		{wire.EntryTopic(testSite, "entrance-1"), `{"schema":1,"seq":18446744073709551615}`},
		{wire.EntryTopic(testSite, "entrance-1"), `{"schema":2}`},
		{wire.EntryTopic(testSite, "entrance-1"), "{"},
		{wire.StatusTopic(testSite, "entrance-1"), string(good)},
	}
	for _, s := range seeds {
		f.Add(s.topic, []byte(s.body))
	}
	f.Fuzz(func(t *testing.T, topic string, payload []byte) {
		e, err := parseEntry(testSite, topic, payload)
		if err != nil {
			return
		}
		if e.Site != testSite || wire.EntryTopic(e.Site, e.Unit) != topic {
			t.Fatalf("accepted %s/%s on topic %q", e.Site, e.Unit, topic)
		}
		if err := e.Validate(); err != nil {
			t.Fatalf("accepted an invalid entry: %v", err)
		}
		if e.Seq == 0 || e.Seq > 1<<63-1 {
			t.Fatalf("accepted seq %d", e.Seq)
		}
	})
}
