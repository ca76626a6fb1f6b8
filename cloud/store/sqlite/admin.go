package sqlite

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"time"

	"github.com/kakou/kakou/cloud/store"
)

// PutSites creates or updates the sites the centre configured.
func (s *Store) PutSites(ctx context.Context, sites []store.Site) error {
	err := s.inTx(ctx, func(tx *sql.Tx) error {
		for _, st := range sites {
			_, err := tx.ExecContext(ctx, `INSERT INTO sites (site, name, facility, capacity)
				VALUES (?, ?, ?, ?) ON CONFLICT (site) DO UPDATE SET name = excluded.name,
				facility = excluded.facility, capacity = excluded.capacity`,
				st.ID, st.Name, st.Facility, st.Capacity)
			if err != nil {
				return fmt.Errorf("site %s: %w", st.ID, err)
			}
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("store: put sites: %w", err)
	}
	return nil
}

// Sites lists the configured sites and those known only from their units
// (named by their id, facility from a unit, no capacity), by id.
func (s *Store) Sites(ctx context.Context) ([]store.Site, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT site, name, facility, capacity FROM sites
		UNION ALL SELECT site, site, max(facility), 0 FROM units
		WHERE site NOT IN (SELECT site FROM sites) GROUP BY site ORDER BY 1`)
	if err != nil {
		return nil, fmt.Errorf("store: query sites: %w", err)
	}
	defer rows.Close()
	out := []store.Site{}
	for rows.Next() {
		var st store.Site
		if err := rows.Scan(&st.ID, &st.Name, &st.Facility, &st.Capacity); err != nil {
			return nil, fmt.Errorf("store: read site: %w", err)
		}
		out = append(out, st)
	}
	return out, rows.Err()
}

// sqliteTrace is Trace's query. Each visit's exit is the first allowed
// exit with the same credential after it, one seek in entries_exits
// (TestTraceFindsExitsThroughTheirIndex); the outer query keeps the visits
// that overlap the window and lasted long enough (store.TraceBounds). The
// inner query's LIMIT -1 keeps it a co-routine in time order: flattened
// into the outer one, each of the three uses of left_ts ran the exit's
// subquery again, which made a trace three times as slow.
const sqliteTrace = `SELECT id, site, unit, subject, kind, detail, ts, left_ts FROM (
	SELECT e.id, e.site, e.unit, e.credential_subject AS subject,
	e.credential_kind AS kind, e.detail, e.ts,
	(SELECT x.ts FROM entries x WHERE x.site = e.site AND x.lane = 'out'
		AND x.decision = 'allow' AND x.credential_subject = e.credential_subject
		AND x.credential_subject != '' AND x.ts > e.ts ORDER BY x.ts LIMIT 1) AS left_ts
	FROM entries e WHERE e.site = ? AND e.ts >= ? AND e.ts < ?
	AND e.lane = 'in' AND e.decision = 'allow' ORDER BY e.ts LIMIT -1)
	WHERE (left_ts IS NULL OR left_ts > ?) AND COALESCE(left_ts, ?) - ts >= ?
	ORDER BY ts LIMIT ?`

// Trace lists who was inside a site during a window (store.TraceLookback
// says what counts), each with the time they left when an exit with the
// same credential is known (docs/product.md "Contact tracing": who was at
// place X within a time window).
func (s *Store) Trace(ctx context.Context, q store.TraceQuery) ([]store.Visit, error) {
	from, since, until, stayEnd, minStay := q.TraceBounds()
	rows, err := s.db.QueryContext(ctx, sqliteTrace,
		q.Site, from, until, since, stayEnd, minStay, q.RowLimit())
	if err != nil {
		return nil, fmt.Errorf("store: trace %s: %w", q.Site, err)
	}
	defer rows.Close()
	out := []store.Visit{}
	for rows.Next() {
		var v store.Visit
		var extra string
		var entered int64
		var left sql.NullInt64
		if err := rows.Scan(&v.EntryID, &v.Site, &v.Unit, &v.Subject, &v.Kind, &extra, &entered, &left); err != nil {
			return nil, fmt.Errorf("store: read visit: %w", err)
		}
		v.EnteredAt, v.LeftAt = time.Unix(0, entered).UTC(), fromNanos(left)
		var d store.Detail
		if json.Unmarshal([]byte(extra), &d) == nil && d.Visitor != nil {
			v.Name, v.Phone = d.Visitor.Name, d.Visitor.Phone
		}
		out = append(out, v)
	}
	return out, rows.Err()
}

// PutAudit appends to the audit trail.
func (s *Store) PutAudit(ctx context.Context, r store.AuditRecord) error {
	_, err := s.w.ExecContext(ctx, `INSERT INTO audit (at, user_name, role, action, detail)
		VALUES (?, ?, ?, ?, ?)`, r.At.UnixNano(), r.User, r.Role, r.Action, r.Detail)
	if err != nil {
		return fmt.Errorf("store: audit %s: %w", r.Action, err)
	}
	return nil
}

// Audit returns the newest limit audit records.
func (s *Store) Audit(ctx context.Context, limit int) ([]store.AuditRecord, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT at, user_name, role, action, detail FROM audit
		ORDER BY id DESC LIMIT ?`, store.Query{Limit: limit}.RowLimit())
	if err != nil {
		return nil, fmt.Errorf("store: query audit: %w", err)
	}
	defer rows.Close()
	out := []store.AuditRecord{}
	for rows.Next() {
		var r store.AuditRecord
		var at int64
		if err := rows.Scan(&at, &r.User, &r.Role, &r.Action, &r.Detail); err != nil {
			return nil, fmt.Errorf("store: read audit: %w", err)
		}
		r.At = time.Unix(0, at).UTC()
		out = append(out, r)
	}
	return out, rows.Err()
}

// PutAssignment records the policy chosen for a site or unit, replacing
// the earlier choice.
func (s *Store) PutAssignment(ctx context.Context, a store.Assignment) error {
	_, err := s.w.ExecContext(ctx, `INSERT INTO assignments (scope, target, profile, version,
		document, assigned_by, assigned_at) VALUES (?, ?, ?, ?, ?, ?, ?)
		ON CONFLICT (scope, target) DO UPDATE SET profile = excluded.profile,
		version = excluded.version, document = excluded.document,
		assigned_by = excluded.assigned_by, assigned_at = excluded.assigned_at`,
		a.Scope, a.Target, a.Profile, a.Version, a.Document, a.AssignedBy, a.AssignedAt.UnixNano())
	if err != nil {
		return fmt.Errorf("store: assign %s %s: %w", a.Scope, a.Target, err)
	}
	return nil
}

// Assignments lists the policy choices by scope and target.
func (s *Store) Assignments(ctx context.Context) ([]store.Assignment, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT scope, target, profile, version, document,
		assigned_by, assigned_at FROM assignments ORDER BY scope, target`)
	if err != nil {
		return nil, fmt.Errorf("store: query assignments: %w", err)
	}
	defer rows.Close()
	out := []store.Assignment{}
	for rows.Next() {
		var a store.Assignment
		var at int64
		if err := rows.Scan(&a.Scope, &a.Target, &a.Profile, &a.Version, &a.Document, &a.AssignedBy, &at); err != nil {
			return nil, fmt.Errorf("store: read assignment: %w", err)
		}
		a.AssignedAt = time.Unix(0, at).UTC()
		out = append(out, a)
	}
	return out, rows.Err()
}
