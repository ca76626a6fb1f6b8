package report

import "fmt"

// ColStaffChecks is the roll call's column (晨午晚检): the distinct people
// checked in a round of the period, of those due (the staff roster's
// people times the rounds of the period's days). Empty where the site
// has no roster. It is a named-report column; the daily report's CSV is
// locked, so it joins DailyColumns only when the recipients' macros do.
const ColStaffChecks = "staff_checks"

func init() {
	allColumns[ColStaffChecks] = column{ColStaffChecks, "晨午晚检 已检/应检", "Staff checks done/due",
		func(_ *labels, r Row, _ bool) any { return staffCell(r) }}
}

// staffCell is done/due, or empty without a roll call.
func staffCell(r Row) string {
	if r.StaffDue == 0 {
		return ""
	}
	return fmt.Sprintf("%d/%d", r.StaffDone, r.StaffDue)
}
