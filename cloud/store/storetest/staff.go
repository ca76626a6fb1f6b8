package storetest

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/kakou/kakou/cloud/store"
	"github.com/kakou/kakou/firmware/wire"
)

// StaffStore is what the staff conformance cases need beyond Store.
type StaffStore interface {
	Store
	PutStaffRoster(context.Context, store.StaffRoster) (store.StaffRoster, error)
	StaffRoster(ctx context.Context, site string) (store.StaffRoster, error)
	PutStaffRound(ctx context.Context, site, unit string, r wire.StaffRound, at time.Time) error
	StaffRounds(ctx context.Context, site string) ([]store.UnitRound, error)
	StaffChecks(ctx context.Context, site string, since time.Time) ([]store.StaffCheckRow, error)
}

// Staff holds a backend to the staff roster's contract: a site's roster
// stored whole with a growing version, the units' rounds, and the checks
// read back from the entries that carry them.
func Staff(t *testing.T, open func(*testing.T) StaffStore) {
	for _, bh := range []struct {
		name string
		run  func(*testing.T, StaffStore)
	}{
		{"a site's roster is replaced whole and its version grows, only that site's", behaveStaffRosterVersions},
		{"a roster no unit could take is refused", behaveStaffRosterShape},
		{"a unit's latest round is kept, an older status does not move it back", behaveStaffRounds},
		{"staff checks are read back from the site's entries, scans and ticks alike", behaveStaffChecks},
	} {
		t.Run(bh.name, func(t *testing.T) {
			t.Parallel()
			bh.run(t, open(t))
		})
	}
}

func staffRoster(site string, ids ...string) store.StaffRoster {
	r := store.StaffRoster{Site: site, UpdatedAt: guardAt, UpdatedBy: "教务处"}
	for _, id := range ids {
		r.Members = append(r.Members, wire.StaffMember{ID: id, Name: "张**", Group: wire.GroupPupil, Class: "三年级2班"})
	}
	return r
}

func behaveStaffRosterVersions(t *testing.T, s StaffStore) {
	if r, err := s.StaffRoster(ctx, "school"); err != nil || r.Version != 0 || len(r.Members) != 0 {
		t.Fatalf("no roster yet: %+v %v", r, err)
	}
	for i, ids := range [][]string{{"P-1", "P-2"}, {"P-1", "P-2", "P-3"}} {
		got, err := s.PutStaffRoster(ctx, staffRoster("school", ids...))
		if err != nil || got.Version != uint64(i+1) {
			t.Fatalf("put %d: %+v %v", i, got, err)
		}
	}
	if _, err := s.PutStaffRoster(ctx, staffRoster("other", "P-1")); err != nil {
		t.Fatal(err)
	}
	r, err := s.StaffRoster(ctx, "school")
	if err != nil || r.Version != 2 || len(r.Members) != 3 || r.Members[2].ID != "P-3" || !r.UpdatedAt.Equal(guardAt) || r.UpdatedBy != "教务处" {
		t.Fatalf("read back %+v %v", r, err)
	}
	if o, _ := s.StaffRoster(ctx, "other"); o.Version != 1 {
		t.Fatalf("another site's version %d, want 1", o.Version)
	}
}

func behaveStaffRosterShape(t *testing.T, s StaffStore) {
	bad := staffRoster("school", "P-1")
	bad.Members[0].Name = "张小明" // unmasked
	if _, err := s.PutStaffRoster(ctx, bad); !errors.Is(err, store.ErrStaffShape) {
		t.Fatalf("unmasked name: %v", err)
	}
	if _, err := s.PutStaffRoster(ctx, staffRoster("School", "P-1")); !errors.Is(err, store.ErrStaffShape) {
		t.Fatalf("bad site: %v", err)
	}
}

func behaveStaffRounds(t *testing.T, s StaffStore) {
	at := time.Date(2026, 12, 7, 0, 30, 0, 0, time.UTC)
	noon := wire.StaffRound{Day: "2026-12-07", Round: "午检", Rounds: 3, EndsAt: at.Add(6 * time.Hour)}
	morning := wire.StaffRound{Day: "2026-12-07", Round: "晨检", Rounds: 3, EndsAt: at.Add(time.Hour)}
	if err := s.PutStaffRound(ctx, "school", "gate-1", noon, at.Add(4*time.Hour)); err != nil {
		t.Fatal(err)
	}
	if err := s.PutStaffRound(ctx, "school", "gate-1", morning, at); err != nil { // a late, older status
		t.Fatal(err)
	}
	rs, err := s.StaffRounds(ctx, "school")
	if err != nil || len(rs) != 1 || rs[0].Round.Round != "午检" || !rs[0].Round.EndsAt.Equal(noon.EndsAt) {
		t.Fatalf("rounds %+v %v", rs, err)
	}
}

func behaveStaffChecks(t *testing.T, s StaffStore) {
	scan := Entry("school", "gate-1", 1)
	scan.StaffCheck = &wire.StaffCheck{ID: "P-1", Round: "晨检", Day: "2026-12-07"}
	tick := Entry("school", "gate-2", 1)
	tick.Decision, tick.Reasons = "", nil
	tick.Credential = wire.Credential{Kind: wire.CredentialNone}
	tick.Guard, tick.Alert = "teacher-1", "fever"
	tick.Record = &wire.Record{Kind: wire.RecordStaffCheck}
	tick.Temperature = &wire.Temperature{RawC: 37.9, CorrectedC: 37.9, Source: wire.SourceManual}
	tick.StaffCheck = &wire.StaffCheck{ID: "P-2", Round: "晨检", Day: "2026-12-07"}
	plain := Entry("school", "gate-1", 2)
	elsewhere := Entry("other", "gate-9", 1)
	elsewhere.StaffCheck = &wire.StaffCheck{ID: "P-1", Round: "晨检", Day: "2026-12-07"}
	if _, err := s.PutEntries(ctx, []wire.Entry{scan, tick, plain, elsewhere}, scan.Time); err != nil {
		t.Fatal(err)
	}
	got, err := s.StaffChecks(ctx, "school", scan.Time.Add(-time.Hour))
	if err != nil || len(got) != 2 {
		t.Fatalf("checks %+v %v", got, err)
	}
	var ids []string
	for _, c := range got {
		ids = append(ids, c.ID+"@"+c.Unit)
		if c.ID == "P-2" && (!c.Fever || c.TempC != 37.9) {
			t.Fatalf("the tick's fever lost: %+v", c)
		}
	}
	if strings.Join(ids, " ") != "P-1@gate-1 P-2@gate-2" && strings.Join(ids, " ") != "P-2@gate-2 P-1@gate-1" {
		t.Fatalf("checks %v", ids)
	}
	if later, _ := s.StaffChecks(ctx, "school", scan.Time.Add(time.Hour)); len(later) != 0 {
		t.Fatalf("checks before since returned: %+v", later)
	}
}
