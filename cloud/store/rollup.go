package store

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/kakou/kakou/firmware/wire"
)

// Rollups are counts per unit, site, hour and metric, kept in the same
// transaction as the entries they count, so the dashboard's hourly charts,
// the occupancy bars and the daily report read a few hundred rows instead
// of scanning millions of entries. They count by the entry's ts hour, not
// by when it arrived, so an entry replayed from a backlog a day late lands
// in the hour it happened and occupancy and reports come out right after
// late historical data. Only entries new to the store count:
// a duplicate changes nothing.
//
// The metric names are the API's (see the rollups endpoint):
const (
	MetricTotal    = "total"
	MetricIn       = "in"  // lane in, allowed: a person went in
	MetricOut      = "out" // lane out, allowed: a person left
	MetricFever    = "fever"
	MetricVisitor  = "visitor"
	MetricOverride = "override"
	// MetricOverrideAdmit counts the overrides that let someone in
	// (人工放行): allowed at an entrance lane. "override" counts every
	// one, also a guard turning a person away.
	MetricOverrideAdmit = "override_admit"
	MetricManualTemp    = "manual_temp"
	MetricHistorical    = "historical"
	// Prefixes: decision:<decision>, reason:<code> (reasons of entries not
	// allowed), alert:<alert>.
	PrefixDecision = "decision:"
	PrefixReason   = "reason:"
	PrefixAlert    = "alert:"
	// A guard's record counts apart from the traffic (wire.Record): a
	// shift handed over, a duty's turn done (duty:<id>) or found missed
	// (duty_missed:<id>).
	MetricShift      = "shift"
	MetricSignIn     = "sign_in" // a guard signed in at a lane (sign-outs count nothing)
	PrefixDuty       = "duty:"
	PrefixDutyMissed = "duty_missed:"
)

// EntryMetrics are the metrics one entry adds 1 to. A guard's record is
// nobody at the gate: it adds to its own metrics only, never to total,
// in, out or a decision, so it moves no count of people.
func EntryMetrics(e *wire.Entry) []string {
	if r := e.Record; r != nil {
		switch {
		case r.Duty != nil && r.Duty.Missed:
			return []string{PrefixDutyMissed + r.Duty.ID}
		case r.Duty != nil:
			return []string{PrefixDuty + r.Duty.ID}
		case r.Kind == wire.RecordSignIn:
			return []string{MetricSignIn}
		case r.Kind == wire.RecordSignOut:
			return nil
		case r.Kind == wire.RecordStaffCheck:
			return staffCheckMetrics(e)
		case r.Vehicle != nil:
			return VehicleMetrics(e)
		}
		return []string{MetricShift}
	}
	m := []string{MetricTotal, PrefixDecision + string(e.Decision)}
	if e.Decision == wire.Allow {
		if e.Lane == wire.LaneIn {
			m = append(m, MetricIn)
		} else {
			m = append(m, MetricOut)
		}
	} else {
		for _, r := range e.Reasons {
			m = append(m, PrefixReason+r.Code)
		}
	}
	if e.Alert != "" {
		m = append(m, PrefixAlert+e.Alert)
		if e.Alert == "fever" {
			m = append(m, MetricFever)
		}
	}
	if e.Visitor != nil {
		m = append(m, MetricVisitor)
	}
	if e.Override != nil {
		m = append(m, MetricOverride)
		if e.Decision == wire.Allow && e.Lane == wire.LaneIn {
			m = append(m, MetricOverrideAdmit)
		}
	}
	if e.Temperature != nil && e.Temperature.Source == "manual" {
		m = append(m, MetricManualTemp)
	}
	if e.Historical {
		m = append(m, MetricHistorical)
	}
	if e.StaffCheck != nil {
		m = append(m, MetricStaffCheck)
	}
	return m
}

// AllSites is the site_rollups key of the whole fleet's counts, kept
// beside the sites' so the city's hourly chart reads one row per hour and
// metric however many sites there are. No site id is empty.
const AllSites = ""

// AlertDetail is what the alert feed says of an entry's alert.
func AlertDetail(e *wire.Entry) string {
	var parts []string
	if t := e.Temperature; t != nil {
		parts = append(parts, strconv.FormatFloat(t.CorrectedC, 'f', 1, 64)+" °C")
	}
	for _, r := range e.Reasons {
		parts = append(parts, r.ZH)
	}
	return strings.Join(parts, "；")
}

// SiteFacility is a site's facility type, as a scalar subquery on r.site:
// the one the centre configured, or else one its units report.
const SiteFacility = `coalesce(nullif((SELECT facility FROM sites WHERE site = r.site), ''),
	(SELECT max(facility) FROM units WHERE site = r.site), '')`

// RollupSource is what a rollup query reads for its By: the key column,
// the table, and the condition that picks the table's rows. Both backends
// build their SQL on it, so they accept and refuse the same queries.
type RollupSource struct{ Key, From, Only string }

// SourceFor is where q reads, or why q cannot be answered.
func SourceFor(q RollupQuery) (RollupSource, error) {
	var src RollupSource
	switch q.By {
	case "", "site":
		src = RollupSource{"r.site", "site_rollups r", "r.site <> ''"}
	case "facility":
		src = RollupSource{SiteFacility, "site_rollups r", "r.site <> ''"}
	case "unit":
		// "site/unit": two sites may each have a gate-1 (UnitID)
		src = RollupSource{"r.site || '/' || r.unit", "rollups r", "1 = 1"}
	case "all":
		src = RollupSource{"CAST('all' AS TEXT)", "site_rollups r", "r.site = ''"}
	default:
		return src, fmt.Errorf("store: rollups by %q: want site, unit, facility or all", q.By)
	}
	switch {
	case q.By == "all" && (q.Site != "" || q.Facility != ""):
		return src, fmt.Errorf("store: rollups by all: a site or facility filter needs by=site or by=facility")
	case q.Unit != "" && q.By != "unit":
		return src, fmt.Errorf("store: rollups: a unit filter needs by=unit")
	}
	return src, nil
}
