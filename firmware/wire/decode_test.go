package wire

import (
	"encoding/json"
	"reflect"
	"strings"
	"testing"
	"time"
)

// decodeSeeds are entries as units write them, and the payloads where JSON
// v2 and encoding/json part ways.
func decodeSeeds(t testing.TB) [][]byte {
	full := sampleEntry()
	full.Alert, full.Historical = "fever", true
	full.Temperature.SamplesC = []float64{36.0, 36.1, 36.2}
	arrived := time.Date(2026, 11, 23, 7, 30, 0, 0, time.UTC)
	full.Visitor = &Visitor{Name: "张三", Phone: MaskPhone("13800138000"), Origin: "武汉",
		Trip: "G1234", ArrivedAt: &arrived, Sealed: "c2VhbGVk",
		IDHash: PersonHash([]byte("site-key"), "id", "110101199003071234")}
	full.Override = &Override{By: "李四", Reason: "经核实放行", Replaces: "0193a0c4-7b7e-7c3a-9d2e-5f1a2b3c4d5f"}
	health := sampleEntry()
	health.Credential = Credential{Kind: CredentialHealthCode, Result: "green", Subject: "1a2b3c4d", Verifier: "gd-jkm"}
	offset := sampleEntry()
	offset.Time = time.Date(2026, 11, 23, 16, 0, 0, 123, time.FixedZone("", 8*3600))
	offset.Reasons = nil
	out := [][]byte{mustJSON(t, sampleEntry()), mustJSON(t, full), mustJSON(t, offset), mustJSON(t, health),
		mustJSON(t, staffSeedEntries()[0]), mustJSON(t, staffSeedEntries()[1]),
		mustJSON(t, sampleDutyEntry()), mustJSON(t, sampleShiftEntry()),
		mustJSON(t, sampleVehicleEntry()), mustJSON(t, sampleVehicleRecord()),
		mustJSON(t, sampleHoldEntry()), mustJSON(t, sampleReturneeEntry()),
		mustJSON(t, sampleHouseholdEntry()), mustJSON(t, sampleHouseholdRecord(HouseholdAdjust, -1)), mustJSON(t, sampleIDCardEntry())}
	canon := string(mustJSON(t, sampleEntry()))
	for _, s := range []string{
		strings.Replace(canon, `"seq":42`, `"seq":42,"seq":43`, 1),
		strings.Replace(canon, `"site"`, `"SITE"`, 1),
		strings.Replace(canon, `"site":"sunshine-garden"`, `"site":"sunshine-garden","Site":"other"`, 1),
		strings.Replace(canon, `通过`, "\xff\xfe", 1),
		strings.Replace(canon, `通过`, `\ud800`, 1),
		strings.Replace(canon, `"zh":"通过"`, `"zh":"\u901a\u8fc7 \u003c"`, 1),
		strings.Replace(canon, `"raw_c":36.1`, `"raw_c":3.61e1`, 1),
		strings.Replace(canon, `"reasons":[`, `"unknown":{"a":[1,2]},"reasons":[`, 1),
		canon + " ",
		canon + "{}",
	} {
		out = append(out, []byte(s))
	}
	return out
}

// sameEntry compares entries with their times compared as instants in the
// same UTC offset; a decoder may build a different *time.Location for it.
func sameEntry(a, b Entry) bool {
	_, ao := a.Time.Zone()
	_, bo := b.Time.Zone()
	if !a.Time.Equal(b.Time) || ao != bo {
		return false
	}
	a.Time, b.Time = time.Time{}, time.Time{}
	return reflect.DeepEqual(a, b)
}

// FuzzDecodeEntryReadsWhatUnitsWrite holds the JSON v2 decoder to what
// encoding/json (the units' encoder, and the wire's decoder before it) does:
// it never accepts a payload encoding/json refuses, and an entry that
// encoding/json writes decodes to exactly that entry. What it refuses that
// encoding/json bent into shape is TestDecodeEntryRefusesAmbiguousPayloads.
func FuzzDecodeEntryReadsWhatUnitsWrite(f *testing.F) {
	for _, s := range decodeSeeds(f) {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		var old Entry
		oldErr := json.Unmarshal(b, &old)
		if _, err := DecodeEntry(b); err == nil && oldErr != nil {
			t.Fatalf("accepted %q, which encoding/json refuses: %v", b, oldErr)
		}
		if oldErr != nil || old.Validate() != nil {
			return
		}
		sent, err := json.Marshal(old)
		if err != nil {
			return // a unit could not send it either
		}
		got, err := DecodeEntry(sent)
		if err != nil {
			t.Fatalf("refused %s, as a unit writes it: %v", sent, err)
		}
		if !sameEntry(got, old) {
			t.Fatalf("%s decoded as\n%+v\nencoding/json reads it as\n%+v", sent, got, old)
		}
	})
}

// TestDecodeEntryRefusesAmbiguousPayloads: where encoding/json would pick
// one reading of a payload no unit writes, the wire refuses it, and the
// collector keeps it as a dead letter for someone to look at.
func TestDecodeEntryRefusesAmbiguousPayloads(t *testing.T) {
	canon := string(mustJSON(t, sampleEntry()))
	for _, tc := range []struct{ name, payload, want string }{
		{"a member named twice", strings.Replace(canon, `"seq":42`, `"seq":42,"seq":43`, 1), "duplicate"},
		{"invalid UTF-8", strings.Replace(canon, `通过`, "\xff", 1), "UTF-8"},
		{"a name in other case", strings.Replace(canon, `"site"`, `"SITE"`, 1), "entry site"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var old Entry
			if err := json.Unmarshal([]byte(tc.payload), &old); err != nil || old.Validate() != nil {
				t.Fatalf("encoding/json should have read it: %v, %v", err, old.Validate())
			}
			_, err := DecodeEntry([]byte(tc.payload))
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("DecodeEntry: %v, want an error saying %q", err, tc.want)
			}
		})
	}
}

// BenchmarkDecodeEntry decodes the same entries with the wire's decoder
// (before validation) and with encoding/json in one run, and reports each one's time and
// allocations per entry and their ratio (how many times faster the wire's
// is): go test -run '^$' -bench DecodeEntry ./firmware/wire
func BenchmarkDecodeEntry(b *testing.B) {
	payloads := decodeSeeds(b)[:3]
	v1 := func(p []byte) error { var e Entry; return json.Unmarshal(p, &e) }
	v2 := func(p []byte) error { var e Entry; return decode(p, &e) }
	var t1, t2 time.Duration
	n := 0
	for b.Loop() {
		for _, p := range payloads {
			start := time.Now()
			err1 := v1(p)
			t1 += time.Since(start)
			start = time.Now()
			err2 := v2(p)
			t2 += time.Since(start)
			if err1 != nil || err2 != nil {
				b.Fatal(err1, err2)
			}
			n++
		}
	}
	allocs := func(decode func([]byte) error) float64 {
		return testing.AllocsPerRun(100, func() { _ = decode(payloads[0]) })
	}
	b.ReportMetric(float64(t1.Nanoseconds())/float64(n), "encoding-json-ns/entry")
	b.ReportMetric(float64(t2.Nanoseconds())/float64(n), "wire-ns/entry")
	b.ReportMetric(float64(t1)/float64(t2), "ratio")
	b.ReportMetric(allocs(v1), "encoding-json-allocs/entry")
	b.ReportMetric(allocs(v2), "wire-allocs/entry")
}
