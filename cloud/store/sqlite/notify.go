package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/kakou/kakou/cloud/store"
)

// migrateNotify gives alerts their severity and escalation state and adds
// the notification outbox (store/notify.go). Alerts stored before it count
// as noticed: an upgrade must not page anyone for last month's fevers.
const migrateNotify = `ALTER TABLE alerts ADD COLUMN severity TEXT NOT NULL DEFAULT '';
	ALTER TABLE alerts ADD COLUMN level INTEGER NOT NULL DEFAULT 0;
	ALTER TABLE alerts ADD COLUMN noticed_at INTEGER;  -- NULL until cloud/notify planned it
	ALTER TABLE alerts ADD COLUMN escalate_at INTEGER; -- the next level is due; NULL: none
	UPDATE alerts SET severity = ` + store.SeveritySQL + `, noticed_at = raised_at;
	CREATE INDEX alerts_unnoticed ON alerts (raised_at) WHERE noticed_at IS NULL;
	CREATE INDEX alerts_escalate ON alerts (escalate_at)
		WHERE escalate_at IS NOT NULL AND acked_at IS NULL AND resolved_at IS NULL;
	CREATE INDEX alerts_unresolved ON alerts (kind, site, unit) WHERE resolved_at IS NULL;
	CREATE TABLE notifications (
		alert_id      TEXT NOT NULL,
		channel       TEXT NOT NULL,
		level         INTEGER NOT NULL,
		message       TEXT NOT NULL,
		created_at    INTEGER NOT NULL,
		attempts      INTEGER NOT NULL DEFAULT 0,
		next_at       INTEGER,                    -- NULL once delivered or given up
		claimed_by    TEXT NOT NULL DEFAULT '',
		claimed_until INTEGER NOT NULL DEFAULT 0,
		delivered_at  INTEGER,
		gave_up_at    INTEGER,
		last_error    TEXT NOT NULL DEFAULT '',
		PRIMARY KEY (alert_id, channel, level)
	);
	CREATE INDEX notifications_due ON notifications (next_at) WHERE next_at IS NOT NULL;`

// UnnoticedAlerts lists up to limit alerts no planner has seen yet, oldest
// first. It reads, so the planner's idle polls never take the write lock.
func (s *Store) UnnoticedAlerts(ctx context.Context, limit int) ([]store.Alert, error) {
	return s.alertList(ctx, `WHERE noticed_at IS NULL ORDER BY raised_at, id LIMIT ?`, limit)
}

// DueEscalations lists up to limit alerts nobody acknowledged or resolved
// whose next escalation level is due at now.
func (s *Store) DueEscalations(ctx context.Context, now time.Time, limit int) ([]store.Alert, error) {
	return s.alertList(ctx, `WHERE escalate_at IS NOT NULL AND acked_at IS NULL AND resolved_at IS NULL
		AND escalate_at <= ? ORDER BY escalate_at, id LIMIT ?`, now.UnixNano(), limit)
}

// UnresolvedAlerts lists the alerts of the given kinds not yet resolved.
func (s *Store) UnresolvedAlerts(ctx context.Context, kinds []string) ([]store.Alert, error) {
	if len(kinds) == 0 {
		return []store.Alert{}, nil
	}
	args := make([]any, len(kinds)+1)
	for i, k := range kinds {
		args[i] = k
	}
	args[len(kinds)] = store.MaxLimit * 100 // one per unit and kind at most
	return s.alertList(ctx, `WHERE kind IN (?`+strings.Repeat(", ?", len(kinds)-1)+`)
		AND resolved_at IS NULL ORDER BY site, unit, kind LIMIT ?`, args...)
}

