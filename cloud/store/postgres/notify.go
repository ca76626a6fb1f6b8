package postgres

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgtype"

	"github.com/kakou/kakou/cloud/store"
)

// pgMigrateNotify is SQLite's migrateNotify in PostgreSQL's words.
const pgMigrateNotify = `ALTER TABLE alerts ADD COLUMN severity TEXT NOT NULL DEFAULT '',
		ADD COLUMN level BIGINT NOT NULL DEFAULT 0,
		ADD COLUMN noticed_at BIGINT,
		ADD COLUMN escalate_at BIGINT;
	UPDATE alerts SET severity = ` + store.SeveritySQL + `, noticed_at = raised_at;
	CREATE INDEX alerts_unnoticed ON alerts (raised_at) WHERE noticed_at IS NULL;
	CREATE INDEX alerts_escalate ON alerts (escalate_at)
		WHERE escalate_at IS NOT NULL AND acked_at IS NULL AND resolved_at IS NULL;
	CREATE INDEX alerts_unresolved ON alerts (kind, site, unit) WHERE resolved_at IS NULL;
	CREATE TABLE notifications (
		alert_id      TEXT COLLATE "C" NOT NULL,
		channel       TEXT COLLATE "C" NOT NULL,
		level         BIGINT NOT NULL,
		message       TEXT NOT NULL,
		created_at    BIGINT NOT NULL,
		attempts      BIGINT NOT NULL DEFAULT 0,
		next_at       BIGINT,
		claimed_by    TEXT NOT NULL DEFAULT '',
		claimed_until BIGINT NOT NULL DEFAULT 0,
		delivered_at  BIGINT,
		gave_up_at    BIGINT,
		last_error    TEXT NOT NULL DEFAULT '',
		PRIMARY KEY (alert_id, channel, level)
	);
	CREATE INDEX notifications_due ON notifications (next_at) WHERE next_at IS NOT NULL;`

// UnnoticedAlerts lists alerts no planner has seen yet, oldest first.
func (p *Store) UnnoticedAlerts(ctx context.Context, limit int) ([]store.Alert, error) {
	return p.alertList(ctx, `WHERE noticed_at IS NULL ORDER BY raised_at, id LIMIT $1`, limit)
}

// DueEscalations lists open alerts whose next level is due at now.
func (p *Store) DueEscalations(ctx context.Context, now time.Time, limit int) ([]store.Alert, error) {
	return p.alertList(ctx, `WHERE escalate_at IS NOT NULL AND acked_at IS NULL AND resolved_at IS NULL
		AND escalate_at <= $1 ORDER BY escalate_at, id LIMIT $2`, now.UnixNano(), limit)
}

// UnresolvedAlerts lists the alerts of the given kinds not yet resolved.
func (p *Store) UnresolvedAlerts(ctx context.Context, kinds []string) ([]store.Alert, error) {
	return p.alertList(ctx, `WHERE kind = ANY($1) AND resolved_at IS NULL ORDER BY site, unit, kind LIMIT $2`,
		kinds, store.MaxLimit*100)
}

