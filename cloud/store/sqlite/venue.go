package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/kakou/kakou/cloud/store"
	"github.com/kakou/kakou/firmware/wire"
)

// migrateVenue keeps the registrations made on the venue code's page: no
// field the visitor typed, only what hands out slots fairly (store/venue.go).
// A registration without a slot has slot_start 0. The partial index on
// entries finds a registration's arrivals among millions of entries.
const migrateVenue = `CREATE TABLE venue_bookings (
		site       TEXT NOT NULL,
		id         TEXT NOT NULL,
		number     TEXT NOT NULL,
		day        TEXT NOT NULL,
		slot_start INTEGER NOT NULL,
		slot_end   INTEGER NOT NULL,
		party      INTEGER NOT NULL,
		booked_by  TEXT NOT NULL,
		phone_hash TEXT NOT NULL,
		network    TEXT NOT NULL,
		created    INTEGER NOT NULL,
		PRIMARY KEY (site, id),
		UNIQUE (site, day, number)
	);
	CREATE INDEX venue_bookings_slot ON venue_bookings (site, slot_start);
	CREATE INDEX venue_bookings_created ON venue_bookings (site, created);
	CREATE INDEX venue_bookings_phone ON venue_bookings (site, phone_hash, created) WHERE phone_hash != '';
	CREATE INDEX entries_venue ON entries (site, credential_subject)
		WHERE credential_kind = '` + string(wire.CredentialVenue) + `' AND decision = 'allow';`