func (s *Store) alertList(ctx context.Context, where string, args ...any) ([]store.Alert, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT `+store.AlertColumns+` FROM alerts `+where, args...)
	if err != nil {
		return nil, fmt.Errorf("store: query alerts: %w", err)
	}
	defer rows.Close()
	out := []store.Alert{}
	for rows.Next() {
		a, err := scanAlert(rows)
		if err != nil {
			return nil, fmt.Errorf("store: read alert: %w", err)
		}
		out = append(out, a)
	}
	return out, rows.Err()
}

// ResolveAlerts marks the unit's unresolved alerts of kind resolved at at,
// and says how many there were.
func (s *Store) ResolveAlerts(ctx context.Context, u store.UnitID, kind string, at time.Time) (int, error) {
	res, err := s.w.ExecContext(ctx, `UPDATE alerts SET resolved_at = ?
		WHERE kind = ? AND site = ? AND unit = ? AND resolved_at IS NULL`, at.UnixNano(), kind, u.Site, u.Unit)
	if err != nil {
		return 0, fmt.Errorf("store: resolve %s alerts of %s: %w", kind, u, err)
	}
	n, err := res.RowsAffected()
	return int(n), err
}

// PlanNotifications queues p's rows and moves the alert's escalation, in
// one transaction, if the alert is still where the planner found it; it
// reports whether it was. A row already queued stays as it is.
func (s *Store) PlanNotifications(ctx context.Context, p store.NotifyPlan) (bool, error) {
	applied := false
	err := s.inTx(ctx, func(tx *sql.Tx) error {
		where := `noticed_at IS NULL`
		if !p.First {
			where = `noticed_at IS NOT NULL AND level = ` + fmt.Sprint(p.To-1)
		}
		res, err := tx.ExecContext(ctx, `UPDATE alerts SET noticed_at = coalesce(noticed_at, ?), level = ?,
			escalate_at = ? WHERE id = ? AND `+where, p.At.UnixNano(), p.To, nanos(p.EscalateAt), p.AlertID)
		if err != nil {
			return err
		}
		if n, err := res.RowsAffected(); err != nil || n == 0 {
			return err
		}
		applied = true
		for _, n := range p.Rows {
			if len(n.Message) > store.MaxMessage {
				return fmt.Errorf("message to %s is %d bytes, more than %d", n.Channel, len(n.Message), store.MaxMessage)
			}
			_, err := tx.ExecContext(ctx, `INSERT INTO notifications (alert_id, channel, level, message, created_at, next_at)
				VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING`,
				p.AlertID, n.Channel, p.To, n.Message, p.At.UnixNano(), p.At.UnixNano())
			if err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return false, fmt.Errorf("store: plan notifications of alert %s: %w", p.AlertID, err)
	}
	return applied, nil
}

// ClaimNotifications leases up to limit notifications due at now to owner
// until now+lease, counting an attempt on each. A lease still running
// elsewhere is skipped; SQLite's one writer makes the claim atomic.
func (s *Store) ClaimNotifications(ctx context.Context, owner string, now time.Time, lease time.Duration, limit int) ([]store.Notification, error) {
	var due int
	err := s.db.QueryRowContext(ctx, `SELECT count(*) FROM (SELECT 1 FROM notifications
		WHERE next_at IS NOT NULL AND next_at <= ? AND claimed_until <= ? LIMIT 1)`,
		now.UnixNano(), now.UnixNano()).Scan(&due)
	if err != nil || due == 0 { // the idle poll reads and never takes the write lock
		return nil, wrapErr("store: look for due notifications", err)
	}
	rows, err := s.w.QueryContext(ctx, `UPDATE notifications SET claimed_by = ?, claimed_until = ?,
		attempts = attempts + 1 WHERE rowid IN (SELECT rowid FROM notifications
		WHERE next_at IS NOT NULL AND next_at <= ? AND claimed_until <= ? ORDER BY next_at LIMIT ?)
		RETURNING `+notificationColumns,
		owner, now.Add(lease).UnixNano(), now.UnixNano(), now.UnixNano(), limit)
	if err != nil {
		return nil, fmt.Errorf("store: claim notifications: %w", err)
	}
	return scanNotifications(rows)
}

// FinishNotification records how owner's attempt at n ended: delivered
// (n.DeliveredAt), given up (n.GaveUpAt), or to try again at n.NextAt.
// An attempt whose lease another collector has since taken records
// nothing: ErrNotFound.
func (s *Store) FinishNotification(ctx context.Context, owner string, n store.Notification) error {
	res, err := s.w.ExecContext(ctx, `UPDATE notifications SET next_at = ?, delivered_at = ?, gave_up_at = ?,
		last_error = ?, claimed_until = 0 WHERE alert_id = ? AND channel = ? AND level = ? AND claimed_by = ?
		AND delivered_at IS NULL`, finishNext(n), nanos(n.DeliveredAt), nanos(n.GaveUpAt),
		store.ClipError(n.LastError), n.AlertID, n.Channel, n.Level, owner)
	if err != nil {
		return fmt.Errorf("store: finish notification %s/%s/%d: %w", n.AlertID, n.Channel, n.Level, err)
	}
	if k, err := res.RowsAffected(); err != nil || k == 0 {
		return wrapErr("store: finish notification", errors.Join(err, store.ErrNotFound))
	}
	return nil
}

// finishNext is the next_at an attempt leaves: NULL once settled.
func finishNext(n store.Notification) sql.NullInt64 {
	if !n.DeliveredAt.IsZero() || !n.GaveUpAt.IsZero() {
		return sql.NullInt64{}
	}
	return nanos(n.NextAt)
}

// Notifications lists the notifications of an alert, by level and channel.
func (s *Store) Notifications(ctx context.Context, alertID string) ([]store.Notification, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT `+notificationColumns+` FROM notifications
		WHERE alert_id = ? ORDER BY level, channel`, alertID)
	if err != nil {
		return nil, fmt.Errorf("store: notifications of %s: %w", alertID, err)
	}
	return scanNotifications(rows)
}

const notificationColumns = `alert_id, channel, level, message, created_at, attempts, next_at,
	delivered_at, gave_up_at, last_error`

func scanNotifications(rows *sql.Rows) ([]store.Notification, error) {
	defer rows.Close()
	out := []store.Notification{}
	for rows.Next() {
		var n store.Notification
		var created int64
		var next, delivered, gaveUp sql.NullInt64
		if err := rows.Scan(&n.AlertID, &n.Channel, &n.Level, &n.Message, &created, &n.Attempts,
			&next, &delivered, &gaveUp, &n.LastError); err != nil {
			return nil, fmt.Errorf("store: read notification: %w", err)
		}
		n.CreatedAt, n.NextAt = time.Unix(0, created).UTC(), fromNanos(next)
		n.DeliveredAt, n.GaveUpAt = fromNanos(delivered), fromNanos(gaveUp)
		out = append(out, n)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("store: read notifications: %w", err)
	}
	return out, nil
}

// wrapErr is err with what was being done, or nil.
func wrapErr(what string, err error) error {
	if err == nil {
		return nil
	}
	return fmt.Errorf("%s: %w", what, err)
}
