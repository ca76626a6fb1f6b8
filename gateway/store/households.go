package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"time"

	"github.com/kakou/kakou/firmware/wire"
	"github.com/kakou/kakou/gateway/household"
)

// HouseholdRows reads back the household uses and records stored with a
// time after since, oldest first, so a restarted gateway counts every
// household as before (gateway/household). What retention purged is gone:
// a period longer than [retention] days counts only what the store keeps.
func (s *Store) HouseholdRows(ctx context.Context, since time.Time) ([]household.Row, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT unit, seq, ts, body FROM entries
		WHERE ts > ? AND instr(body, '"household"') > 0 ORDER BY ts, row`, since.UnixNano())
	if err != nil {
		return nil, fmt.Errorf("store: household rows: %w", err)
	}
	defer rows.Close()
	var out []household.Row
	for rows.Next() {
		var unit string
		var seq, ts int64
		var body []byte
		if err := rows.Scan(&unit, &seq, &ts, &body); err != nil {
			return nil, fmt.Errorf("store: household rows: %w", err)
		}
		var e wire.Entry
		if json.Unmarshal(body, &e) != nil {
			continue // stored, so it decoded once; nothing to count if not now
		}
		if r, ok := HouseholdRow(e, time.Unix(0, ts)); ok {
			out = append(out, r)
		}
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("store: household rows: %w", err)
	}
	return out, nil
}

// HouseholdRow is what e counts for its household at the gateway's time
// at, and whether it counts at all: a use, a reset or an adjustment.
func HouseholdRow(e wire.Entry, at time.Time) (household.Row, bool) {
	r := household.Row{Unit: e.Unit, Seq: e.Seq, At: at.UTC()}
	switch {
	case e.Household != nil && e.Household.Counted && e.Decision == wire.Allow:
		h := e.Household
		r.Household, r.N, r.Allowance, r.Period = h.ID, 1, h.Allowance, time.Duration(h.PeriodSeconds)*time.Second
	case e.Record != nil && e.Record.Household != nil:
		c := e.Record.Household
		r.Household, r.N, r.Reset = c.Household, -c.Delta, c.Action == wire.HouseholdReset
	default:
		return household.Row{}, false
	}
	return r, true
}

// HouseholdChange stores a signed-in manager's reset or adjustment of a
// household's count as a record of the gateway's own, with its next seq,
// delivered to the centre exactly once like a correction
// (CorrectAndRecord). byID and byName are the manager's.
func (s *Store) HouseholdChange(ctx context.Context, c wire.HouseholdChange, byID, byName, site, gateway string, at time.Time) (wire.Entry, Record, error) {
	var rec Record
	var e wire.Entry
	err := s.write(ctx, func(tx *sql.Tx) error {
		seq, err := nextRecordSeq(ctx, tx)
		if err != nil {
			return err
		}
		e = wire.Entry{Schema: wire.SchemaVersion, ID: newID(), Site: site, Unit: gateway, Seq: seq,
			Lane: wire.LaneIn, Time: at, ClockSynced: !at.Before(syncedSince),
			Credential: wire.Credential{Kind: wire.CredentialNone}, Guard: byID,
			Record: &wire.Record{Kind: wire.RecordHousehold, GuardName: byName, Household: &c}}
		if err := e.Validate(); err != nil {
			return err
		}
		body, err := json.Marshal(e)
		if err != nil {
			return err
		}
		res, err := tx.ExecContext(ctx, insertEntry, e.ID, site, gateway, int64(seq), string(e.Lane),
			"", at.UnixNano(), at.UnixNano(), "", body)
		if err != nil {
			return err
		}
		row, _ := res.LastInsertId()
		rec = Record{Row: row, Site: site, Unit: gateway, Seq: seq, Body: body}
		return nil
	})
	if err != nil {
		return wire.Entry{}, Record{}, fmt.Errorf("store: household %s: %w", c.Household, err)
	}
	return e, rec, nil
}
