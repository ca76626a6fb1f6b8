package sqlite

import (
	"context"
	"database/sql"
	"fmt"
	"time"

	"github.com/kakou/kakou/cloud/store"
	"github.com/kakou/kakou/firmware/wire"
)

// holders reads the rows that hold an entry's id or its key; each half
// uses its own unique index.
const holders = `SELECT ` + store.RecordColumns + ` FROM entries WHERE id = ?1
	UNION ALL SELECT ` + store.RecordColumns + ` FROM entries WHERE site = ?2 AND unit = ?3 AND seq = ?4`

// setAside finds the conflicts among the entries the insert skipped and
// keeps each as a dead letter with an alert, in PutEntries's transaction,
// so it is durable before any ack (store.Conflict). A re-send costs one
// look-up by its two unique indexes.
func (s *Store) setAside(ctx context.Context, tx *sql.Tx, entries []wire.Entry, fresh map[store.RowKey]bool, receivedAt time.Time) ([]store.Conflict, error) {
	var out []store.Conflict
	for i := range entries {
		e := &entries[i]
		if fresh[store.KeyOf(e)] {
			continue
		}
		stored, err := s.holdersOf(ctx, tx, e)
		if err != nil {
			return nil, fmt.Errorf("entry %s: %w", e.ID, err)
		}
		c, ok := store.ConflictOf(e, stored)
		if !ok {
			continue
		}
		if err := s.keepConflict(ctx, tx, c, receivedAt); err != nil {
			return nil, fmt.Errorf("entry %s: set aside: %w", e.ID, err)
		}
		out = append(out, c)
	}
	return out, nil
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
		a.RaisedAt.UnixNano(), a.EntryID, a.Detail, false)
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
