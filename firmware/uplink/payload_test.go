package uplink

import (
	"bytes"
	"context"
	"encoding/json"
	"reflect"
	"testing"

	"github.com/kakou/kakou/firmware/delivery"
	"github.com/kakou/kakou/firmware/ledger"
	"github.com/kakou/kakou/firmware/wire"
)

func TestPayloadIsTheStoredEntryWithHistoricalSetOnlyForTheBacklog(t *testing.T) {
	l := newLedger(t)
	es := []wire.Entry{l.entry(""), l.entry("fever"), l.entry(""), l.entry("")}
	es[2].Visitor = &wire.Visitor{Name: "张三", Phone: wire.MaskPhone("13812345678"), Reason: "<deliveries & repairs>"}
	es[3].Override = &wire.Override{By: "guard-1", Reason: "known resident", Replaces: "entry-000001"}
	if err := l.AppendBatch(context.Background(), es); err != nil {
		t.Fatal(err)
	}
	rs, err := l.Pending(context.Background(), 0, 10)
	if err != nil || len(rs) != len(es) {
		t.Fatalf("Pending = %d records, %v", len(rs), err)
	}
	stored, err := l.Entries(context.Background(), 0, 10)
	if err != nil {
		t.Fatal(err)
	}
	for i := range rs {
		r := &rs[i]
		live, err := payload(r, false)
		if err != nil || !bytes.Equal(live, r.Body) {
			t.Fatalf("seq %d live payload = %s, %v; want the stored body", r.Seq, live, err)
		}
		backlog, err := payload(r, true)
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.HasPrefix(backlog, r.Body[:len(r.Body)-1]) {
			t.Fatalf("seq %d backlog payload %s was re-encoded, not spliced", r.Seq, backlog)
		}
		got, err := wire.DecodeEntry(backlog)
		if err != nil {
			t.Fatalf("seq %d: backlog payload does not decode: %v\n%s", r.Seq, err, backlog)
		}
		want := stored[i]
		want.Historical = true
		if !reflect.DeepEqual(got, want) {
			t.Fatalf("seq %d backlog payload decodes to\n%+v\nwant\n%+v", r.Seq, got, want)
		}
	}
}

// oddBodies are bodies the ledger itself never writes, and a few it does,
// for the slow path and the edges of the splice.
var oddBodies = []struct {
	name string
	body string
}{
	{"as stored", `{"schema":1,"id":"e-1","site":"s","unit":"u","seq":3,"alert":"fever"}`},
	{"already historical", `{"schema":1,"seq":3,"historical":true}`},
	{"not historical, spelled out", `{"schema":1,"seq":3,"historical":false}`},
	{"the word in a text", `{"seq":3,"reasons":[{"code":"x","en":"historical"}]}`},
	{"the key in another case", `{"seq":3,"Historical":false}`},
	{"the key escaped", `{"seq":3,"h\u0069storical":false}`},
	{"whitespace around", "\n\t {\"seq\":3} \r\n"},
	{"whitespace before the brace", `{"seq":3   }`},
	{"nested object last", `{"seq":3,"visitor":{"name":"x"}}`},
	{"brace in a string last", `{"seq":3,"id":"}"}`},
	{"empty object", `{}`},
	{"empty object with space", `{ }`},
	{"null", `null`},
	{"array", `[{"seq":3}]`},
	{"string", `"{}"`},
	{"truncated", `{"seq":3`},
	{"extra brace", `{"seq":3}}`},
	{"trailing comma", `{"seq":3,}`},
	{"wrong type", `{"seq":"three"}`},
	{"not JSON", `seq=3}`},
	{"empty", ``},
}

func TestPayloadOfOddBodiesDecodesAsTheBodyWouldOrNotAtAll(t *testing.T) {
	for _, tc := range oddBodies {
		for _, historical := range []bool{false, true} {
			checkPayload(t, tc.name, []byte(tc.body), historical)
		}
	}
	// A body that already says historical is re-encoded: one key, not two.
	r := ledger.Record{Seq: 3, Body: []byte(`{"schema":1,"seq":3,"historical":false}`)}
	if p, _ := payload(&r, true); bytes.Count(p, delivery.HistoricalKey) != 1 {
		t.Fatalf("payload %s: want exactly one historical key", p)
	}
}

// FuzzBacklogPayload checks the splice against bodies the table does not
// think of: go test -fuzz FuzzBacklogPayload ./firmware/uplink/
func FuzzBacklogPayload(f *testing.F) {
	for _, tc := range oddBodies {
		f.Add([]byte(tc.body))
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		checkPayload(t, "fuzz", body, true)
	})
}

// checkPayload: a body that decodes gives a payload that decodes to the
// same entry with Historical as asked; a body that does not decode never
// becomes a payload that does.
func checkPayload(t *testing.T, name string, body []byte, historical bool) {
	t.Helper()
	r := ledger.Record{Seq: 3, Body: body}
	p, perr := payload(&r, historical)
	var want wire.Entry
	if err := json.Unmarshal(body, &want); err != nil {
		var got wire.Entry
		if perr == nil && json.Unmarshal(p, &got) == nil {
			t.Fatalf("%s (historical %v): body %q does not decode (%v) but its payload %q does",
				name, historical, body, err, p)
		}
		return
	}
	if perr != nil {
		t.Fatalf("%s (historical %v): body %q decodes but payload fails: %v", name, historical, body, perr)
	}
	var got wire.Entry
	if err := json.Unmarshal(p, &got); err != nil {
		t.Fatalf("%s (historical %v): payload %q of body %q does not decode: %v", name, historical, p, body, err)
	}
	want.Historical = historical
	// Compared as JSON: equal entries may hold equal times in different
	// *time.Location values.
	wb, _ := json.Marshal(want)
	gb, _ := json.Marshal(got)
	if !bytes.Equal(wb, gb) {
		t.Fatalf("%s (historical %v): payload %q decodes to\n%s\nwant\n%s", name, historical, p, gb, wb)
	}
}
