package wire

import (
	"strconv"
	"strings"
	"testing"
	"time"
)

func sampleHouseholdEntry() Entry {
	e := sampleEntry()
	e.Lane = LaneOut
	e.Credential = Credential{Kind: CredentialResidentPass, Result: "valid", Subject: "P-0042"}
	next := time.Date(2026, 12, 9, 0, 15, 0, 0, time.UTC)
	e.Household = &Household{ID: "B3-1201", Counted: true, Allowance: 1, PeriodSeconds: 2 * 86400, NextAt: &next}
	return e
}

func sampleHouseholdRecord(action string, delta int) Entry {
	e := sampleDutyEntry()
	e.Record = &Record{Kind: RecordHousehold, GuardName: "物业张经理",
		Household: &HouseholdChange{Household: "B3-1201", Action: action, Delta: delta, Reason: "就医外出"}}
	return e
}

func TestEntryHouseholdBlockRoundTrips(t *testing.T) {
	for _, want := range []Entry{sampleHouseholdEntry(), sampleHouseholdRecord(HouseholdAdjust, 1), sampleHouseholdRecord(HouseholdReset, 0)} {
		got, err := DecodeEntry(mustJSON(t, want))
		if err != nil {
			t.Fatal(err)
		}
		if !sameEntry(got, want) {
			t.Fatalf("got %+v, want %+v", got, want)
		}
	}
}

func TestEntryRefusesABadHouseholdBlock(t *testing.T) {
	far := time.Date(9999, 1, 1, 0, 0, 0, 0, time.UTC)
	for name, mutate := range map[string]func(e *Entry){
		"id with a slash": func(e *Entry) { e.Household.ID = "B3/1201" },
		"empty id":        func(e *Entry) { e.Household.ID = "" },
		"no period":       func(e *Entry) { e.Household.PeriodSeconds = 0 },
		"period of years": func(e *Entry) { e.Household.PeriodSeconds = 10 * 365 * 86400 },
		"negative left":   func(e *Entry) { e.Household.Remaining = -1 },
		"year 9999":       func(e *Entry) { e.Household.NextAt = &far },
		"huge allowance":  func(e *Entry) { e.Household.Allowance = 1 << 30 },
	} {
		e := sampleHouseholdEntry()
		mutate(&e)
		if _, err := DecodeEntry(mustJSON(t, e)); err == nil || !strings.Contains(err.Error(), "household") {
			t.Errorf("%s: accepted (%v)", name, err)
		}
	}
}

func TestHouseholdRecordNeedsAManagerAReasonAndAKnownAction(t *testing.T) {
	for name, mutate := range map[string]func(e *Entry){
		"nobody":           func(e *Entry) { e.Guard = "" },
		"no reason":        func(e *Entry) { e.Record.Household.Reason = "" },
		"unknown action":   func(e *Entry) { e.Record.Household.Action = "refund" },
		"reset with delta": func(e *Entry) { e.Record.Household.Action, e.Record.Household.Delta = HouseholdReset, 2 },
		"adjust by 0":      func(e *Entry) { e.Record.Household.Delta = 0 },
		"adjust by 1000":   func(e *Entry) { e.Record.Household.Delta = 1000 },
		"with a duty":      func(e *Entry) { e.Record.Duty = &Duty{ID: "x", Day: "2026-12-07", Slot: "1/1"} },
		"other kind":       func(e *Entry) { e.Record.Kind = RecordDuty },
		"with a decision":  func(e *Entry) { e.Decision = Allow },
	} {
		e := sampleHouseholdRecord(HouseholdAdjust, 1)
		mutate(&e)
		if _, err := DecodeEntry(mustJSON(t, e)); err == nil {
			t.Errorf("%s: accepted", name)
		}
	}
}

func TestHouseholdWindow(t *testing.T) {
	t0 := time.Date(2026, 12, 7, 8, 15, 0, 0, time.UTC)
	period := 48 * time.Hour
	use := func(h float64, n int) HouseholdUse {
		return HouseholdUse{At: t0.Add(time.Duration(h * float64(time.Hour))), N: n}
	}
	for _, c := range []struct {
		name      string
		uses      []HouseholdUse
		now       time.Time
		allowance int
		used      int
		next      time.Time
	}{
		{"none", nil, t0, 1, 0, time.Time{}},
		{"one use spends one", []HouseholdUse{use(0, 1)}, t0.Add(time.Hour), 1, 1, t0.Add(period)},
		{"a use leaves the window after the period", []HouseholdUse{use(0, 1)}, t0.Add(period), 1, 0, time.Time{}},
		{"a second of the period is still in it", []HouseholdUse{use(0, 1)}, t0.Add(period - time.Second), 1, 1, t0.Add(period)},
		{"the oldest of two must leave under 2", []HouseholdUse{use(5, 1), use(0, 1)}, t0.Add(6 * time.Hour), 2, 2, t0.Add(period)},
		{"both must leave under 1 (an overuse)", []HouseholdUse{use(0, 1), use(5, 1)}, t0.Add(6 * time.Hour), 1, 2, t0.Add(period + 5*time.Hour)},
		{"a grant gives one back", []HouseholdUse{use(0, 1), use(1, -1)}, t0.Add(2 * time.Hour), 1, 0, time.Time{}},
		{"never below zero", []HouseholdUse{use(1, -3)}, t0.Add(2 * time.Hour), 1, 0, time.Time{}},
	} {
		used, next := HouseholdWindow(c.uses, c.now, period, c.allowance)
		if used != c.used || !next.Equal(c.next) {
			t.Errorf("%s: got %d, %v; want %d, %v", c.name, used, next, c.used, c.next)
		}
	}
}

