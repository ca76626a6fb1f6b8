package store

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/kakou/kakou/firmware/wire"
)

// settingRecordSeq is the last seq the gateway gave one of its own
// records. It lives in settings, not in max(seq) of the entries, because
// retention may purge the gateway's acknowledged records and a seq used
// twice would be a conflict at the centre.
const settingRecordSeq = "record_seq"

// migrateCorrections gives a database from before managers signed in the
// columns for the manager's id and the record that carried the correction.
func migrateCorrections(ctx context.Context, db *sql.DB) error {
	for _, col := range []string{"by_id", "entry"} {
		var n int
		err := db.QueryRowContext(ctx, `SELECT count(*) FROM pragma_table_info('corrections') WHERE name = ?`, col).Scan(&n)
		if err != nil {
			return err
		}
		if n == 0 {
			if _, err := db.ExecContext(ctx, `ALTER TABLE corrections ADD COLUMN `+col+` TEXT NOT NULL DEFAULT ''`); err != nil {
				return err
			}
		}
	}
	return nil
}

// CorrectAndRecord appends a signed-in manager's correction and, in the
// same transaction, the record that carries it to the centre: an entry
// of the gateway's own id with the gateway's next seq, stored like a
// unit's entry, so the bridge delivers it exactly once however long the
// uplink is down (docs/architecture.md "The ledger is the truth"). c.ByID
// is the manager's id and c.By their name. The record is returned for the
// bridge's Offer.
func (s *Store) CorrectAndRecord(ctx context.Context, c Correction, site, gateway string) (Correction, Record, error) {
	if err := checkCorrection(c); err != nil {
		return Correction{}, Record{}, err
	}
	if wire.ValidateID(c.ByID) != nil {
		return Correction{}, Record{}, fmt.Errorf("store: correction: by_id %q is not a manager id", c.ByID)
	}
	var rec Record
	err := s.write(ctx, func(tx *sql.Tx) error {
		seq, err := nextRecordSeq(ctx, tx)
		if err != nil {
			return err
		}
		e := correctionEntry(c, site, gateway, seq)
		body, err := json.Marshal(e)
		if err == nil {
			err = e.Validate()
		}
		if err != nil {
			return err
		}
		c.Entry = e.ID
		res, err := tx.ExecContext(ctx, `INSERT INTO corrections (count, previous, reason, by, by_id, entry, at)
			VALUES (?, ?, ?, ?, ?, ?, ?)`, c.Count, c.Previous, c.Reason, c.By, c.ByID, c.Entry, c.At.UnixNano())
		if err != nil {
			return err
		}
		c.ID, _ = res.LastInsertId()
		res, err = tx.ExecContext(ctx, insertEntry, e.ID, site, gateway, int64(seq), string(e.Lane),
			"", c.At.UnixNano(), c.At.UnixNano(), "", body)
		if err != nil {
			return err
		}
		row, _ := res.LastInsertId()
		rec = Record{Row: row, Site: site, Unit: gateway, Seq: seq, Body: body}
		return nil
	})
	if err != nil {
		return Correction{}, Record{}, fmt.Errorf("store: correction: %w", err)
	}
	return c, rec, nil
}

func checkCorrection(c Correction) error {
	if strings.TrimSpace(c.Reason) == "" || strings.TrimSpace(c.By) == "" {
		return errors.New("store: correction: reason and by are both required")
	}
	if c.Count < 0 {
		return fmt.Errorf("store: correction: count %d is negative", c.Count)
	}
	return nil
}

func nextRecordSeq(ctx context.Context, tx *sql.Tx) (uint64, error) {
	var v string
	err := tx.QueryRowContext(ctx, `SELECT value FROM settings WHERE key = ?`, settingRecordSeq).Scan(&v)
	if err != nil && err != sql.ErrNoRows {
		return 0, err
	}
	last, _ := strconv.ParseUint(v, 10, 63) // unset: 0
	_, err = tx.ExecContext(ctx, `INSERT INTO settings (key, value) VALUES (?, ?)
		ON CONFLICT (key) DO UPDATE SET value = excluded.value`, settingRecordSeq, strconv.FormatUint(last+1, 10))
	return last + 1, err
}

// syncedSince: a gateway, like a unit, may run on a Pi without a
// real-time clock, which boots in 1970. A clock before this has not been
// set by NTP, and the centre then uses its own receive time
// (docs/architecture.md "A Pi has no real-time clock").
var syncedSince = time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)

// correctionEntry is the record that carries c. Its lane is "in" because
// the contract wants one; a record is never counted as a person.
func correctionEntry(c Correction, site, gateway string, seq uint64) wire.Entry {
	return wire.Entry{Schema: wire.SchemaVersion, ID: newID(), Site: site, Unit: gateway, Seq: seq,
		Lane: wire.LaneIn, Time: c.At, ClockSynced: !c.At.Before(syncedSince),
		Credential: wire.Credential{Kind: wire.CredentialNone}, Guard: c.ByID,
		Record: &wire.Record{Kind: wire.RecordOccupancy, GuardName: c.By,
			Occupancy: &wire.OccupancyCorrection{Count: c.Count, Previous: c.Previous, Reason: c.Reason, At: c.At}}}
}

// newID is a random UUID (version 4): the record's id must never repeat,
// even after the gateway's disk is replaced.
func newID() string {
	var b [16]byte
	_, _ = rand.Read(b[:]) // crypto/rand.Read never fails (Go 1.24)
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	return fmt.Sprintf("%x-%x-%x-%x-%x", b[0:4], b[4:6], b[6:8], b[8:10], b[10:])
}
