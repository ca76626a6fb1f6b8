package report

import (
	"fmt"
	"time"
)

// The default cut is the hour the daily report is due (docs/product.md
// "Reporting deadlines": daily report at 16:00). Other reports have other cuts, so the
// functions take the cut as arguments.
const (
	DefaultCutHour   = 16
	DefaultCutMinute = 0
)

// dateLayout is the civil day of a period, as the API's ?date= takes it.
const dateLayout = "2006-01-02"

// Period is the reporting window of one daily report. It ends at the cut
// instant on Date and starts at the cut instant of the day before, both in
// the collector's time zone. On a day with a daylight-saving change it is 23
// or 25 hours long rather than 24: consecutive periods must tile the
// timeline, with no entry counted twice or never.
type Period struct {
	Date  string    `json:"date"`  // YYYY-MM-DD, the civil day the period ends on
	Cut   time.Time `json:"cut"`   // the cut instant, end of the period
	Since time.Time `json:"since"` // start, inclusive
	Until time.Time `json:"until"` // end, exclusive; equal to Cut
}

// CheckCut says whether hour:minute is a time of day. Config validation
// calls it so a bad cut is reported with its key at start-up, not at 16:00.
func CheckCut(hour, minute int) error {
	if hour < 0 || hour > 23 || minute < 0 || minute > 59 {
		return fmt.Errorf("report: cut %02d:%02d is not a time of day; want hour 0-23 and minute 0-59", hour, minute)
	}
	return nil
}

// PeriodFor returns the period ending at cutHour:cutMinute in loc on date
// (YYYY-MM-DD) and starting at the same clock time the day before.
func PeriodFor(date string, cutHour, cutMinute int, loc *time.Location) (Period, error) {
	day, err := time.Parse(dateLayout, date)
	if err != nil {
		return Period{}, fmt.Errorf("report: date %q is not a day; want YYYY-MM-DD: %w", date, err)
	}
	if err := CheckCut(cutHour, cutMinute); err != nil {
		return Period{}, err
	}
	if loc == nil {
		return Period{}, fmt.Errorf("report: no time zone for the cut; pass the collector's location, e.g. time.LoadLocation(%q)", "Asia/Shanghai")
	}
	y, m, d := day.Date()
	return periodOn(y, m, d, cutHour, cutMinute, loc), nil
}

// LatestCut returns the latest period whose end is at or before now: the
// report the API serves when no date is asked for. A nil loc means
// now.Location(). The cut must pass [CheckCut]; an out-of-range cut rolls
// over as in time.Date.
func LatestCut(now time.Time, cutHour, cutMinute int, loc *time.Location) Period {
	if loc == nil {
		loc = now.Location()
	}
	y, m, d := now.In(loc).Date()
	p := periodOn(y, m, d, cutHour, cutMinute, loc)
	if p.Cut.After(now) {
		p = periodOn(y, m, d-1, cutHour, cutMinute, loc)
	}
	return p
}

// periodOn builds the period ending on civil day y-m-d. Both ends come from
// time.Date on their own civil day — never Cut.Add(-24h) — which is what
// keeps periods tiling across a DST change. d may be out of range (d-1 on
// the 1st); time.Date normalises it, and Date is taken from the result.
func periodOn(y int, m time.Month, d, cutHour, cutMinute int, loc *time.Location) Period {
	cut := time.Date(y, m, d, cutHour, cutMinute, 0, 0, loc)
	since := time.Date(y, m, d-1, cutHour, cutMinute, 0, 0, loc)
	return Period{
		Date:  time.Date(y, m, d, 0, 0, 0, 0, time.UTC).Format(dateLayout),
		Cut:   cut,
		Since: since,
		Until: cut,
	}
}

// Closed says whether the period has ended at now, so its numbers are
// final. A report for a period still running is provisional.
func (p Period) Closed(now time.Time) bool {
	return !now.Before(p.Cut)
}

// String is the period as the report's title shows it, in the period's own
// time zone: "2026-11-22 16:00 — 2026-11-23 16:00".
func (p Period) String() string {
	const layout = "2006-01-02 15:04"
	return p.Since.Format(layout) + " — " + p.Until.Format(layout)
}
