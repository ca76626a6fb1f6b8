package sqlite

import (
	"context"
	"database/sql"
	"time"

	"github.com/kakou/kakou/cloud/store"
	"github.com/kakou/kakou/firmware/wire"
)

// holders reads the rows that hold an entry's id or its key; each half
// uses its own unique index.
const holders = `SELECT ` + store.RecordColumns + ` FROM entries WHERE id = ?1
	UNION ALL SELECT ` + store.RecordColumns + ` FROM entries WHERE site = ?2 AND unit = ?3 AND seq = ?4`

// setAside keeps the batch's conflicts (store.SetAside) in PutEntries's
// transaction, so they are durable before any ack.
func (s *Store) setAside(ctx context.Context, tx *sql.Tx, entries []wire.Entry, fresh map[store.RowKey]bool, receivedAt time.Time) ([]store.Conflict, error) {
	return store.SetAside(entries, fresh,
		func(e *wire.Entry) ([]wire.Entry, error) { return s.holdersOf(ctx, tx, e) },
		func(c store.Conflict) error { return s.keepConflict(ctx, tx, c, receivedAt) })
}

func (s *Store) holdersOf(ctx context.Context, tx *sql.Tx, e *wire.Entry) ([]wire.Entry, error) {
	rows, err := s.stmt(ctx, tx, holders).QueryContext(ctx, e.ID, e.Site, e.Unit, int64(e.Seq))
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []wire.Entry
	for rows.Next() {
		r, err := scanRecord(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, r.Entry)
	}
	return out, rows.Err()
}

// keepConflict raises the conflict's alert and, the first time only, keeps
// the entry as a dead letter: a unit that re-sends it adds nothing.
func (s *Store) keepConflict(ctx context.Context, tx *sql.Tx, c store.Conflict, receivedAt time.Time) error {
	a := c.Alert(receivedAt)
	res, err := s.stmt(ctx, tx, insertAlert).ExecContext(ctx, a.ID, a.Site, a.Unit, a.Kind,
		a.RaisedAt.UnixNano(), a.EntryID, a.Detail, false, store.SeverityOf(a.Kind))
	if err != nil {
		return err
	}
	if n, err := res.RowsAffected(); err != nil || n == 0 {
		return err
	}
	d := c.DeadLetter(receivedAt).Clip()
	_, err = tx.ExecContext(ctx, insertDeadLetter, d.Topic, d.Payload, d.Size, d.Error, d.ReceivedAt.UnixNano())
	return err
}
