package wire

import (
	"encoding/json"
	"errors"
	"reflect"
	"strings"
	"testing"
	"time"
)

func sampleEntry() Entry {
	return Entry{
		Schema: SchemaVersion, ID: "0193a0c4-7b7e-7c3a-9d2e-5f1a2b3c4d5e",
		Site: "sunshine-garden", Unit: "north-gate", Seq: 42, BootID: "b1",
		Lane: LaneIn, Time: time.Date(2026, 11, 23, 8, 0, 0, 0, time.UTC), ClockSynced: true,
		Temperature:   &Temperature{RawC: 36.1, CorrectedC: 36.7},
		Credential:    Credential{Kind: CredentialResidentPass, Result: "valid", Subject: "P-0012"},
		Decision:      Allow,
		Reasons:       []Reason{{Code: "ok", ZH: "通过", EN: "pass"}},
		PolicyVersion: "default-1",
	}
}

func mustJSON(t testing.TB, v any) []byte {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestDecodeEntryRoundTrips(t *testing.T) {
	want := sampleEntry()
	got, err := DecodeEntry(mustJSON(t, want))
	if err != nil {
		t.Fatal(err)
	}
	if got.ID != want.ID || got.Seq != want.Seq || !reflect.DeepEqual(got.Temperature, want.Temperature) ||
		got.Credential != want.Credential || !got.Time.Equal(want.Time) || got.Reasons[0] != want.Reasons[0] {
		t.Fatalf("round trip changed the entry:\n got %+v\nwant %+v", got, want)
	}
}

func TestDecodeEntryRejectsBadFields(t *testing.T) {
	cases := []struct {
		name   string
		mutate func(*Entry)
		want   string
	}{
		{"wrong schema", func(e *Entry) { e.Schema = 2 }, "unsupported schema version 2"},
		{"site with slash", func(e *Entry) { e.Site = "a/b" }, "site"},
		{"site with wildcard", func(e *Entry) { e.Site = "#" }, "site"},
		{"empty unit", func(e *Entry) { e.Unit = "" }, "unit"},
		{"no id", func(e *Entry) { e.ID = "" }, "id"},
		{"seq zero", func(e *Entry) { e.Seq = 0 }, "seq"},
		{"bad lane", func(e *Entry) { e.Lane = "sideways" }, "lane"},
		{"bad decision", func(e *Entry) { e.Decision = "maybe" }, "decision"},
		{"bad credential", func(e *Entry) { e.Credential.Kind = "cash" }, "credential.kind"},
		{"bad temperature source", func(e *Entry) { e.Temperature.Source = "guess" }, "temperature.source"},
		{"too many reasons", func(e *Entry) { e.Reasons = make([]Reason, 17) }, "reasons"},
		{"huge text", func(e *Entry) { e.PolicyVersion = strings.Repeat("x", 300) }, "text"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			e := sampleEntry()
			c.mutate(&e)
			_, err := DecodeEntry(mustJSON(t, e))
			if err == nil || !strings.Contains(err.Error(), c.want) {
				t.Fatalf("got %v, want an error mentioning %q", err, c.want)
			}
		})
	}
}

func TestValidateRejectsInvalidUTF8(t *testing.T) {
	// JSON decoding already replaces invalid UTF-8, so this guards entries
	// built in memory before they reach the ledger.
	e := sampleEntry()
	e.Credential.Subject = "\xff\xfe"
	if err := e.Validate(); err == nil || !strings.Contains(err.Error(), "UTF-8") {
		t.Fatalf("got %v", err)
	}
}

func TestDecodeRejectsNonJSONAndOversize(t *testing.T) {
	if _, err := DecodeEntry([]byte("<html>")); err == nil {
		t.Fatal("HTML decoded as an entry")
	}
	big := append([]byte(`{"schema":1,"x":"`), make([]byte, MaxPayload)...)
	if _, err := DecodeEntry(big); err == nil || !strings.Contains(err.Error(), "limit") {
		t.Fatalf("oversize payload: got %v", err)
	}
	if _, err := DecodeStatus([]byte(`{"schema":7}`)); !errors.Is(err, ErrSchema) {
		t.Fatalf("status with schema 7: got %v, want ErrSchema", err)
	}
}

