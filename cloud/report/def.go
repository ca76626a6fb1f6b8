package report

import (
	"fmt"
	"regexp"
	"slices"
	"time"
)

// DailyID is the daily report's id: GET /api/v1/reports/daily, and the
// report a collector makes from [report] cut when its config names no
// [[reports]] of that id.
const DailyID = "daily"

// Def is a named report as the collector's config defines it
// ([[reports]]): its own cut, columns and sites (docs/product.md
// "Reporting deadlines": returnees before 11:00, zero report at 12:00,
// village report at 14:00, daily report at 16:00).
type Def struct {
	ID      string   `json:"id"`
	Title   string   `json:"title"`              // Chinese, as the offices file it
	TitleEN string   `json:"title_en,omitempty"` // for lang=en; the Chinese title when empty
	Cut     string   `json:"cut"`                // "HH:MM", local time
	Columns []string `json:"columns"`            // column keys (columns.go); empty: the daily report's
	// Scope lists the sites and regions (city, district, street,
	// community ids) the report covers; empty: every site.
	Scope []string `json:"scope,omitempty"`
}

var idPattern = regexp.MustCompile(`^[a-z0-9][a-z0-9_-]{0,31}$`)

// CheckID says whether id can name a report: it is a URL path segment
// and part of a file name, so lower-case letters, digits, - and _ only.
func CheckID(id string) error {
	if !idPattern.MatchString(id) {
		return fmt.Errorf("report: id %q: want 1-32 of a-z, 0-9, - and _, starting with a letter or digit", id)
	}
	return nil
}

// ParseCut reads a cut "HH:MM" (24-hour local time).
func ParseCut(s string) (hour, minute int, err error) {
	t, err := time.Parse("15:04", s)
	if err != nil {
		return 0, 0, fmt.Errorf("report: cut %q is not a time of day; write it as \"HH:MM\", e.g. \"16:00\"", s)
	}
	return t.Hour(), t.Minute(), nil
}

// PeriodFor is d's period ending on date (YYYY-MM-DD) at its cut.
func (d Def) PeriodFor(date string, loc *time.Location) (Period, error) {
	h, m, err := ParseCut(d.Cut)
	if err != nil {
		return Period{}, err
	}
	return PeriodFor(date, h, m, loc)
}

// Latest is d's latest period ended by now.
func (d Def) Latest(now time.Time, loc *time.Location) Period {
	h, m, _ := ParseCut(d.Cut) // checked with the config
	return LatestCut(now, h, m, loc)
}

// Covers says whether d covers site, given the regions it lies in from
// the top down (the collector's region tree).
func (d Def) Covers(site string, regions []string) bool {
	if len(d.Scope) == 0 || slices.Contains(d.Scope, site) {
		return true
	}
	for _, r := range regions {
		if slices.Contains(d.Scope, r) {
			return true
		}
	}
	return false
}

// Name gives r d's identity: its id, titles and columns; where d leaves
// them empty the daily report's are used. The daily report's JSON keeps
// the shape it had before reports were named: no id.
func (d Def) Name(r *Report) {
	if d.ID != DailyID {
		r.ID = d.ID
	}
	r.Title, r.TitleEN, r.Columns = d.Title, d.TitleEN, d.Columns
}

// FileName is what the export of r is called: kakou-<id>-<date>.<ext>.
func FileName(r Report, ext string) string {
	id := r.ID
	if id == "" {
		id = DailyID
	}
	return "kakou-" + id + "-" + r.Date + "." + ext
}