func (p *Store) alertList(ctx context.Context, where string, args ...any) ([]store.Alert, error) {
	rows, err := p.pool.Query(ctx, `SELECT `+store.AlertColumns+` FROM alerts `+where, args...)
	if err != nil {
		return nil, fmt.Errorf("store: query alerts: %w", err)
	}
	out := []store.Alert{}
	var a pgAlert
	_, err = pgx.ForEachRow(rows, a.dest(), func() error {
		out = append(out, a.alert())
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("store: query alerts: %w", err)
	}
	return out, nil
}

// ResolveAlerts marks the unit's unresolved alerts of kind resolved.
func (p *Store) ResolveAlerts(ctx context.Context, u store.UnitID, kind string, at time.Time) (int, error) {
	tag, err := p.pool.Exec(ctx, `UPDATE alerts SET resolved_at = $1
		WHERE kind = $2 AND site = $3 AND unit = $4 AND resolved_at IS NULL`, at.UnixNano(), kind, u.Site, u.Unit)
	if err != nil {
		return 0, fmt.Errorf("store: resolve %s alerts of %s: %w", kind, u, err)
	}
	return int(tag.RowsAffected()), nil
}

// PlanNotifications queues p's rows if the alert is still where the
// planner found it; see SQLite's. The UPDATE's row lock orders two
// collectors planning the same alert: the second finds it moved.
func (p *Store) PlanNotifications(ctx context.Context, plan store.NotifyPlan) (bool, error) {
	applied := false
	err := pgx.BeginFunc(ctx, p.pool, func(tx pgx.Tx) error {
		tag, err := tx.Exec(ctx, `UPDATE alerts SET noticed_at = coalesce(noticed_at, $1), level = $2,
			escalate_at = $3 WHERE id = $4 AND CASE WHEN $5 THEN noticed_at IS NULL
			ELSE noticed_at IS NOT NULL AND level = $2 - 1 END`,
			plan.At.UnixNano(), plan.To, pgNanos(plan.EscalateAt), plan.AlertID, plan.First)
		if err != nil || tag.RowsAffected() == 0 {
			return err
		}
		applied = true
		for _, n := range plan.Rows {
			if len(n.Message) > store.MaxMessage {
				return fmt.Errorf("message to %s is %d bytes, more than %d", n.Channel, len(n.Message), store.MaxMessage)
			}
			_, err := tx.Exec(ctx, `INSERT INTO notifications (alert_id, channel, level, message, created_at, next_at)
				VALUES ($1, $2, $3, $4, $5, $5) ON CONFLICT DO NOTHING`,
				plan.AlertID, n.Channel, plan.To, n.Message, plan.At.UnixNano())
			if err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return false, fmt.Errorf("store: plan notifications of alert %s: %w", plan.AlertID, err)
	}
	return applied, nil
}

// ClaimNotifications leases due notifications to owner; rows another
// collector is claiming at the same moment are skipped, not waited for.
func (p *Store) ClaimNotifications(ctx context.Context, owner string, now time.Time, lease time.Duration, limit int) ([]store.Notification, error) {
	rows, err := p.pool.Query(ctx, `UPDATE notifications n SET claimed_by = $1, claimed_until = $2,
		attempts = n.attempts + 1 FROM (SELECT alert_id, channel, level FROM notifications
			WHERE next_at IS NOT NULL AND next_at <= $3 AND claimed_until <= $3
			ORDER BY next_at LIMIT $4 FOR UPDATE SKIP LOCKED) d
		WHERE n.alert_id = d.alert_id AND n.channel = d.channel AND n.level = d.level
		RETURNING `+pgNotificationColumns, owner, now.Add(lease).UnixNano(), now.UnixNano(), limit)
	if err != nil {
		return nil, fmt.Errorf("store: claim notifications: %w", err)
	}
	return collectNotifications(rows)
}

// FinishNotification records how owner's attempt at n ended; see SQLite's.
func (p *Store) FinishNotification(ctx context.Context, owner string, n store.Notification) error {
	next := pgNanos(n.NextAt)
	if !n.DeliveredAt.IsZero() || !n.GaveUpAt.IsZero() {
		next = pgtype.Int8{}
	}
	tag, err := p.pool.Exec(ctx, `UPDATE notifications SET next_at = $1, delivered_at = $2, gave_up_at = $3,
		last_error = $4, claimed_until = 0 WHERE alert_id = $5 AND channel = $6 AND level = $7
		AND claimed_by = $8 AND delivered_at IS NULL`, next, pgNanos(n.DeliveredAt), pgNanos(n.GaveUpAt),
		store.ClipError(n.LastError), n.AlertID, n.Channel, n.Level, owner)
	if err != nil {
		return fmt.Errorf("store: finish notification %s/%s/%d: %w", n.AlertID, n.Channel, n.Level, err)
	}
	if tag.RowsAffected() == 0 {
		return fmt.Errorf("store: finish notification: %w", store.ErrNotFound)
	}
	return nil
}

// Notifications lists an alert's notifications, by level and channel.
func (p *Store) Notifications(ctx context.Context, alertID string) ([]store.Notification, error) {
	rows, err := p.pool.Query(ctx, `SELECT `+pgNotificationColumns+` FROM notifications n
		WHERE alert_id = $1 ORDER BY level, channel`, alertID)
	if err != nil {
		return nil, fmt.Errorf("store: notifications of %s: %w", alertID, err)
	}
	return collectNotifications(rows)
}

const pgNotificationColumns = `n.alert_id, n.channel, n.level, n.message, n.created_at, n.attempts,
	n.next_at, n.delivered_at, n.gave_up_at, n.last_error`

func collectNotifications(rows pgx.Rows) ([]store.Notification, error) {
	out := []store.Notification{}
	var n store.Notification
	var created int64
	var next, delivered, gaveUp pgtype.Int8
	_, err := pgx.ForEachRow(rows, []any{&n.AlertID, &n.Channel, &n.Level, &n.Message, &created,
		&n.Attempts, &next, &delivered, &gaveUp, &n.LastError}, func() error {
		n.CreatedAt, n.NextAt = time.Unix(0, created).UTC(), pgTime(next)
		n.DeliveredAt, n.GaveUpAt = pgTime(delivered), pgTime(gaveUp)
		out = append(out, n)
		return nil
	})
	if err != nil && !errors.Is(err, pgx.ErrNoRows) {
		return nil, fmt.Errorf("store: read notifications: %w", err)
	}
	return out, nil
}
