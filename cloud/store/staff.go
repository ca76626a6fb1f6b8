package store

import (
	"encoding/json"
	"errors"
	"strings"
	"time"

	"github.com/kakou/kakou/firmware/wire"
)

// The staff roster of a site (晨午晚检: staff, workers, teachers and pupils
// checked in the rounds of the site's policy) is managed centrally and
// pushed to the site's units (cloud/staff). A site's roster is stored
// whole, with a version that grows with every change, so an import of a
// school's 3,000 pupils is one change and one push.

// StaffRoster is a site's roster as stored.
type StaffRoster struct {
	Site      string
	Version   uint64 // set by PutStaffRoster: the previous version + 1
	UpdatedAt time.Time
	UpdatedBy string
	Members   []wire.StaffMember
}

// ErrStaffShape is returned for a roster no unit could take.
var ErrStaffShape = errors.New("store: a staff roster needs a site (a-z 0-9 - _), who changed it when, " +
	"and members a unit can take (wire.StaffMember: masked names, at most wire.MaxStaff)")

// Check refuses a roster no unit could take.
func (r StaffRoster) Check() error {
	w := wire.StaffRoster{Schema: wire.SchemaVersion, Site: r.Site, Unit: "check", Version: 1, Members: r.Members}
	if wire.ValidateID(r.Site) != nil || r.UpdatedBy == "" || r.UpdatedAt.IsZero() || w.Validate() != nil {
		return ErrStaffShape
	}
	return nil
}

// MembersJSON is the members as stored.
func (r StaffRoster) MembersJSON() string {
	if r.Members == nil {
		return "[]"
	}
	b, _ := json.Marshal(r.Members) // plain data: cannot fail
	return string(b)
}

// StaffCheckRow is one staff check the centre holds: an entry of the site
// that carried a wire.StaffCheck.
type StaffCheckRow struct {
	wire.StaffCheck
	Unit  string
	Entry string
	At    time.Time
	TempC float64 // 0: no reading
	Fever bool    // the entry raised the fever alert
}

// UnitRound is the roll-call round a unit's last live status named.
type UnitRound struct {
	Unit   string
	Round  wire.StaffRound
	SeenAt time.Time
}

// StaffCheckLike is the text every entry detail with a staff check holds,
// for both backends' scans.
const StaffCheckLike = `%"staff_check":{%`

// StaffCheckOf reads a stored entry's detail; ok false without a check.
func StaffCheckOf(unit, id string, at time.Time, detail string) (StaffCheckRow, bool) {
	if !strings.Contains(detail, `"staff_check":`) {
		return StaffCheckRow{}, false
	}
	var d Detail
	if err := json.Unmarshal([]byte(detail), &d); err != nil || d.StaffCheck == nil {
		return StaffCheckRow{}, false
	}
	row := StaffCheckRow{StaffCheck: *d.StaffCheck, Unit: unit, Entry: id, At: at, Fever: d.Alert == "fever"}
	if d.Temperature != nil {
		row.TempC = d.Temperature.CorrectedC
	}
	return row, true
}

// MetricStaffCheck counts roll-call checks, at a lane or ticked at a
// console; the daily report's staff-checks column sums it.
const MetricStaffCheck = "staff_check"

// staffCheckMetrics are a roll-call tick's metrics: a check, and its
// fever alert, but no person at the gate.
func staffCheckMetrics(e *wire.Entry) []string {
	m := []string{MetricStaffCheck}
	if e.Alert != "" {
		m = append(m, PrefixAlert+e.Alert)
		if e.Alert == "fever" {
			m = append(m, MetricFever)
		}
	}
	return m
}
