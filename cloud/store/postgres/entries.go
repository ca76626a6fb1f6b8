package postgres

import (
	"context"
	"encoding/json"
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgtype"

	"github.com/kakou/kakou/cloud/store"
	"github.com/kakou/kakou/firmware/wire"
)

// Entries returns the entries q selects, newest first by ts, then by seq.
func (p *Store) Entries(ctx context.Context, q store.Query) ([]store.Record, error) {
	where, args := pgWhere(q)
	args = append(args, q.RowLimit())
	rows, err := p.pool.Query(ctx, `SELECT `+store.RecordColumns+` FROM entries`+where+
		` ORDER BY ts DESC, seq DESC LIMIT $`+strconv.Itoa(len(args)), args...)
	return collectRecords(rows, err, "query entries")
}

// pgWhere is Query.where with PostgreSQL's numbered parameters: only the
// conditions in use, so the planner can pick the (site, ts) or (unit, ts)
// index.
func pgWhere(q store.Query) (string, []any) {
	conds := []string{q.DecisionFilter()}
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
	return " WHERE " + strings.Join(conds, " AND "), args
}

// pgRecord holds one row of RecordColumns as pgx scans it.
type pgRecord struct {
	r                             store.Record
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
func (s *pgRecord) record() (store.Record, error) {
	r := s.r
	e := &r.Entry
	e.Lane, e.Decision = wire.Lane(s.lane), wire.Decision(s.decision)
	e.Credential.Kind, e.Credential.Subject = wire.CredentialKind(s.kind), s.subject
	var d store.Detail
	if err := json.Unmarshal([]byte(s.extra), &d); err != nil {
		return store.Record{}, fmt.Errorf("entry %s detail: %w", e.ID, err)
	}
	d.Apply(e)
	e.Schema, e.Seq, r.ReceivedAt = wire.SchemaVersion, uint64(s.seq), time.Unix(0, s.received).UTC()
	var err error
	if e.Time, err = time.Parse(time.RFC3339Nano, s.unitTime); err != nil {
		return store.Record{}, fmt.Errorf("entry %s time: %w", e.ID, err)
	}
	if e.Temperature = d.Temperature; e.Temperature == nil && s.raw.Valid {
		e.Temperature = &wire.Temperature{RawC: s.raw.Float64, CorrectedC: s.corrected.Float64}
	}
	e.Reasons = nil
	if err := json.Unmarshal([]byte(s.reasons), &e.Reasons); err != nil {
		return store.Record{}, fmt.Errorf("entry %s reasons: %w", e.ID, err)
	}
	return r, nil
}

// AckedSeq is the unit's watermark as stored: 0 for a unit not heard of
// or not started.
func (p *Store) AckedSeq(ctx context.Context, unit store.UnitID) (uint64, error) {
	var seq int64
	err := p.pool.QueryRow(ctx, `SELECT coalesce((SELECT acked_seq FROM units WHERE site = $1 AND unit = $2), 0)`,
		unit.Site, unit.Unit).Scan(&seq)
	if err != nil {
		return 0, fmt.Errorf("store: watermark of %s: %w", unit, err)
	}
	return uint64(seq), nil
}

// SetWatermark sets a unit's watermark as an operator says, as
// sqlite.Store.SetWatermark does; the unit's row lock orders it with ingest.
func (p *Store) SetWatermark(ctx context.Context, id store.UnitID, seq uint64) (store.Watermark, error) {
	if seq > math.MaxInt64 {
		return store.Watermark{}, fmt.Errorf("store: watermark %d is beyond %d", seq, int64(math.MaxInt64))
	}
	var w int64
	err := pgx.BeginFunc(ctx, p.pool, func(tx pgx.Tx) error {
		_, err := tx.Exec(ctx, `INSERT INTO units (site, unit, acked_seq) VALUES ($1, $2, $3)
			ON CONFLICT (site, unit) DO UPDATE SET acked_seq = excluded.acked_seq`, id.Site, id.Unit, int64(seq))
		if err != nil {
			return err
		}
		var site, unit string
		var acked int64
		return tx.QueryRow(ctx, pgAdvance, []string{id.Site}, []string{id.Unit}).Scan(&site, &unit, &acked, &w)
	})
	if err != nil {
		return store.Watermark{}, fmt.Errorf("store: set watermark of %s: %w", id, err)
	}
	return store.Watermark{Site: id.Site, Unit: id.Unit, Seq: uint64(w), Moved: true}, nil
}

// collectRecords reads the entries a query of RecordColumns returns; err
// is the query's own, so a caller hands both over as Query gave them.
func collectRecords(rows pgx.Rows, err error, what string) ([]store.Record, error) {
	if err != nil {
		return nil, fmt.Errorf("store: %s: %w", what, err)
	}
	out := []store.Record{}
	var r pgRecord
	_, err = pgx.ForEachRow(rows, r.dest(), func() error {
		rec, err := r.record()
		out = append(out, rec)
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("store: %s: %w", what, err)
	}
	return out, nil
}
