package postgres

import (
	"context"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/kakou/kakou/cloud/store"
	"github.com/kakou/kakou/firmware/wire"
)

const pgHolders = `SELECT ` + store.RecordColumns + ` FROM entries WHERE id = $1
	UNION ALL SELECT ` + store.RecordColumns + ` FROM entries WHERE site = $2 AND unit = $3 AND seq = $4`

// setAside keeps the batch's conflicts (store.SetAside). It runs after
// the batch has committed but before PutEntries returns, so before any
// ack: should the collector die in between, the broker delivers the entry
// again and it is found again.
func (p *Store) setAside(ctx context.Context, entries []wire.Entry, fresh map[store.RowKey]bool, receivedAt time.Time) ([]store.Conflict, error) {
	return store.SetAside(entries, fresh,
		func(e *wire.Entry) ([]wire.Entry, error) { return p.holdersOf(ctx, e) },
		func(c store.Conflict) error { return p.keepConflict(ctx, c, receivedAt) })
}

func (p *Store) holdersOf(ctx context.Context, e *wire.Entry) ([]wire.Entry, error) {
	rows, err := p.pool.Query(ctx, pgHolders, e.ID, e.Site, e.Unit, int64(e.Seq))
	if err != nil {
		return nil, err
	}
	var out []wire.Entry
	var rec pgRecord
	_, err = pgx.ForEachRow(rows, rec.dest(), func() error {
		r, err := rec.record()
		out = append(out, r.Entry)
		return err
	})
	return out, err
}

// keepConflict raises the alert and, the first time only, keeps the
// dead letter, in one transaction.
func (p *Store) keepConflict(ctx context.Context, c store.Conflict, receivedAt time.Time) error {
	a, d := c.Alert(receivedAt), c.DeadLetter(receivedAt).Clip()
	return pgx.BeginFunc(ctx, p.pool, func(tx pgx.Tx) error {
		tag, err := tx.Exec(ctx, `INSERT INTO alerts (id, site, unit, kind, raised_at, entry_id, detail, severity)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8) ON CONFLICT DO NOTHING`,
			a.ID, a.Site, a.Unit, a.Kind, a.RaisedAt.UnixNano(), a.EntryID, a.Detail, store.SeverityOf(a.Kind))
		if err != nil || tag.RowsAffected() == 0 {
			return err
		}
		_, err = tx.Exec(ctx, `INSERT INTO dead_letters (topic, payload, size, error, received_at)
			VALUES ($1, $2, $3, $4, $5)`, d.Topic, d.Payload, d.Size, d.Error, d.ReceivedAt.UnixNano())
		return err
	})
}
