package rollcall

import (
	"testing"
	"time"

	"github.com/kakou/kakou/firmware/credential"
	"github.com/kakou/kakou/firmware/ledger"
	"github.com/kakou/kakou/firmware/policy"
	"github.com/kakou/kakou/firmware/wire"
)

var cst = time.FixedZone("CST", 8*3600)

func tracker(now time.Time, synced bool) *Tracker {
	rule := policy.StaffRule{Rounds: []policy.Round{{Name: "晨检", From: "07:00", To: "09:00"}, {Name: "午检", From: "12:00", To: "14:00"}}}
	t := New(func() policy.StaffRule { return rule }, func() (time.Time, bool) { return now, synced }, cst)
	t.SetRoster(wire.StaffRoster{Schema: 1, Site: "s", Unit: "u", Version: 1, Members: []wire.StaffMember{
		{ID: "P-1", Name: "李*", Group: wire.GroupPupil, Class: "三年级2班"},
		{ID: "P-2", Name: "张**", Group: wire.GroupPupil, Class: "三年级2班"},
		{ID: "T-1", Name: "王**", Group: wire.GroupTeacher, Class: "三年级2班"}}})
	return t
}

func scan(now time.Time, synced bool, id string, role credential.Role, status credential.Status) policy.Input {
	r := policy.Reading{Body: policy.Celsius(36.5)}
	return policy.Input{Now: now, ClockSynced: synced, Reading: &r, Credential: credential.Presented{
		Wire: wire.Credential{Kind: wire.CredentialResidentPass, Subject: id}, Status: status, Role: role}}
}

func TestStampChecksOnlyAVerifiedStaffPassOnTheRosterInARound(t *testing.T) {
	morning := time.Date(2026, 12, 7, 7, 30, 0, 0, cst)
	tr := tracker(morning, true)
	for _, tt := range []struct {
		name string
		in   policy.Input
		want bool
	}{
		{"a pupil's pass in the morning round", scan(morning, true, "P-1", credential.RolePupil, credential.StatusValid), true},
		{"a staff pass", scan(morning, true, "T-1", credential.RoleStaff, credential.StatusValid), true},
		{"not on the roster", scan(morning, true, "P-9", credential.RolePupil, credential.StatusValid), false},
		{"a forged pass with a pupil's id", scan(morning, true, "P-1", credential.RolePupil, credential.StatusVerifyFailed), false},
		{"a resident's pass with a roster id", scan(morning, true, "P-1", credential.RoleResident, credential.StatusValid), false},
		{"between rounds", scan(morning.Add(3*time.Hour), true, "P-1", credential.RolePupil, credential.StatusValid), false},
		{"an unsynced clock", scan(morning, false, "P-1", credential.RolePupil, credential.StatusValid), false},
		{"no temperature taken", func() policy.Input {
			in := scan(morning, true, "P-1", credential.RolePupil, credential.StatusValid)
			in.Reading = nil
			return in
		}(), false},
	} {
		got := tr.Stamp(tt.in)
		if (got != nil) != tt.want {
			t.Errorf("%s: %+v, want a check %v", tt.name, got, tt.want)
		}
		if got != nil && (got.Round != "晨检" || got.Day != "2026-12-07") {
			t.Errorf("%s: %+v, want 晨检 of 2026-12-07", tt.name, got)
		}
	}
}

func TestBoardListsTheUncheckedOfTheCurrentRoundAndKeepsAFever(t *testing.T) {
	noon := time.Date(2026, 12, 7, 12, 30, 0, 0, cst)
	tr := tracker(noon, true)
	// A morning check does not count at noon.
	tr.Note(wire.Entry{Time: noon.Add(-5 * time.Hour), StaffCheck: &wire.StaffCheck{ID: "P-2", Round: "晨检", Day: "2026-12-07"}})
	tr.Note(wire.Entry{Time: noon, Alert: "fever", Temperature: &wire.Temperature{CorrectedC: 37.8},
		StaffCheck: &wire.StaffCheck{ID: "P-1", Round: "午检", Day: "2026-12-07"}})
	// A normal reading after a fever in the same round does not hide it.
	tr.Note(wire.Entry{Time: noon, Temperature: &wire.Temperature{CorrectedC: 36.5},
		StaffCheck: &wire.StaffCheck{ID: "P-1", Round: "午检", Day: "2026-12-07"}})
	tr.Restore([]ledger.Checked{{ID: "T-1", Day: "2026-12-07", Round: "午检", TempC: 36.4}})
	b := tr.Board()
	if !b.InRound || b.Round != "午检" || b.Total != 3 || b.Checked != 2 {
		t.Fatalf("board %+v", b)
	}
	if len(b.Groups) != 2 || b.Groups[0].Group != wire.GroupPupil || len(b.Groups[0].Unchecked) != 1 ||
		b.Groups[0].Unchecked[0].ID != "P-2" || !b.Groups[0].Checked[0].Fever {
		t.Fatalf("groups %+v", b.Groups)
	}
	if b := tracker(noon, false).Board(); b.InRound || !b.On || b.Synced {
		t.Fatalf("unsynced board %+v", b)
	}
}
