package report

import (
	"fmt"
	"slices"
	"strings"
)

// The guards' duty log as rollups count it (cloud/store/rollup.go): a
// turn of duty <id> logged as done, or recorded missed by the unit.
const (
	dutyPrefix       = "duty:"
	dutyMissedPrefix = "duty_missed:"
)

// duties fills r's duty log columns from the site's counts: turns done,
// turns due (done or missed; the centre learns of a turn when it is
// logged or missed, so a turn still open at the cut is in neither), and
// the missed duties by name with how many turns of each, 大门消毒×2.
// Missed duties are listed, not alarmed: they do not spoil a zero report,
// which is about the people at the gate.
func duties(r *Row, s SiteInput) {
	missed := map[string]int{}
	for metric, n := range s.Counts {
		if _, ok := strings.CutPrefix(metric, dutyPrefix); ok {
			r.DutiesDone += n
			r.DutiesDue += n
		}
		if id, ok := strings.CutPrefix(metric, dutyMissedPrefix); ok && n > 0 {
			r.DutiesDue += n
			missed[id] += n
		}
	}
	var names []string
	for id, n := range missed {
		name := s.DutyNames[id]
		if name == "" {
			name = id
		}
		if n > 1 {
			name = fmt.Sprintf("%s×%d", name, n)
		}
		names = append(names, name)
	}
	slices.Sort(names)
	r.DutiesMissed = strings.Join(names, "、")
}

// dutyCells are the duty log's two spreadsheet cells: done/due, and the
// missed duties; both empty where no duty was due (the policy lists none).
func dutyCells(r Row, total bool) (string, string) {
	if r.DutiesDue == 0 {
		return "", ""
	}
	ratio := fmt.Sprintf("%d/%d", r.DutiesDone, r.DutiesDue)
	if total {
		return ratio, ""
	}
	return ratio, cleanText(r.DutiesMissed)
}
