package rollcall

import (
	"fmt"
	"testing"
	"time"

	"github.com/kakou/kakou/firmware/credential"
	"github.com/kakou/kakou/firmware/wire"
)

// bigTracker is a school of 4,000 (wire.MaxStaff) at 12:30 in 午检, half
// of them checked.
func bigTracker(b *testing.B) (*Tracker, time.Time) {
	now := time.Date(2026, 12, 7, 12, 30, 0, 0, cst)
	tr := tracker(now, true)
	r := wire.StaffRoster{Schema: 1, Site: "s", Unit: "u", Version: 2}
	for i := range wire.MaxStaff {
		r.Members = append(r.Members, wire.StaffMember{ID: fmt.Sprintf("P%06d", i), Name: "张**", Group: wire.GroupPupil,
			Class: fmt.Sprintf("%d年级%d班", i%6+1, i%12+1)})
	}
	tr.SetRoster(r)
	for i := 0; i < wire.MaxStaff; i += 2 {
		tr.Note(wire.Entry{Time: now, StaffCheck: &wire.StaffCheck{ID: fmt.Sprintf("P%06d", i), Round: "午检", Day: "2026-12-07"}})
	}
	return tr, now
}

// BenchmarkStampOnAScan is the roll call's cost on the gate's path: is
// this verified pass a roster member in an open round.
func BenchmarkStampOnAScan(b *testing.B) {
	tr, now := bigTracker(b)
	in := scan(now, true, "P003999", credential.RolePupil, credential.StatusValid)
	for b.Loop() {
		if tr.Stamp(in) == nil {
			b.Fatal("no check")
		}
	}
}

// BenchmarkBoard4000 is the console's roll-call panel of 4,000 people.
func BenchmarkBoard4000(b *testing.B) {
	tr, _ := bigTracker(b)
	for b.Loop() {
		if bd := tr.Board(); bd.Checked != wire.MaxStaff/2 {
			b.Fatal(bd.Checked)
		}
	}
}
