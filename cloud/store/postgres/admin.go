package postgres

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgtype"

	"github.com/kakou/kakou/cloud/store"
)

// PutAudit appends to the audit trail.
func (p *Store) PutAudit(ctx context.Context, r store.AuditRecord) error {
	_, err := p.pool.Exec(ctx, `INSERT INTO audit (at, user_name, role, action, detail)
		VALUES ($1, $2, $3, $4, $5)`, r.At.UnixNano(), r.User, r.Role, r.Action, r.Detail)
	if err != nil {
		return fmt.Errorf("store: audit %s: %w", r.Action, err)
	}
	return nil
}

// Audit returns the newest limit audit records, newest first: by id, the
// order they were written in, as SQLite's rowid.
func (p *Store) Audit(ctx context.Context, limit int) ([]store.AuditRecord, error) {
	rows, err := p.pool.Query(ctx, `SELECT at, user_name, role, action, detail FROM audit
		ORDER BY id DESC LIMIT $1`, store.Query{Limit: limit}.RowLimit())
	if err != nil {
		return nil, fmt.Errorf("store: query audit: %w", err)
	}
	out := []store.AuditRecord{}
	var r store.AuditRecord
	var at int64
	_, err = pgx.ForEachRow(rows, []any{&at, &r.User, &r.Role, &r.Action, &r.Detail}, func() error {
		r.At = time.Unix(0, at).UTC()
		out = append(out, r)
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("store: query audit: %w", err)
	}
	return out, nil
}

// PutAssignment records the policy chosen for a site or unit, replacing
// the earlier choice.
func (p *Store) PutAssignment(ctx context.Context, a store.Assignment) error {
	_, err := p.pool.Exec(ctx, `INSERT INTO assignments (scope, target, profile, version,
		document, assigned_by, assigned_at) VALUES ($1, $2, $3, $4, $5, $6, $7)
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
func (p *Store) Assignments(ctx context.Context) ([]store.Assignment, error) {
	rows, err := p.pool.Query(ctx, `SELECT scope, target, profile, version, document,
		assigned_by, assigned_at FROM assignments ORDER BY scope, target`)
	if err != nil {
		return nil, fmt.Errorf("store: query assignments: %w", err)
	}
	out := []store.Assignment{}
	var a store.Assignment
	var at int64
	_, err = pgx.ForEachRow(rows, []any{&a.Scope, &a.Target, &a.Profile, &a.Version, &a.Document, &a.AssignedBy, &at}, func() error {
		a.AssignedAt = time.Unix(0, at).UTC()
		out = append(out, a)
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("store: query assignments: %w", err)
	}
	return out, nil
}

// Trace lists who was inside a site during a window, each with the time
// they left when an exit with the same credential is known, as
// sqlite.Store.Trace does. OFFSET 0 keeps the inner query from being
// pulled up, which would run the exit's subquery once per use of left_ts.
func (p *Store) Trace(ctx context.Context, q store.TraceQuery) ([]store.Visit, error) {
	from, since, until, stayEnd, minStay := q.TraceBounds()
	rows, err := p.pool.Query(ctx, `SELECT id, site, unit, subject, kind, detail, ts, left_ts FROM (
		SELECT e.id, e.site, e.unit, e.credential_subject AS subject,
		e.credential_kind AS kind, e.detail, e.ts,
		(SELECT x.ts FROM entries x WHERE x.site = e.site AND x.lane = 'out'
			AND x.decision = 'allow' AND x.credential_subject = e.credential_subject
			AND x.credential_subject <> '' AND x.ts > e.ts ORDER BY x.ts LIMIT 1) AS left_ts
		FROM entries e WHERE e.site = $1 AND e.ts >= $2 AND e.ts < $3
		AND e.lane = 'in' AND e.decision = 'allow' ORDER BY e.ts OFFSET 0) v
		WHERE (left_ts IS NULL OR left_ts > $4) AND COALESCE(left_ts, $5) - ts >= $6
		ORDER BY ts LIMIT $7`,
		q.Site, from, until, since, stayEnd, minStay, q.RowLimit())
	if err != nil {
		return nil, fmt.Errorf("store: trace %s: %w", q.Site, err)
	}
	out := []store.Visit{}
	var v store.Visit
	var extra string
	var entered int64
	var left pgtype.Int8
	_, err = pgx.ForEachRow(rows, []any{&v.EntryID, &v.Site, &v.Unit, &v.Subject, &v.Kind, &extra, &entered, &left}, func() error {
		v.EnteredAt, v.LeftAt = time.Unix(0, entered).UTC(), pgTime(left)
		v.Name, v.Phone = "", ""
		var d store.Detail
		if json.Unmarshal([]byte(extra), &d) == nil && d.Visitor != nil {
			v.Name, v.Phone = d.Visitor.Name, d.Visitor.Phone
		}
		out = append(out, v)
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("store: trace %s: %w", q.Site, err)
	}
	return out, nil
}
