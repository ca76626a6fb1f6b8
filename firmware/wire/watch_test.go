package wire

import (
	"crypto/ed25519"
	"crypto/rand"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"
)

var watchStart = time.Date(2026, 3, 1, 0, 0, 0, 0, time.FixedZone("CST", 8*3600))

func watchEntries(n int) []WatchEntry {
	es := make([]WatchEntry, n)
	for i := range es {
		es[i] = WatchEntry{ID: fmt.Sprintf("w%06d", i), Pass: fmt.Sprintf("P-%06d", i),
			IDHash: PersonHash([]byte("k"), "id", fmt.Sprint(int64(110105190000000000)+int64(i))), Household: fmt.Sprintf("%d-2-%d", i%30, 100+i%900),
			Kind: WatchHomeQuarantine, Start: watchStart, Plan: "14+7+7", Tests: []string{"24h", "7d", "14d"}, Note: "居家隔离"}
	}
	return es
}

func sampleWatchEntry() Entry {
	e := sampleEntry()
	e.Alert = "watch_quarantine"
	e.Watch = &WatchMatch{Entry: "w000001", Kind: WatchHomeQuarantine, By: WatchByPass}
	return e
}

func mapPart(t WatchTree) func(string) ([]byte, bool) {
	return func(n string) ([]byte, bool) { b, ok := t.Parts[n]; return b, ok }
}

func TestWatchTreeRoundTripsAThousandPeopleInPartsUnderTheCap(t *testing.T) {
	es := watchEntries(1000)
	tree, err := BuildWatch(3, 3, es, nil, len(es), watchStart, "centre")
	if err != nil {
		t.Fatal(err)
	}
	if len(tree.Parts) < 10 {
		t.Fatalf("only %d parts: a thousand people do not fit one message", len(tree.Parts))
	}
	for n, b := range tree.Parts {
		if len(b) > MaxPayload {
			t.Errorf("part %s is %d bytes", n, len(b))
		}
	}
	got, err := AssembleWatch(&tree.Head, mapPart(tree))
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 1000 || got[999].ID != "w000999" || got[5].IDHash != es[5].IDHash {
		t.Fatalf("assembled %d, last %+v", len(got), got[len(got)-1])
	}
}

func TestWatchDeltaReplacesAndEndsEntriesInOrder(t *testing.T) {
	es := watchEntries(3)
	changed := es[1]
	changed.Kind = WatchReturnee
	deltas := []WatchDelta{{Version: 5, Entries: []WatchEntry{{ID: es[0].ID, Ended: true}}},
		{Version: 6, Entries: []WatchEntry{changed}}}
	tree, err := BuildWatch(6, 4, es, deltas, 2, watchStart, "centre")
	if err != nil {
		t.Fatal(err)
	}
	got, err := AssembleWatch(&tree.Head, mapPart(tree))
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 2 || got[0].ID != es[1].ID || got[0].Kind != WatchReturnee {
		t.Fatalf("got %+v", got)
	}
}

func TestWatchHeadSignatureCoversEveryField(t *testing.T) {
	pub, key, _ := ed25519.GenerateKey(rand.Reader)
	_, other, _ := ed25519.GenerateKey(rand.Reader)
	tree, err := BuildWatch(2, 2, watchEntries(5), nil, 5, watchStart, "centre")
	if err != nil {
		t.Fatal(err)
	}
	h := tree.Head
	SignWatch(&h, key)
	if err := VerifyWatch(&h, pub); err != nil {
		t.Fatal(err)
	}
	tamper := map[string]func(*WatchHead){
		"version":   func(h *WatchHead) { h.Version++ },
		"base":      func(h *WatchHead) { h.Base-- },
		"count":     func(h *WatchHead) { h.Count++ },
		"issued_by": func(h *WatchHead) { h.IssuedBy = "mallory" },
		"index": func(h *WatchHead) {
			h.Index = append([]WatchRef(nil), h.Index...)
			h.Index[0].SHA256 = strings.Repeat("0", 64)
		},
		"unsigned":  func(h *WatchHead) { h.Signature = "" },
		"other key": func(h *WatchHead) { SignWatch(h, other) },
	}
	for name, f := range tamper {
		c := h
		f(&c)
		if err := VerifyWatch(&c, pub); err == nil {
			t.Errorf("%s: forged head verified", name)
		}
	}
	// A guard roster's or a policy's signature never passes for a head's.
	r := GuardRoster{Schema: 1, Site: "s", Unit: "u", Version: h.Version}
	SignRoster(&r, key)
	c := h
	c.Signature = r.Signature
	if !errors.Is(VerifyWatch(&c, pub), ErrWatchBadSignature) {
		t.Error("a guard roster's signature verified as a watch head's")
	}
}

