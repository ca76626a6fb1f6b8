package ledger

import (
	"context"
	"testing"

	"github.com/kakou/kakou/firmware/wire"
)

// dutyRecord is a guard's duty log as the console writes it.
func dutyRecord(i int) wire.Entry {
	e := sampleEntry(i)
	e.Decision, e.Reasons, e.Temperature = "", nil, nil
	e.Credential = wire.Credential{Kind: wire.CredentialNone}
	e.Record = &wire.Record{Kind: wire.RecordDuty,
		Duty: &wire.Duty{ID: "gate-disinfection", Name: "大门消毒", Day: "2026-11-23", Slot: "08:00"}}
	return e
}

func TestRecordsTakeTheNextSeqButNeverCountAsPeople(t *testing.T) {
	l, _ := openTemp(t)
	ctx := context.Background()
	pass, rec, exit := sampleEntry(1), dutyRecord(2), sampleEntry(3)
	for _, e := range []*wire.Entry{&pass, &rec, &exit} {
		if err := l.Append(ctx, e); err != nil {
			t.Fatal(err)
		}
	}
	if rec.Seq != 2 || exit.Seq != 3 {
		t.Fatalf("a record must take its place in the unit's sequence: got seqs %d, %d", rec.Seq, exit.Seq)
	}
	counts, err := l.Counts(ctx, pass.Time.Add(-1))
	if err != nil || len(counts) != 1 || counts[wire.Allow] != 2 {
		t.Fatalf("today's counts = %v, %v; want only the two passes", counts, err)
	}
	adm, err := l.Admissions(ctx, 0)
	if err != nil || len(adm) != 2 {
		t.Fatalf("admissions = %v, %v; a record let nobody in", adm, err)
	}
	pending, err := l.Pending(ctx, 0, 10)
	if err != nil || len(pending) != 3 {
		t.Fatalf("the uplink must send the record like any entry: %d pending, %v", len(pending), err)
	}
}

func TestNotableSkipsPlainPassesAndKeepsWhatSettlesAnother(t *testing.T) {
	l, _ := openTemp(t)
	ctx := context.Background()
	recheck := sampleEntry(1)
	recheck.Decision = wire.Recheck
	settled := sampleEntry(2)
	settled.Amends = recheck.ID
	visitor := sampleEntry(3)
	visitor.Visitor = &wire.Visitor{Name: "张三"}
	early := sampleEntry(0)
	early.Decision = wire.Deny
	early.Time = early.Time.Add(-24 * 3600e9)
	es := []wire.Entry{early, recheck, settled, sampleEntry(4), visitor, dutyRecord(5)}
	for i := range es {
		if err := l.Append(ctx, &es[i]); err != nil {
			t.Fatal(err)
		}
	}
	got, err := l.Notable(ctx, recheck.Time)
	if err != nil {
		t.Fatal(err)
	}
	var ids []string
	for _, e := range got {
		ids = append(ids, e.ID)
	}
	want := []string{recheck.ID, settled.ID, visitor.ID, es[5].ID}
	if len(ids) != len(want) {
		t.Fatalf("notable = %v, want %v", ids, want)
	}
	for i := range want {
		if ids[i] != want[i] {
			t.Fatalf("notable = %v, want %v", ids, want)
		}
	}
}