func sampleHouseholds() Households {
	at := time.Date(2026, 12, 7, 8, 15, 0, 0, time.UTC)
	return Households{Schema: SchemaVersion, Site: "sunshine-garden", Unit: "gate-2", Seq: 3, AfterSeq: 17, Time: at,
		Uses: []HouseholdUsage{{ID: "B3-1201", Uses: []HouseholdUse{{At: at, N: 1}}}, {ID: "B1-0101", Reset: &at}}}
}

func TestDecodeHouseholds(t *testing.T) {
	h := sampleHouseholds()
	got, err := DecodeHouseholds(mustJSON(t, h))
	if err != nil {
		t.Fatal(err)
	}
	if u, ok := got.Usage("B3-1201"); !ok || len(u.Uses) != 1 {
		t.Fatalf("B3-1201 not listed: %+v", got)
	}
	for name, mutate := range map[string]func(h *Households){
		"twice":        func(h *Households) { h.Uses = append(h.Uses, h.Uses[0]) },
		"bad id":       func(h *Households) { h.Uses[0].ID = "+" },
		"bad site":     func(h *Households) { h.Site = "#" },
		"year 9999":    func(h *Households) { h.Uses[0].Uses[0].At = time.Date(9999, 1, 1, 0, 0, 0, 0, time.UTC) },
		"huge n":       func(h *Households) { h.Uses[0].Uses[0].N = 1 << 20 },
		"too many":     func(h *Households) { h.Uses = make([]HouseholdUsage, MaxHouseholds+1) },
		"other schema": func(h *Households) { h.Schema = 2 },
	} {
		h := sampleHouseholds()
		mutate(&h)
		if _, err := DecodeHouseholds(mustJSON(t, h)); err == nil {
			t.Errorf("%s: accepted", name)
		}
	}
}

func TestHouseholdsAtTheBoundFitTheirPayload(t *testing.T) {
	h := sampleHouseholds()
	h.Uses = nil
	at := time.Date(2026, 12, 7, 8, 15, 0, 0, time.FixedZone("", 8*3600))
	for i := range MaxHouseholds {
		h.Uses = append(h.Uses, HouseholdUsage{ID: "B" + strings.Repeat("9", 6) + "-" + string(rune('a'+i%26)) + itoa(i),
			Uses: []HouseholdUse{{At: at, N: 1}}})
	}
	if _, err := DecodeHouseholds(mustJSON(t, h)); err != nil {
		t.Fatalf("%d households with a use each do not fit: %v", MaxHouseholds, err)
	}
}

func itoa(i int) string { return strconv.Itoa(i) }

func TestOnlyAGatewayMayReadEveryLanesHouseholds(t *testing.T) {
	topic := HouseholdsTopic("s", "gate-1")
	if !(Grant{Site: "s", Unit: "gate-1"}).Allows(topic, false) {
		t.Fatal("a unit may not read its own households")
	}
	if (Grant{Site: "s", Unit: "gate-1"}).Allows(topic, true) {
		t.Fatal("a unit may publish households")
	}
	if (Grant{Site: "s", Unit: "gate-2"}).Allows(topic, false) {
		t.Fatal("a unit may read another lane's households")
	}
	if !(Grant{Site: "s", Unit: AnyUnit}).Allows(HouseholdsTopic("s", AnyUnit), false) {
		t.Fatal("a gateway may not read every lane's households")
	}
}

// FuzzDecodeHouseholds: no payload panics the decoder, and what it accepts
// is valid and survives a round trip.
func FuzzDecodeHouseholds(f *testing.F) {
	f.Add(mustJSON(f, sampleHouseholds()))
	empty := sampleHouseholds()
	empty.Uses = nil
	f.Add(mustJSON(f, empty))
	f.Add([]byte(`{"schema":1,"site":"a","unit":"b","uses":[{"id":"H","uses":[{"at":"2026-12-07T08:15:00Z","n":-100}]}]}`))
	f.Add([]byte(`{"schema":1,"site":"a","unit":"b","uses":[{"id":"H"},{"id":"H"}]}`))
	f.Add([]byte(`null`))
	f.Fuzz(func(t *testing.T, b []byte) {
		h, err := DecodeHouseholds(b)
		if err != nil {
			return
		}
		if err := h.Validate(); err != nil {
			t.Fatalf("accepted an invalid message: %v", err)
		}
		if _, err := DecodeHouseholds(mustJSON(t, h)); err != nil {
			t.Fatalf("re-encoding an accepted message broke it: %v", err)
		}
	})
}
