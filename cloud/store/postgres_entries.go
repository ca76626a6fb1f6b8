package store

import (
	"context"
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgtype"

	"github.com/kakou/kakou/firmware/wire"
)

// Entries returns the entries q selects, newest first by ts, then by seq.
func (p *Postgres) Entries(ctx context.Context, q Query) ([]Record, error) {
	where, args := pgWhere(q)
	args = append(args, q.limit())
	rows, err := p.pool.Query(ctx, `SELECT `+recordColumns+` FROM entries`+where+
		` ORDER BY ts DESC, seq DESC LIMIT $`+strconv.Itoa(len(args)), args...)
	if err != nil {
		return nil, fmt.Errorf("store: query entries: %w", err)
	}
	out := []Record{}
	var r pgRecord
	_, err = pgx.ForEachRow(rows, r.dest(), func() error {
		rec, err := r.record()
		out = append(out, rec)
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("store: query entries: %w", err)
	}
	return out, nil
}

// pgWhere is Query.where with PostgreSQL's numbered parameters: only the
// conditions in use, so the planner can pick the (site, ts) or (unit, ts)
// index.
func pgWhere(q Query) (string, []any) {
	var conds []string
	var args []any
	add := func(cond string, arg any) {
		args = append(args, arg)
		conds = append(conds, cond+" $"+strconv.Itoa(len(args)))
	}
	if q.Site != "" {
		add("site =", q.Site)
	}
	if q.Unit != "" {
		add("unit =", q.Unit)
	}
	if !q.Since.IsZero() {
		add("ts >=", q.Since.UnixNano())
	}
	if !q.Until.IsZero() {
		add("ts <", q.Until.UnixNano())
	}
	if len(conds) == 0 {
		return "", nil
	}
	return " WHERE " + strings.Join(conds, " AND "), args
}

// pgRecord holds one row of recordColumns as pgx scans it.
type pgRecord struct {
	r                             Record
	seq, received                 int64
	unitTime, reasons, extra      string
	raw, corrected                pgtype.Float8
	kind, lane, decision, subject string
}

func (s *pgRecord) dest() []any {
	e := &s.r.Entry
	return []any{&e.ID, &e.Site, &e.Unit, &s.seq, &e.BootID, &s.lane, &s.unitTime,
		&e.ClockSynced, &s.received, &s.raw, &s.corrected, &s.kind,
		&e.Credential.Result, &s.subject, &s.decision, &s.reasons, &e.PolicyVersion,
		&e.Historical, &s.extra}
}

// record decodes the row as scanRecord does for SQLite. It returns a
// fresh Record: the next row is scanned into the same holder.
func (s *pgRecord) record() (Record, error) {
	r := s.r
	e := &r.Entry
	e.Lane, e.Decision = wire.Lane(s.lane), wire.Decision(s.decision)
	e.Credential.Kind, e.Credential.Subject = wire.CredentialKind(s.kind), s.subject
	var d detail
	if err := json.Unmarshal([]byte(s.extra), &d); err != nil {
		return Record{}, fmt.Errorf("entry %s detail: %w", e.ID, err)
	}
	e.Alert, e.Visitor, e.Override = d.Alert, d.Visitor, d.Override
	e.Schema, e.Seq, r.ReceivedAt = wire.SchemaVersion, uint64(s.seq), time.Unix(0, s.received).UTC()
	var err error
	if e.Time, err = time.Parse(time.RFC3339Nano, s.unitTime); err != nil {
		return Record{}, fmt.Errorf("entry %s time: %w", e.ID, err)
	}
	if e.Temperature = d.Temperature; e.Temperature == nil && s.raw.Valid {
		e.Temperature = &wire.Temperature{RawC: s.raw.Float64, CorrectedC: s.corrected.Float64}
	}
	e.Reasons = nil
	if err := json.Unmarshal([]byte(s.reasons), &e.Reasons); err != nil {
		return Record{}, fmt.Errorf("entry %s reasons: %w", e.ID, err)
	}
	return r, nil
}

// AckedSeq is unit's watermark as stored: 0 for a unit not heard of or
// not started.
func (p *Postgres) AckedSeq(ctx context.Context, unit string) (uint64, error) {
	var seq int64
	err := p.pool.QueryRow(ctx, `SELECT coalesce((SELECT acked_seq FROM units WHERE unit = $1), 0)`, unit).Scan(&seq)
	if err != nil {
		return 0, fmt.Errorf("store: watermark of %s: %w", unit, err)
	}
	return uint64(seq), nil
}
