package wire

import (
	"strings"
	"testing"
	"time"
)

func sampleDutyEntry() Entry {
	e := sampleEntry()
	e.Decision, e.Reasons, e.Temperature = "", nil, nil
	e.Credential = Credential{Kind: CredentialNone}
	e.Guard = "g-07"
	e.Record = &Record{Kind: RecordDuty, GuardName: "王师傅", Note: "84消毒液",
		Duty: &Duty{ID: "gate-disinfection", Name: "大门消毒", Day: "2026-11-23", Slot: "08:00"}}
	return e
}

func sampleShiftEntry() Entry {
	e := sampleDutyEntry()
	since := time.Date(2026, 11, 23, 0, 0, 0, 0, time.UTC)
	e.Record = &Record{Kind: RecordShift, GuardName: "王师傅", Shift: &Shift{
		Incoming: "g-08", IncomingName: "李师傅", Since: since,
		Counts:      map[Decision]int{Allow: 120, Recheck: 2},
		Inside:      []SheetRow{{Entry: "e-1", Time: since, Name: MaskName("张三")}},
		InsideTotal: 1,
		Open:        []SheetRow{{Entry: "e-2", Time: since, Decision: Recheck}},
		OpenTotal:   1,
	}}
	return e
}

func TestDecodeEntryAcceptsDutyAndShiftRecords(t *testing.T) {
	for _, want := range []Entry{sampleDutyEntry(), sampleShiftEntry()} {
		got, err := DecodeEntry(mustJSON(t, want))
		if err != nil {
			t.Fatalf("%s record refused: %v", want.Record.Kind, err)
		}
		if !got.IsRecord() || got.Record.Kind != want.Record.Kind || got.Decision != "" {
			t.Fatalf("round trip lost the record: %+v", got)
		}
	}
}

func TestDecodeEntryRefusesRecordsThatAreNotOneThing(t *testing.T) {
	cases := []struct {
		name   string
		mutate func(*Entry)
		want   string
	}{
		{"record with a decision", func(e *Entry) { e.Decision = Allow }, "a record carries no decision"},
		{"neither decision nor record", func(e *Entry) { e.Record = nil }, "decision"},
		{"unknown kind", func(e *Entry) { e.Record.Kind = "lunch" }, "record"},
		{"duty kind with a shift", func(e *Entry) { e.Record.Shift = &Shift{Incoming: "x"} }, "record"},
		{"duty without its part", func(e *Entry) { e.Record.Duty = nil }, "record"},
		{"duty id with a slash", func(e *Entry) { e.Record.Duty.ID = "a/b" }, "duty.id"},
		{"duty day not a date", func(e *Entry) { e.Record.Duty.Day = "monday" }, "duty.day"},
		{"duty without a slot", func(e *Entry) { e.Record.Duty.Slot = "" }, "duty.slot"},
		{"long note", func(e *Entry) { e.Record.Note = strings.Repeat("消", 100) }, "text"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			e := sampleDutyEntry()
			c.mutate(&e)
			if _, err := DecodeEntry(mustJSON(t, e)); err == nil || !strings.Contains(err.Error(), c.want) {
				t.Fatalf("got %v, want an error mentioning %q", err, c.want)
			}
		})
	}
}

func TestDecodeEntryRefusesForgedHandOverSheets(t *testing.T) {
	cases := []struct {
		name   string
		mutate func(*Shift)
	}{
		{"no incoming guard", func(s *Shift) { s.Incoming = "" }},
		{"more rows than allowed", func(s *Shift) {
			s.Inside = make([]SheetRow, MaxSheetRows+1)
			for i := range s.Inside {
				s.Inside[i].Entry = "e"
			}
			s.InsideTotal = len(s.Inside)
		}},
		{"total below the rows", func(s *Shift) { s.OpenTotal = 0 }},
		{"count of an unknown decision", func(s *Shift) { s.Counts["party"] = 1 }},
		{"negative count", func(s *Shift) { s.Counts[Allow] = -5 }},
		{"row without an entry id", func(s *Shift) { s.Open[0].Entry = "" }},
		{"row with an unknown decision", func(s *Shift) { s.Open[0].Decision = "maybe" }},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			e := sampleShiftEntry()
			c.mutate(e.Record.Shift)
			if _, err := DecodeEntry(mustJSON(t, e)); err == nil || !strings.Contains(err.Error(), "record") {
				t.Fatalf("got %v, want the record refused", err)
			}
		})
	}
}

func TestMaskNameKeepsOnlyTheFirstCharacter(t *testing.T) {
	for in, want := range map[string]string{"张三": "张*", "欧阳娜娜": "欧***", "A": "A", "": "", "\xff": ""} {
		if got := MaskName(in); got != want {
			t.Errorf("MaskName(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestAFullHandOverSheetFitsOnePayload(t *testing.T) {
	e := sampleShiftEntry()
	s := e.Record.Shift
	row := SheetRow{Entry: strings.Repeat("e", 64), Time: time.Now(), Decision: PersuadeReturn, Name: strings.Repeat("*", 32)}
	s.Inside, s.Open = make([]SheetRow, MaxSheetRows), make([]SheetRow, MaxSheetRows)
	for i := range s.Inside {
		s.Inside[i], s.Open[i] = row, row
	}
	s.InsideTotal, s.OpenTotal = 500, 500
	e.Record.Note = strings.Repeat("n", 256)
	if _, err := DecodeEntry(mustJSON(t, e)); err != nil {
		t.Fatalf("a full sheet does not travel: %v", err)
	}
}