func TestAssembleWatchRefusesAlteredTruncatedMissingAndForeignParts(t *testing.T) {
	tree, err := BuildWatch(4, 4, watchEntries(300), nil, 300, watchStart, "centre")
	if err != nil {
		t.Fatal(err)
	}
	data := "s4-1"
	cases := map[string]struct {
		change func(map[string][]byte)
		want   error
	}{
		"missing":   {func(m map[string][]byte) { delete(m, data) }, ErrWatchIncomplete},
		"truncated": {func(m map[string][]byte) { m[data] = m[data][:len(m[data])/2] }, ErrWatchPartHash},
		"altered": {func(m map[string][]byte) {
			m[data] = []byte(strings.Replace(string(m[data]), "P-000", "P-999", 1))
		}, ErrWatchPartHash},
		"other version's part": {func(m map[string][]byte) { m[data] = m["s4-0"] }, ErrWatchPartHash},
	}
	for name, c := range cases {
		m := map[string][]byte{}
		for k, v := range tree.Parts {
			m[k] = v
		}
		c.change(m)
		_, err := AssembleWatch(&tree.Head, func(n string) ([]byte, bool) { b, ok := m[n]; return b, ok })
		if !errors.Is(err, c.want) {
			t.Errorf("%s: %v, want %v", name, err, c.want)
		}
	}
}

func TestAssembleWatchRefusesACountThatDoesNotAddUp(t *testing.T) {
	tree, _ := BuildWatch(1, 1, watchEntries(4), nil, 5, watchStart, "centre")
	if _, err := AssembleWatch(&tree.Head, mapPart(tree)); err == nil {
		t.Fatal("a head promising 5 people assembled from 4")
	}
}

func TestWatchEntryValidateNamesTheBadField(t *testing.T) {
	good := watchEntries(1)[0]
	cases := map[string]func(*WatchEntry){
		"who:":       func(e *WatchEntry) { e.Pass, e.IDHash, e.Household = "", "", "" },
		"hash":       func(e *WatchEntry) { e.IDHash = "110105194912310011" },
		"kind":       func(e *WatchEntry) { e.Kind = "quarantine" },
		"plan":       func(e *WatchEntry) { e.Plan = "14+x" },
		"start":      func(e *WatchEntry) { e.Start = time.Date(9999, 1, 1, 0, 0, 0, 0, time.UTC) },
		"tests":      func(e *WatchEntry) { e.Tests = []string{"7w"} },
		"outcome":    func(e *WatchEntry) { e.Outcome = Allow },
		"household":  func(e *WatchEntry) { e.Household = "3号楼2单元501" },
		"note":       func(e *WatchEntry) { e.Note = strings.Repeat("字", 200) },
		"id":         func(e *WatchEntry) { e.ID = "W/1" },
		"pass":       func(e *WatchEntry) { e.Pass = "P 1" },
		"plan long":  func(e *WatchEntry) { e.Plan = "7+7+7+7+7" },
		"plan large": func(e *WatchEntry) { e.Plan = "999" },
	}
	for name, f := range cases {
		e := good
		f(&e)
		err := e.Validate()
		if err == nil || !strings.Contains(err.Error(), strings.Fields(name)[0]) {
			t.Errorf("%s: %v", name, err)
		}
	}
	if err := good.Validate(); err != nil {
		t.Fatal(err)
	}
}

func TestWatchPhaseTurnsQuarantineToMonitoringForTheLastSegmentAndEnds(t *testing.T) {
	e := WatchEntry{Kind: WatchHomeQuarantine, Start: watchStart, Plan: "14+7+7"}
	day := func(d int) time.Time { return watchStart.AddDate(0, 0, d) }
	for _, c := range []struct {
		at    time.Time
		kind  WatchKind
		ended bool
	}{{day(0), WatchHomeQuarantine, false}, {day(20), WatchHomeQuarantine, false},
		{day(21), WatchHealthMonitoring, false}, {day(27), WatchHealthMonitoring, false}, {day(28), WatchHomeQuarantine, true},
		{time.Date(9999, 12, 31, 0, 0, 0, 0, time.UTC), WatchHomeQuarantine, true}} {
		k, ended := e.Phase(c.at)
		if k != c.kind || ended != c.ended {
			t.Errorf("%s: %s %v, want %s %v", c.at, k, ended, c.kind, c.ended)
		}
	}
	one := WatchEntry{Kind: WatchHomeQuarantine, Start: watchStart, Plan: "14"}
	if k, _ := one.Phase(day(13)); k != WatchHomeQuarantine {
		t.Errorf("a single segment is quarantine to its end, got %s", k)
	}
}

