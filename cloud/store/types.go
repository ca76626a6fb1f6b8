package store

import (
	"errors"
	"time"
)

// Errors the API turns into 404 and 409.
var (
	ErrNotFound     = errors.New("store: not found")
	ErrAlreadyAcked = errors.New("store: alert already acknowledged")
)

// UnitID names a unit exactly. A unit is its site and its id in every
// key, table and credential (docs/architecture.md "Every record says
// who, exactly"): two sites may each have a gate-1, and neither may stand in
// for the other.
type UnitID struct{ Site, Unit string }

// String is the unit as an MQTT user name and an API key: "site/unit". Ids
// never hold '/' (wire.ValidateID), so it splits back unambiguously.
func (u UnitID) String() string { return u.Site + "/" + u.Unit }

// RollupQuery selects hourly rollups (rollup.go). Empty strings do not
// filter; Since and Until bound the hour buckets, [Since, Until).
type RollupQuery struct {
	Site, Unit, Facility string
	Since, Until         time.Time
	By                   string // "site", "unit" or "facility": what Key holds
	// Metrics, if any, are the only metrics read (occupancy needs two).
	Metrics []string
	// Whole sums the window into one row per key, its Hour the window's
	// start, rather than one row per hour.
	Whole bool
}

// RollupRow is one key's counts in one hour (the start of a UTC hour).
// Counts holds only the metrics that occurred.
type RollupRow struct {
	Key    string
	Hour   time.Time
	Counts map[string]int
}

// Site is a checkpoint site as the centre configures it: its name, facility
// type and the cap on how many people may be inside (0: none).
type Site struct {
	ID, Name, Facility string
	Capacity           int
}

// Alert is a fever (or other) alert raised by an entry, or a device fault
// reported in a unit's status, and what central monitoring did about it.
type Alert struct {
	ID, Site, Unit, Kind string // Kind: the entry's alert, or "device"
	RaisedAt             time.Time
	EntryID              string // "" for a device alert
	Detail               string
	Historical           bool // came in from a backlog, after the fact
	AckedBy, Action      string
	AckedAt, ResolvedAt  time.Time // zero: not yet
	// Severity is high, medium or low (severity.go): who is paged and how
	// loudly. An alert stored without one takes its kind's (SeverityOf).
	Severity string
	// Level is the escalation level its notifications have reached: 0
	// for the first channels, 1 once it went unacknowledged past the
	// deadline to the next level's, and so on (cloud/notify).
	Level int
}

// AlertQuery selects alerts, newest first. Open means not acknowledged.
type AlertQuery struct {
	Site  string
	Open  bool
	Limit int // 0 means DefaultLimit; more than MaxLimit means MaxLimit
}

// AuditRecord is one audited action, such as a contact-tracing query.
type AuditRecord struct {
	At                 time.Time
	User, Role, Action string
	Detail             string // JSON
}

// Assignment is the policy profile chosen for a site or a unit.
type Assignment struct {
	Scope                      string // "site" or "unit"
	Target                     string
	Profile, Version, Document string
	AssignedBy                 string
	AssignedAt                 time.Time
}

// Visit is one person's entry at a site, with when they left if a matching
// exit is known, for contact tracing.
type Visit struct {
	EntryID, Site, Unit string
	Subject, Kind       string // credential subject and kind
	Name, Phone         string // the visitor record, masked by the unit
	EnteredAt, LeftAt   time.Time
}

// TraceQuery selects the visits at Site that overlap [Since, Until): the
// person was admitted before Until and left after Since, or has no known
// exit (trace.go: the overlap rule).
type TraceQuery struct {
	Site         string
	Since, Until time.Time
	Limit        int // 0 means 1000, at most 10000
	// MinStay keeps only the visits that lasted at least this long; a
	// visit with no known exit lasts until StayEnd (Until if zero).
	MinStay time.Duration
	StayEnd time.Time
}

// Trace limits.
const (
	DefaultTraceLimit = 1000
	MaxTraceLimit     = 10000
)

// RowLimit is how many visits q returns: Limit within the trace limits.
func (q TraceQuery) RowLimit() int {
	switch {
	case q.Limit <= 0:
		return DefaultTraceLimit
	case q.Limit > MaxTraceLimit:
		return MaxTraceLimit
	}
	return q.Limit
}
