package postgres

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgtype"

	"github.com/kakou/kakou/cloud/store"
)

// Alerts lists alerts newest first, as sqlite.Store.Alerts does.
func (p *Store) Alerts(ctx context.Context, q store.AlertQuery) ([]store.Alert, error) {
	where, args := " WHERE true", []any{}
	if q.Open {
		where += " AND acked_at IS NULL"
	}
	if q.Site != "" {
		args = append(args, q.Site)
		where += " AND site = $1"
	}
	args = append(args, store.Query{Limit: q.Limit}.RowLimit())
	return p.alertList(ctx, where+` ORDER BY raised_at DESC, id LIMIT $`+strconv.Itoa(len(args)), args...)
}

// pgAlert holds one row of AlertColumns as pgx scans it.
type pgAlert struct {
	a               store.Alert
	raised          int64
	acked, resolved pgtype.Int8
}

func (s *pgAlert) dest() []any {
	a := &s.a
	return []any{&a.ID, &a.Site, &a.Unit, &a.Kind, &s.raised, &a.EntryID, &a.Detail,
		&a.Historical, &a.AckedBy, &a.Action, &s.acked, &s.resolved, &a.Severity, &a.Level}
}

func (s *pgAlert) alert() store.Alert {
	a := s.a
	a.RaisedAt, a.AckedAt, a.ResolvedAt = time.Unix(0, s.raised).UTC(), pgTime(s.acked), pgTime(s.resolved)
	if a.Severity == "" {
		a.Severity = store.SeverityOf(a.Kind)
	}
	return a
}

// AckAlert records who acknowledged an alert and what was done, once: a
// second operator gets ErrAlreadyAcked and the alert as the first one left
// it. The UPDATE's row lock decides between two operators acknowledging at
// once; the SELECT after it, a statement of its own under READ COMMITTED,
// then sees the winner's acknowledgement. Both go in one round trip.
func (p *Store) AckAlert(ctx context.Context, id, by, action string, at time.Time) (store.Alert, error) {
	b := &pgx.Batch{}
	b.Queue(`UPDATE alerts SET acked_by = $2, action = $3, acked_at = $4
		WHERE id = $1 AND acked_at IS NULL RETURNING `+store.AlertColumns, id, by, action, at.UnixNano())
	b.Queue(`SELECT `+store.AlertColumns+` FROM alerts WHERE id = $1`, id)
	br := p.pool.SendBatch(ctx, b)
	var won, found pgAlert
	errWon := br.QueryRow().Scan(won.dest()...)
	errFound := br.QueryRow().Scan(found.dest()...)
	err := br.Close()
	switch {
	case errWon == nil && err == nil:
		return won.alert(), nil
	case errors.Is(errWon, pgx.ErrNoRows) && errors.Is(errFound, pgx.ErrNoRows):
		err = store.ErrNotFound
	case errors.Is(errWon, pgx.ErrNoRows) && errFound == nil && err == nil:
		return found.alert(), store.ErrAlreadyAcked
	case err == nil && errors.Is(errWon, pgx.ErrNoRows):
		err = errFound
	case err == nil:
		err = errWon
	}
	return store.Alert{}, fmt.Errorf("store: acknowledge alert %s: %w", id, err)
}

// ReportAlerts is SQLite's: the alerts raised in [since, until) and those
// raised before until still unacknowledged, oldest first, not capped.
func (p *Store) ReportAlerts(ctx context.Context, since, until time.Time) ([]store.Alert, error) {
	return p.alertList(ctx, `WHERE `+store.ReportAlertsWhere("$1", "$2", "$2")+` ORDER BY raised_at, id`,
		since.UnixNano(), until.UnixNano())
}

// Alert is the alert with id, or store.ErrNotFound.
func (p *Store) Alert(ctx context.Context, id string) (store.Alert, error) {
	var a pgAlert
	err := p.pool.QueryRow(ctx, `SELECT `+store.AlertColumns+` FROM alerts WHERE id = $1`, id).Scan(a.dest()...)
	if errors.Is(err, pgx.ErrNoRows) {
		return store.Alert{}, store.ErrNotFound
	}
	if err != nil {
		return store.Alert{}, fmt.Errorf("store: alert %s: %w", id, err)
	}
	return a.alert(), nil
}
