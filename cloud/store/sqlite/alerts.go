package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/kakou/kakou/cloud/store"
	"github.com/kakou/kakou/firmware/wire"
)

// deviceAlerts raises an alert when a unit's live status first reports a
// device at fault, and resolves it when the device reports healthy again.
// Only a live status counts: a replayed retained copy or a last will says
// nothing new about the devices.
func deviceAlerts(ctx context.Context, tx *sql.Tx, st wire.Status, receivedAt time.Time) error {
	if st.State != wire.Online || receivedAt.IsZero() {
		return nil
	}
	for _, d := range st.Devices {
		var err error
		if d.OK {
			_, err = tx.ExecContext(ctx, `UPDATE alerts SET resolved_at = ?
				WHERE site = ? AND unit = ? AND kind = 'device' AND entry_id = '' AND resolved_at IS NULL
				AND detail LIKE ? ESCAPE '\'`, receivedAt.UnixNano(), st.Site, st.Unit, store.LikePrefix(d.Name+":"))
		} else {
			_, err = tx.ExecContext(ctx, `INSERT INTO alerts (id, site, unit, kind, raised_at, detail, severity)
				SELECT ?, ?, ?, 'device', ?, ?, '`+store.SeverityOf("device")+`' WHERE NOT EXISTS (SELECT 1 FROM alerts
				WHERE site = ? AND unit = ? AND kind = 'device' AND resolved_at IS NULL AND detail LIKE ? ESCAPE '\')`,
				store.DeviceAlertID(st.Site, st.Unit, d.Name, receivedAt), st.Site, st.Unit, receivedAt.UnixNano(),
				d.Name+": "+d.Detail, st.Site, st.Unit, store.LikePrefix(d.Name+":"))
		}
		if err != nil {
			return fmt.Errorf("device alert %s: %w", d.Name, err)
		}
	}
	return nil
}

// Alerts lists alerts newest first.
func (s *Store) Alerts(ctx context.Context, q store.AlertQuery) ([]store.Alert, error) {
	where, args := " WHERE 1 = 1", []any{}
	if q.Open {
		where += " AND acked_at IS NULL"
	}
	if q.Site != "" {
		where, args = where+" AND site = ?", append(args, q.Site)
	}
	args = append(args, store.Query{Limit: q.Limit}.RowLimit())
	return s.alertList(ctx, where+` ORDER BY raised_at DESC, id LIMIT ?`, args...)
}

type scanner interface{ Scan(dest ...any) error }

func scanAlert(row scanner) (store.Alert, error) {
	var a store.Alert
	var raised int64
	var acked, resolved sql.NullInt64
	err := row.Scan(&a.ID, &a.Site, &a.Unit, &a.Kind, &raised, &a.EntryID, &a.Detail,
		&a.Historical, &a.AckedBy, &a.Action, &acked, &resolved, &a.Severity, &a.Level)
	a.RaisedAt, a.AckedAt, a.ResolvedAt = time.Unix(0, raised).UTC(), fromNanos(acked), fromNanos(resolved)
	if a.Severity == "" {
		a.Severity = store.SeverityOf(a.Kind)
	}
	return a, err
}

// AckAlert records who acknowledged an alert and what was done. An alert
// is acknowledged once: a second operator gets ErrAlreadyAcked and the
// alert as the first one left it.
func (s *Store) AckAlert(ctx context.Context, id, by, action string, at time.Time) (store.Alert, error) {
	var a store.Alert
	err := s.inTx(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, `UPDATE alerts SET acked_by = ?, action = ?, acked_at = ?
			WHERE id = ? AND acked_at IS NULL`, by, action, at.UnixNano(), id)
		if err != nil {
			return err
		}
		n, err := res.RowsAffected()
		if err != nil {
			return err
		}
		a, err = scanAlert(tx.QueryRowContext(ctx, `SELECT `+store.AlertColumns+` FROM alerts WHERE id = ?`, id))
		switch {
		case errors.Is(err, sql.ErrNoRows):
			return store.ErrNotFound
		case err == nil && n == 0:
			return store.ErrAlreadyAcked
		}
		return err
	})
	if errors.Is(err, store.ErrAlreadyAcked) {
		return a, err
	}
	if err != nil {
		return store.Alert{}, fmt.Errorf("store: acknowledge alert %s: %w", id, err)
	}
	return a, nil
}

// ReportAlerts are the alerts a report over [since, until) counts: every
// one raised in it, and every one raised before its end and still
// unacknowledged, oldest first (store.ReportAlertsWhere). Not capped: a
// city's day of alerts is more than a listing's page, and a report that
// stopped at a page would count too few fevers without saying so.
func (s *Store) ReportAlerts(ctx context.Context, since, until time.Time) ([]store.Alert, error) {
	return s.alertList(ctx, `WHERE `+store.ReportAlertsWhere("?", "?", "?")+` ORDER BY raised_at, id`,
		since.UnixNano(), until.UnixNano(), until.UnixNano())
}

// Alert is the alert with id, or store.ErrNotFound.
func (s *Store) Alert(ctx context.Context, id string) (store.Alert, error) {
	a, err := scanAlert(s.db.QueryRowContext(ctx, `SELECT `+store.AlertColumns+` FROM alerts WHERE id = ?`, id))
	if errors.Is(err, sql.ErrNoRows) {
		return store.Alert{}, store.ErrNotFound
	}
	if err != nil {
		return store.Alert{}, fmt.Errorf("store: alert %s: %w", id, err)
	}
	return a, nil
}
