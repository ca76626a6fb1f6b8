package ledger

import (
	"context"
	"database/sql"
	"fmt"
	"time"

	"github.com/kakou/kakou/firmware/wire"
)

// One pass per household (wire.HouseholdWindow): a lone unit counts a
// household's uses from its own ledger, so the count survives a reboot
// and a power cut with the entries themselves. A trigger copies every
// use (an entry whose household block is counted) and every reset or
// adjustment record into household_uses in the entry's own transaction,
// so the count can never disagree with the ledger; the gate asks for one
// household's rows by an index, however many entries a year brings.
//
// Times and the Pi's clock (docs/architecture.md "A Pi has no real-time
// clock"): a use made before NTP synced carries a 1970 time. It is not
// dropped as ancient (that would refund it) and not counted twice: it
// counts as made "now" for as long as the clock is unsynced, and the
// first count with a synced clock re-dates it, once, to that moment —
// never earlier than it really happened, so its period ends late rather
// than early. While the clock is unsynced the window ends at the latest
// time the ledger knows, so no use leaves it early either.
const migrateHouseholds = `CREATE TABLE household_uses (
		seq       INTEGER PRIMARY KEY,  -- the entry's seq
		household TEXT    NOT NULL,     -- wire.Household.ID / wire.HouseholdChange.Household
		at        INTEGER NOT NULL,     -- Unix microseconds; re-dated once when the clock syncs
		synced    INTEGER NOT NULL,     -- 1 when at came from a synced clock
		n         INTEGER NOT NULL,     -- 1 a use; -delta an adjustment; 0 a reset
		reset     INTEGER NOT NULL      -- 1: forget every earlier row of the household
	);
	CREATE INDEX household_uses_by_time ON household_uses(household, at);
	CREATE INDEX household_uses_resets ON household_uses(household, seq) WHERE reset = 1;
	CREATE INDEX household_uses_unsynced ON household_uses(household) WHERE synced = 0;
	CREATE TRIGGER entries_household AFTER INSERT ON entries
		WHEN instr(NEW.body, '"household"') > 0 AND (
			json_extract(NEW.body, '$.household.counted') = 1 OR
			json_extract(NEW.body, '$.record.kind') = 'household') BEGIN
		INSERT INTO household_uses (seq, household, at, synced, n, reset) VALUES (NEW.seq,
			COALESCE(json_extract(NEW.body, '$.household.id'), json_extract(NEW.body, '$.record.household.household')),
			NEW.time,
			COALESCE(json_extract(NEW.body, '$.clock_synced'), 0),
			CASE WHEN json_extract(NEW.body, '$.record.kind') IS NULL THEN 1
				ELSE -COALESCE(json_extract(NEW.body, '$.record.household.delta'), 0) END,
			COALESCE(json_extract(NEW.body, '$.record.household.action') = 'reset', 0));
	END;`

// HouseholdUses returns household's uses and adjustments after its last
// reset with a seq above afterSeq (0: all; behind a site gateway, the
// gateway's watermark for this lane), that fall within period before now,
// and the time the window ends, which is now unless the clock is
// unsynced (see above). With a synced clock it first re-dates the uses
// made before the clock synced.
func (l *Ledger) HouseholdUses(ctx context.Context, household string, afterSeq uint64, now time.Time, synced bool, period time.Duration) ([]wire.HouseholdUse, time.Time, error) {
	fail := func(err error) ([]wire.HouseholdUse, time.Time, error) {
		return nil, time.Time{}, fmt.Errorf("ledger: household %s uses: %w", household, err)
	}
	if synced {
		if err := l.redate(ctx, now); err != nil {
			return fail(err)
		}
	} else {
		var latest sql.NullInt64
		if err := l.db.QueryRowContext(ctx, `SELECT MAX(time) FROM entries`).Scan(&latest); err != nil {
			return fail(err)
		}
		if latest.Valid && latest.Int64 > now.UnixMicro() {
			now = time.UnixMicro(latest.Int64)
		}
	}
	// Rows after the last reset, in the window by the (household, at)
	// index, so the cost does not grow with the year's uses; unsynced ones
	// count as made now.
	var reset sql.NullInt64
	if err := l.db.QueryRowContext(ctx, `SELECT MAX(seq) FROM household_uses WHERE household = ? AND reset = 1`,
		household).Scan(&reset); err != nil {
		return fail(err)
	}
	rows, err := l.db.QueryContext(ctx, `SELECT seq, at, n FROM household_uses
			WHERE household = ?1 AND at > ?3 AND synced = 1 AND reset = 0 AND seq > ?2
		UNION ALL SELECT seq, ?4, n FROM household_uses
			WHERE household = ?1 AND synced = 0 AND reset = 0 AND seq > ?2
		ORDER BY 1`,
		household, int64(max(afterSeq, uint64(max(reset.Int64, 0)))), now.Add(-period).UnixMicro(), now.UnixMicro())
	if err != nil {
		return fail(err)
	}
	defer rows.Close()
	var out []wire.HouseholdUse
	for rows.Next() {
		var seq, at, n int64
		if err := rows.Scan(&seq, &at, &n); err != nil {
			return fail(err)
		}
		out = append(out, wire.HouseholdUse{At: time.UnixMicro(at).UTC(), N: int(n)})
	}
	if err := rows.Err(); err != nil {
		return fail(err)
	}
	return out, now, nil
}

// redate gives the uses made before the clock synced the time now; it
// reads first, so the gate's usual query takes no write lock.
func (l *Ledger) redate(ctx context.Context, now time.Time) error {
	var one int
	err := l.db.QueryRowContext(ctx, `SELECT 1 FROM household_uses WHERE synced = 0 LIMIT 1`).Scan(&one)
	if err == sql.ErrNoRows {
		return nil
	}
	if err == nil {
		_, err = l.db.ExecContext(ctx, `UPDATE household_uses SET at = ?, synced = 1 WHERE synced = 0`, now.UnixMicro())
	}
	return err
}

// PurgeHouseholdUses drops the rows older than before: no period is
// longer than a year (wire.MaxHouseholdPeriod), so rows past it count
// for nothing. Unsynced rows are kept until a synced clock dates them.
func (l *Ledger) PurgeHouseholdUses(ctx context.Context, before time.Time) (int, error) {
	res, err := l.db.ExecContext(ctx, `DELETE FROM household_uses WHERE synced = 1 AND at < ?`, before.UnixMicro())
	if err != nil {
		return 0, fmt.Errorf("ledger: purge household uses: %w", err)
	}
	n, _ := res.RowsAffected()
	return int(n), nil
}