func TestNormaliseHouseholdReadsTheWaysPeopleWriteAFlat(t *testing.T) {
	for in, want := range map[string]string{
		"3-2-501": "3-2-501", "3号楼2单元501室": "3-2-501", "3栋2单元501": "3-2-501", "３-２-５０１": "3-2-501",
		" 3 / 2 / 501 ": "3-2-501", "b座1201": "B-1201", "物业": "", "": "",
	} {
		if got := NormaliseHousehold(in); got != want {
			t.Errorf("%q → %q, want %q", in, got, want)
		}
	}
}

func TestGrantLetsEveryDeviceReadTheWatchRosterAndNoneWriteIt(t *testing.T) {
	for _, g := range []Grant{{Site: "s1", Unit: "u1"}, {Site: "s1", Unit: AnyUnit}} {
		for topic, want := range map[string]bool{WatchTopic("head"): true, WatchTopic("s3-0"): true, WatchFilter: true,
			WatchRoot + "/#": false, WatchRoot + "/x": false, WatchRoot + "/head/x": false} {
			if got := g.Allows(topic, false); got != want {
				t.Errorf("%+v read %s = %v", g, topic, got)
			}
			if g.Allows(topic, true) {
				t.Errorf("%+v may publish on %s", g, topic)
			}
		}
	}
	if WatchName("kakou/v1/s1/u1/entry") != "" || WatchName(WatchTopic("i9-2")) != "i9-2" {
		t.Fatal("WatchName")
	}
}

func FuzzDecodeWatchPart(f *testing.F) {
	tree, _ := BuildWatch(2, 1, watchEntries(3), []WatchDelta{{Version: 2, Entries: []WatchEntry{{ID: "w000000", Ended: true}}}}, 2, watchStart, "c")
	for _, b := range tree.Parts {
		f.Add(b)
	}
	for _, s := range []string{`{}`, `{"schema":1,"name":"s1-0"}`, `{"schema":1,"name":"i1-0","refs":[{"name":"s1-0","sha256":""}]}`,
		`{"schema":1,"name":"s1-0","entries":[{"id":"a","ended":true}]}`, `{"schema":1,"name":"x"}`, `[`} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		p, err := DecodeWatchPart(b)
		if err != nil {
			return
		}
		out, _ := json.Marshal(p)
		if _, err := DecodeWatchPart(out); err != nil {
			t.Fatalf("re-encoded part refused: %v", err)
		}
	})
}

func FuzzDecodeWatchHead(f *testing.F) {
	tree, _ := BuildWatch(2, 2, watchEntries(3), nil, 3, watchStart, "c")
	good, _ := json.Marshal(tree.Head)
	for _, s := range []string{string(good), `{}`, `{"schema":1,"version":1}`, `{"schema":1,"version":1,"base":2}`,
		`{"schema":1,"version":1,"index":[{"name":"s1-0","sha256":"00"}]}`, `null`} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		h, err := DecodeWatchHead(b)
		if err != nil {
			return
		}
		// Whatever decodes can be assembled against nothing without a panic.
		if _, err := AssembleWatch(&h, func(string) ([]byte, bool) { return nil, false }); err == nil && h.Count != 0 {
			t.Fatal("assembled a roster with people from no parts")
		}
		out, _ := json.Marshal(h)
		if _, err := DecodeWatchHead(out); err != nil {
			t.Fatalf("re-encoded head refused: %v", err)
		}
	})
}

// BenchmarkBuildWatch100k is the centre's cost of cutting a roster of
// 100,000 people into its tree (a new snapshot): parts, bytes, and time.
func BenchmarkBuildWatch100k(b *testing.B) {
	es := watchEntries(100_000)
	var tree WatchTree
	for b.Loop() {
		var err error
		if tree, err = BuildWatch(1, 1, es, nil, len(es), watchStart, "centre"); err != nil {
			b.Fatal(err)
		}
	}
	size := 0
	for _, p := range tree.Parts {
		size += len(p)
	}
	b.ReportMetric(float64(len(tree.Parts)), "parts")
	b.ReportMetric(float64(len(tree.Head.Index)), "index-parts")
	b.ReportMetric(float64(size)/(1<<20), "MiB")
}
