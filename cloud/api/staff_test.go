package api

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/kakou/kakou/cloud/store"
	"github.com/kakou/kakou/firmware/wire"
)

// staffFixture gives site-a and site-b a roster each, a round named by a
// unit of each, and a check at site-a (one fever) and site-b.
func staffFixture(t *testing.T) *regionFixture {
	f := newRegionFixture(t)
	ctx := context.Background()
	round := wire.StaffRound{Day: "2022-04-02", Round: "晨检", Rounds: 3, EndsAt: now.Add(time.Hour)}
	for _, site := range []string{"site-a", "site-b"} {
		r := store.StaffRoster{Site: site, UpdatedAt: now, UpdatedBy: "教务处"}
		for _, id := range []string{"P-1", "P-2", "P-3"} {
			r.Members = append(r.Members, wire.StaffMember{ID: id, Name: "张**", Group: wire.GroupPupil, Class: site + "班"})
		}
		if _, err := f.store.PutStaffRoster(ctx, r); err != nil {
			t.Fatal(err)
		}
	}
	f.store.PutStaffRound(ctx, "site-a", "gate-1", round, now)
	f.store.PutStaffRound(ctx, "site-b", "door-1", round, now)
	var es []wire.Entry
	for i, c := range []struct {
		site, unit, id string
		temp           float64
	}{{"site-a", "gate-1", "P-1", 36.5}, {"site-a", "gate-2", "P-2", 38.1}, {"site-b", "door-1", "P-1", 36.4}} {
		e := wire.Entry{Schema: 1, ID: fmt.Sprintf("sc-%d", i), Site: c.site, Unit: c.unit, Seq: uint64(100 + i), BootID: "b",
			Lane: wire.LaneIn, Time: now.Add(-10 * time.Minute), ClockSynced: true, Credential: wire.Credential{Kind: wire.CredentialNone},
			Guard: "t-1", Record: &wire.Record{Kind: wire.RecordStaffCheck},
			Temperature: &wire.Temperature{RawC: c.temp, CorrectedC: c.temp, Source: wire.SourceManual},
			StaffCheck:  &wire.StaffCheck{ID: c.id, Round: "晨检", Day: "2022-04-02"}}
		if c.temp >= 37.3 {
			e.Alert = "fever"
		}
		es = append(es, e)
	}
	if _, err := f.store.PutEntries(ctx, es, now); err != nil {
		t.Fatal(err)
	}
	return f
}

func TestRollCallListsTheUncheckedOfTheCurrentRoundWithinTheCallersScope(t *testing.T) {
	f := staffFixture(t)
	code, body := f.raw(t, "district", "GET", "/api/v1/rollcall", "")
	if code != 200 || strings.Contains(body, "site-b") || !strings.Contains(body, `"site":"site-a"`) {
		t.Fatalf("district: %d %s", code, body)
	}
	for _, want := range []string{`"round":"晨检"`, `"open":true`, `"total":3`, `"checked":2`, `"id":"P-3"`, `"temp_c":38.1`} {
		if !strings.Contains(body, want) {
			t.Errorf("roll call lacks %s: %s", want, body)
		}
	}
	if strings.Contains(body, `"unchecked":[{"id":"P-1"`) {
		t.Errorf("P-1, checked at gate-1, listed unchecked: %s", body)
	}
	if code, _ := f.raw(t, "district", "GET", "/api/v1/rollcall?site=site-b", ""); code != 403 {
		t.Errorf("site-b for the district: %d, want 403", code)
	}
	if _, body := f.raw(t, "manager", "GET", "/api/v1/rollcall", ""); strings.Contains(body, "site-b") || !strings.Contains(body, "site-a") {
		t.Errorf("site manager: %s", body)
	}
	// After the round ended nothing is open, and everyone is listed by
	// the round that ended.
	ended := wire.StaffRound{Day: "2022-04-02", Round: "晨检", Rounds: 3, EndsAt: now.Add(-time.Minute)}
	f.store.PutStaffRound(context.Background(), "site-a", "gate-1", ended, now.Add(time.Minute))
	if _, body := f.raw(t, "monitor", "GET", "/api/v1/rollcall?site=site-a", ""); !strings.Contains(body, `"open":false`) {
		t.Errorf("an ended round still open: %s", body)
	}
}

func TestStaffImportMasksNamesAndRefusesWhatAUnitCouldNotTake(t *testing.T) {
	f := newRegionFixture(t)
	code, body := f.raw(t, "manager", "POST", "/api/v1/sites/site-a/staff",
		`{"members":[{"id":"P2026000123","name":"李小明","group":"pupil","class":"三年级2班"}]}`)
	if code != 200 || !strings.Contains(body, `"version":1`) {
		t.Fatalf("import: %d %s", code, body)
	}
	_, body = f.raw(t, "manager", "GET", "/api/v1/sites/site-a/staff", "")
	if strings.Contains(body, "小明") || !strings.Contains(body, `"name":"李**"`) {
		t.Fatalf("stored name not masked: %s", body)
	}
	for name, req := range map[string]string{
		"bad group":  `{"members":[{"id":"P-1","name":"李","group":"parent"}]}`,
		"bad id":     `{"members":[{"id":"P/1","name":"李","group":"pupil"}]}`,
		"duplicate":  `{"members":[{"id":"P-1","name":"李","group":"pupil"},{"id":"P-1","name":"王","group":"pupil"}]}`,
		"unknown":    `{"members":[],"extra":1}`,
		"not json":   `members`,
		"over a cap": `{"members":[` + strings.Repeat(`{"id":"P-1","name":"李","group":"pupil"},`, wire.MaxStaff) + `{"id":"P-2","name":"李","group":"pupil"}]}`,
	} {
		if code, body := f.raw(t, "manager", "POST", "/api/v1/sites/site-a/staff", req); code != 400 {
			t.Errorf("%s: %d %.200s, want 400", name, code, body)
		}
	}
	if code, _ := f.raw(t, "manager", "POST", "/api/v1/sites/site-b/staff", `{"members":[]}`); code != 403 {
		t.Errorf("another site's roster: %d, want 403", code)
	}
	if code, _ := f.raw(t, "guard", "POST", "/api/v1/sites/site-a/staff", `{"members":[]}`); code != 403 {
		t.Errorf("a guard imports: %d, want 403", code)
	}
}

// The report counts each pupil checked once per round, of the roster
// times the rounds of the day.
func TestTheReportCountsStaffChecksDoneOfDue(t *testing.T) {
	f := staffFixture(t)
	code, body := f.raw(t, "monitor", "GET", "/api/v1/reports/daily?date=2022-04-03", "")
	if code != 200 || !strings.Contains(body, `"site":"site-a"`) {
		t.Fatalf("%d %.300s", code, body)
	}
	if !strings.Contains(body, `"staff_done":2,"staff_due":9`) {
		t.Fatalf("site-a's roll call in the report: %s", body)
	}
}