// Book stores b in one write transaction: the writer's one connection
// serialises them, so two bookings cannot both take a slot's last place.
func (s *Store) Book(ctx context.Context, b store.Booking, capacity, maxPerNetwork int) error {
	if err := store.CheckBooking(b); err != nil {
		return err
	}
	return s.inTx(ctx, func(tx *sql.Tx) error {
		if b.Booked() {
			if err := venueRoom(ctx, tx, b, capacity, maxPerNetwork); err != nil {
				return err
			}
		}
		var taken int
		err := tx.QueryRowContext(ctx, `SELECT COUNT(*) FROM venue_bookings WHERE site = ? AND day = ? AND number = ?`,
			b.Site, b.Day, b.Number).Scan(&taken)
		if err != nil {
			return fmt.Errorf("store: book %s at %s: %w", b.ID, b.Site, err)
		}
		if taken > 0 {
			return store.ErrNumberTaken
		}
		_, err = tx.ExecContext(ctx, `INSERT INTO venue_bookings (site, id, number, day, slot_start, slot_end,
			party, booked_by, phone_hash, network, created) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
			b.Site, b.ID, b.Number, b.Day, b.Slot.Start, b.Slot.End, b.Party, b.BookedBy, b.PhoneHash,
			b.Network, b.Created.UnixNano())
		if err != nil {
			return fmt.Errorf("store: book %s at %s: %w", b.ID, b.Site, err)
		}
		return nil
	})
}

// venueRoom refuses b when its slot has no room for it, in the order the
// visitor can do something about: their own booking first.
func venueRoom(ctx context.Context, tx *sql.Tx, b store.Booking, capacity, maxPerNetwork int) error {
	var total, network, phone int
	err := tx.QueryRowContext(ctx, `SELECT COALESCE(SUM(party), 0),
		COALESCE(SUM(CASE WHEN network = ? THEN party ELSE 0 END), 0),
		COALESCE(SUM(CASE WHEN phone_hash = ? THEN 1 ELSE 0 END), 0)
		FROM venue_bookings WHERE site = ? AND slot_start = ? AND slot_end = ?`,
		b.Network, b.PhoneHash, b.Site, b.Slot.Start, b.Slot.End).Scan(&total, &network, &phone)
	if err != nil {
		return fmt.Errorf("store: book %s at %s: %w", b.ID, b.Site, err)
	}
	return store.JudgeRoom(b, capacity, maxPerNetwork, total, network, phone)
}

// SlotCounts sums the parties of the site's slots starting in [from, to).
func (s *Store) SlotCounts(ctx context.Context, site string, from, to time.Time) ([]store.SlotCount, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT slot_start, slot_end, SUM(party) FROM venue_bookings
		WHERE site = ? AND slot_start > 0 AND slot_start >= ? AND slot_start < ?
		GROUP BY slot_start, slot_end ORDER BY slot_start, slot_end`, site, from.Unix(), to.Unix())
	if err != nil {
		return nil, fmt.Errorf("store: slot counts of %s: %w", site, err)
	}
	defer rows.Close()
	var out []store.SlotCount
	for rows.Next() {
		var c store.SlotCount
		if err := rows.Scan(&c.Slot.Start, &c.Slot.End, &c.Booked); err != nil {
			return nil, fmt.Errorf("store: slot counts of %s: %w", site, err)
		}
		out = append(out, c)
	}
	return out, rows.Err()
}

// Bookings lists the site's registrations whose slot starts in [from,
// to), or without a slot, created in it.
func (s *Store) Bookings(ctx context.Context, site string, from, to time.Time) ([]store.Booking, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT site, id, number, day, slot_start, slot_end, party,
		booked_by, phone_hash, network, created FROM venue_bookings
		WHERE site = ? AND (slot_start > 0 AND slot_start >= ? AND slot_start < ?
			OR slot_start = 0 AND created >= ? AND created < ?)`,
		site, from.Unix(), to.Unix(), from.UnixNano(), to.UnixNano())
	if err != nil {
		return nil, fmt.Errorf("store: bookings of %s: %w", site, err)
	}
	defer rows.Close()
	var out []store.Booking
	for rows.Next() {
		var b store.Booking
		var created int64
		if err := rows.Scan(&b.Site, &b.ID, &b.Number, &b.Day, &b.Slot.Start, &b.Slot.End, &b.Party,
			&b.BookedBy, &b.PhoneHash, &b.Network, &created); err != nil {
			return nil, fmt.Errorf("store: bookings of %s: %w", site, err)
		}
		b.Created = time.Unix(0, created).UTC()
		out = append(out, b)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("store: bookings of %s: %w", site, err)
	}
	store.SortBookings(out)
	return out, nil
}

// PhoneRegistrations counts the site's registrations by phoneHash since.
func (s *Store) PhoneRegistrations(ctx context.Context, site, phoneHash string, since time.Time) (int, error) {
	if phoneHash == "" {
		return 0, nil
	}
	var n int
	err := s.db.QueryRowContext(ctx, `SELECT COUNT(*) FROM venue_bookings
		WHERE site = ? AND phone_hash = ? AND created >= ?`, site, phoneHash, since.UnixNano()).Scan(&n)
	if err != nil {
		return 0, fmt.Errorf("store: registrations of a phone at %s: %w", site, err)
	}
	return n, nil
}

// Arrivals reads the admissions of the registrations ids at site.
func (s *Store) Arrivals(ctx context.Context, site string, ids []string) ([]store.Arrival, error) {
	if len(ids) == 0 {
		return nil, nil
	}
	args := []any{site}
	for _, id := range ids {
		args = append(args, id)
	}
	rows, err := s.db.QueryContext(ctx, `SELECT credential_subject, MIN(ts), COUNT(*), GROUP_CONCAT(DISTINCT unit)
		FROM entries WHERE site = ? AND credential_kind = '`+string(wire.CredentialVenue)+`' AND decision = 'allow'
		AND credential_subject IN (?`+strings.Repeat(", ?", len(ids)-1)+`)
		GROUP BY credential_subject ORDER BY credential_subject`, args...)
	if err != nil {
		return nil, fmt.Errorf("store: arrivals at %s: %w", site, err)
	}
	defer rows.Close()
	var out []store.Arrival
	for rows.Next() {
		var a store.Arrival
		var first int64
		var units string
		if err := rows.Scan(&a.ID, &first, &a.Uses, &units); err != nil {
			return nil, fmt.Errorf("store: arrivals at %s: %w", site, err)
		}
		a.First = time.Unix(0, first).UTC()
		a.Units = strings.Split(units, ",")
		slices.Sort(a.Units)
		out = append(out, a)
	}
	return out, errors.Join(rows.Err())
}

// PurgeBookings deletes the registrations created before before.
func (s *Store) PurgeBookings(ctx context.Context, before time.Time) (int, error) {
	res, err := s.w.ExecContext(ctx, `DELETE FROM venue_bookings WHERE created < ?`, before.UnixNano())
	if err != nil {
		return 0, fmt.Errorf("store: purge registrations: %w", err)
	}
	n, err := res.RowsAffected()
	return int(n), err
}