func TestDecodeStatus(t *testing.T) {
	s := Status{Schema: SchemaVersion, Site: "s", Unit: "u", State: Online, Time: time.Unix(0, 0)}
	if _, err := DecodeStatus(mustJSON(t, s)); err != nil {
		t.Fatal(err)
	}
	s.State = "asleep"
	if _, err := DecodeStatus(mustJSON(t, s)); err == nil {
		t.Fatal("unknown state accepted")
	}
}

func TestTopicsRoundTrip(t *testing.T) {
	site, unit, kind, err := ParseTopic(EntryTopic("market-7", "exit_2"))
	if err != nil || site != "market-7" || unit != "exit_2" || kind != KindEntry {
		t.Fatalf("got %q %q %q %v", site, unit, kind, err)
	}
	for _, bad := range []string{"other/v1/a/b/entry", "kakou/v1/a/entry", "kakou/v1/A/b/entry", "kakou/v1/a/b/c/d"} {
		if _, _, _, err := ParseTopic(bad); err == nil {
			t.Errorf("ParseTopic(%q) accepted", bad)
		}
	}
}

// FuzzDecodeEntry checks that no payload from the network panics the decoder
// and that whatever it accepts is valid and survives a second round trip.
func FuzzDecodeEntry(f *testing.F) {
	f.Add(mustJSON(f, sampleEntry()))
	f.Add(mustJSON(f, sampleDutyEntry()))
	f.Add(mustJSON(f, sampleShiftEntry()))
	for _, e := range staffSeedEntries() {
		f.Add(mustJSON(f, e))
	}
	f.Add(mustJSON(f, sampleWatchEntry()))
	f.Add(mustJSON(f, sampleHouseholdEntry()))
	f.Add(mustJSON(f, sampleHouseholdRecord(HouseholdAdjust, 2)))
	f.Add(mustJSON(f, sampleHouseholdRecord(HouseholdReset, 0)))
	f.Add([]byte(`{"schema":1}`))
	f.Add([]byte(`{"schema":1,"site":"a","unit":"b","id":"x","seq":1,"lane":"in","decision":"allow","credential":{"kind":"none"}}`))
	f.Add([]byte(`null`))
	f.Fuzz(func(t *testing.T, b []byte) {
		e, err := DecodeEntry(b)
		if err != nil {
			return
		}
		if err := e.Validate(); err != nil {
			t.Fatalf("accepted an invalid entry: %v", err)
		}
		if _, err := DecodeEntry(mustJSON(t, e)); err != nil {
			t.Fatalf("re-encoding an accepted entry broke it: %v", err)
		}
	})
}

func FuzzParseTopic(f *testing.F) {
	f.Add(EntryTopic("a", "b"))
	f.Add("kakou/v1/+/#/entry")
	f.Fuzz(func(t *testing.T, s string) {
		site, unit, _, err := ParseTopic(s)
		if err != nil {
			return
		}
		if ValidateID(site) != nil || ValidateID(unit) != nil {
			t.Fatalf("ParseTopic(%q) returned invalid ids %q %q", s, site, unit)
		}
	})
}

func TestDecodeAck(t *testing.T) {
	a, err := DecodeAck([]byte(`{"schema":1,"site":"s","unit":"u","seq":42}`))
	if err != nil || a.Seq != 42 || AckTopic("s", "u") != "kakou/v1/s/u/ack" {
		t.Fatalf("%+v %v", a, err)
	}
	for _, bad := range []string{`{"schema":1,"site":"S","unit":"u","seq":1}`, `{"schema":2,"site":"s","unit":"u"}`, `[]`} {
		if _, err := DecodeAck([]byte(bad)); err == nil {
			t.Errorf("DecodeAck(%s) accepted", bad)
		}
	}
}
