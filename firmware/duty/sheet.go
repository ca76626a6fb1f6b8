package duty

import (
	"time"

	"github.com/kakou/kakou/firmware/wire"
)

// Sheet is a hand-over sheet (交接班) as the console shows it: every row,
// where the record that travels (Shift) keeps at most wire.MaxSheetRows
// of each list.
type Sheet struct {
	Since  time.Time             `json:"since"`
	Counts map[wire.Decision]int `json:"counts"`
	Inside []wire.SheetRow       `json:"inside"`
	Open   []wire.SheetRow       `json:"open"`
}

// openDecisions are the outcomes that leave a person waiting on a guard
// (docs/product.md "Outcomes are not just yes/no"): a re-check to take, a
// referral to follow up, a registration to complete.
var openDecisions = map[wire.Decision]bool{wire.Recheck: true, wire.Refer: true, wire.Register: true}

// NewSheet builds the sheet of a shift that began at since. counts are
// the shift's entries by decision; notable the ledger's notable entries
// since then (ledger.Notable: in seq order); inside the visitors still
// inside the site, whenever they came.
func NewSheet(since time.Time, counts map[wire.Decision]int, notable, inside []wire.Entry) Sheet {
	s := Sheet{Since: since, Counts: counts, Inside: []wire.SheetRow{}, Open: []wire.SheetRow{}}
	if s.Counts == nil {
		s.Counts = map[wire.Decision]int{}
	}
	for _, e := range inside {
		row := wire.SheetRow{Entry: e.ID, Time: e.Time}
		if e.Visitor != nil {
			row.Name = wire.MaskName(e.Visitor.Name)
		}
		s.Inside = append(s.Inside, row)
	}
	s.Open = open(notable)
	return s
}

// open lists the entries whose outcome waits on a guard and that no later
// entry decided again: a registration, a hand-entered re-check or an
// override names the entry it settles (Amends, Override.Replaces).
func open(notable []wire.Entry) []wire.SheetRow {
	settled := map[string]bool{}
	for _, e := range notable {
		if e.Amends != "" {
			settled[e.Amends] = true
		}
		if e.Override != nil && e.Override.Replaces != "" {
			settled[e.Override.Replaces] = true
		}
	}
	out := []wire.SheetRow{}
	for _, e := range notable {
		if e.Record != nil || !openDecisions[e.Decision] || settled[e.ID] {
			continue
		}
		row := wire.SheetRow{Entry: e.ID, Time: e.Time, Decision: e.Decision}
		if e.Visitor != nil {
			row.Name = wire.MaskName(e.Visitor.Name)
		}
		out = append(out, row)
	}
	return out
}

// Record is the shift record the outgoing guard (named outName) leaves
// for the incoming one: the sheet, each list cut to wire.MaxSheetRows
// with its total kept.
func (s Sheet) Record(outName, incoming, incomingName, note string) wire.Record {
	return wire.Record{Kind: wire.RecordShift, GuardName: outName, Note: note, Shift: &wire.Shift{
		Incoming: incoming, IncomingName: incomingName, Since: s.Since, Counts: s.Counts,
		Inside: cut(s.Inside), InsideTotal: len(s.Inside),
		Open: cut(s.Open), OpenTotal: len(s.Open),
	}}
}

func cut(rows []wire.SheetRow) []wire.SheetRow {
	return rows[:min(len(rows), wire.MaxSheetRows)]
}

// ShiftStart is when the shift being handed over began: the last hand-over
// among notable (the ledger's notable entries, which hold the records), or
// else dayStart, the start of the unit's day, unless the outgoing guard
// signed in before it with no hand-over since: a 24-hour gate's shift that
// began at yesterday's sign-in begins there. A sign-in never moves the
// start later, so nothing left open before it drops off the sheet.
func ShiftStart(notable []wire.Entry, dayStart time.Time, outgoing string) time.Time {
	for i := len(notable) - 1; i >= 0; i-- {
		if r := notable[i].Record; r != nil && r.Kind == wire.RecordShift {
			return notable[i].Time
		}
	}
	for _, e := range notable {
		if r := e.Record; r != nil && r.Kind == wire.RecordSignIn && e.Guard == outgoing && outgoing != "" {
			if e.Time.Before(dayStart) {
				return e.Time
			}
			break
		}
	}
	return dayStart
}
