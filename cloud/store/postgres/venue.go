package postgres

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"

	"github.com/kakou/kakou/cloud/store"
	"github.com/kakou/kakou/firmware/wire"
)

// pgMigrateVenue keeps the registrations made on the venue code's page, as
// SQLite's migrateVenue: no field the visitor typed.
const pgMigrateVenue = `CREATE TABLE venue_bookings (
		site       TEXT COLLATE "C" NOT NULL,
		id         TEXT COLLATE "C" NOT NULL,
		number     TEXT COLLATE "C" NOT NULL,
		day        TEXT NOT NULL,
		slot_start BIGINT NOT NULL,
		slot_end   BIGINT NOT NULL,
		party      INTEGER NOT NULL,
		booked_by  TEXT NOT NULL,
		phone_hash TEXT COLLATE "C" NOT NULL,
		network    TEXT COLLATE "C" NOT NULL,
		created    BIGINT NOT NULL,
		PRIMARY KEY (site, id),
		CONSTRAINT venue_bookings_number UNIQUE (site, day, number)
	);
	CREATE INDEX venue_bookings_slot ON venue_bookings (site, slot_start);
	CREATE INDEX venue_bookings_created ON venue_bookings (site, created);
	CREATE INDEX venue_bookings_phone ON venue_bookings (site, phone_hash, created) WHERE phone_hash <> '';
	CREATE INDEX entries_venue ON entries (site, credential_subject)
		WHERE credential_kind = '` + string(wire.CredentialVenue) + `' AND decision = 'allow'`

// Book stores b in one transaction that first takes a transaction-scoped
// advisory lock on the slot: two collectors on one database booking the
// same slot take turns at counting and inserting, so neither overbooks,
// while bookings of other slots go on in parallel. A number drawn twice
// the same day meets the unique constraint.
func (p *Store) Book(ctx context.Context, b store.Booking, capacity, maxPerNetwork int) error {
	if err := store.CheckBooking(b); err != nil {
		return err
	}
	err := pgx.BeginFunc(ctx, p.pool, func(tx pgx.Tx) error {
		if b.Booked() {
			if err := pgVenueRoom(ctx, tx, b, capacity, maxPerNetwork); err != nil {
				return err
			}
		}
		_, err := tx.Exec(ctx, `INSERT INTO venue_bookings (site, id, number, day, slot_start, slot_end,
			party, booked_by, phone_hash, network, created) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)`,
			b.Site, b.ID, b.Number, b.Day, b.Slot.Start, b.Slot.End, b.Party, b.BookedBy, b.PhoneHash,
			b.Network, b.Created.UnixNano())
		return err
	})
	var pgErr *pgconn.PgError
	switch {
	case errors.As(err, &pgErr) && pgErr.Code == "23505" && pgErr.ConstraintName == "venue_bookings_number":
		return store.ErrNumberTaken
	case err != nil && !isVenueRefusal(err):
		return fmt.Errorf("store: book %s at %s: %w", b.ID, b.Site, err)
	}
	return err
}

func isVenueRefusal(err error) bool {
	for _, r := range []error{store.ErrSlotFull, store.ErrNetworkShare, store.ErrAlreadyBooked} {
		if errors.Is(err, r) {
			return true
		}
	}
	return false
}

// pgVenueRoom locks b's slot for the transaction and judges whether b fits.
func pgVenueRoom(ctx context.Context, tx pgx.Tx, b store.Booking, capacity, maxPerNetwork int) error {
	key := fmt.Sprintf("venue/%s/%d/%d", b.Site, b.Slot.Start, b.Slot.End)
	if _, err := tx.Exec(ctx, `SELECT pg_advisory_xact_lock(hashtextextended($1, 0))`, key); err != nil {
		return err
	}
	var total, network, phone int
	err := tx.QueryRow(ctx, `SELECT COALESCE(SUM(party), 0),
		COALESCE(SUM(party) FILTER (WHERE network = $1), 0),
		COUNT(*) FILTER (WHERE phone_hash = $2)
		FROM venue_bookings WHERE site = $3 AND slot_start = $4 AND slot_end = $5`,
		b.Network, b.PhoneHash, b.Site, b.Slot.Start, b.Slot.End).Scan(&total, &network, &phone)
	if err != nil {
		return err
	}
	return store.JudgeRoom(b, capacity, maxPerNetwork, total, network, phone)
}

// SlotCounts sums the parties of the site's slots starting in [from, to).
func (p *Store) SlotCounts(ctx context.Context, site string, from, to time.Time) ([]store.SlotCount, error) {
	rows, err := p.pool.Query(ctx, `SELECT slot_start, slot_end, SUM(party) FROM venue_bookings
		WHERE site = $1 AND slot_start > 0 AND slot_start >= $2 AND slot_start < $3
		GROUP BY slot_start, slot_end ORDER BY slot_start, slot_end`, site, from.Unix(), to.Unix())
	if err != nil {
		return nil, fmt.Errorf("store: slot counts of %s: %w", site, err)
	}
	var out []store.SlotCount
	var c store.SlotCount
	_, err = pgx.ForEachRow(rows, []any{&c.Slot.Start, &c.Slot.End, &c.Booked}, func() error {
		out = append(out, c)
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("store: slot counts of %s: %w", site, err)
	}
	return out, nil
}

// Bookings lists the site's registrations whose slot starts in [from,
// to), or without a slot, created in it.
func (p *Store) Bookings(ctx context.Context, site string, from, to time.Time) ([]store.Booking, error) {
	rows, err := p.pool.Query(ctx, `SELECT site, id, number, day, slot_start, slot_end, party,
		booked_by, phone_hash, network, created FROM venue_bookings
		WHERE site = $1 AND (slot_start > 0 AND slot_start >= $2 AND slot_start < $3
			OR slot_start = 0 AND created >= $4 AND created < $5)`,
		site, from.Unix(), to.Unix(), from.UnixNano(), to.UnixNano())
	if err != nil {
		return nil, fmt.Errorf("store: bookings of %s: %w", site, err)
	}
	var out []store.Booking
	var b store.Booking
	var created int64
	_, err = pgx.ForEachRow(rows, []any{&b.Site, &b.ID, &b.Number, &b.Day, &b.Slot.Start, &b.Slot.End,
		&b.Party, &b.BookedBy, &b.PhoneHash, &b.Network, &created}, func() error {
		b.Created = time.Unix(0, created).UTC()
		out = append(out, b)
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("store: bookings of %s: %w", site, err)
	}
	store.SortBookings(out)
	return out, nil
}

// PhoneRegistrations counts the site's registrations by phoneHash since.
func (p *Store) PhoneRegistrations(ctx context.Context, site, phoneHash string, since time.Time) (int, error) {
	if phoneHash == "" {
		return 0, nil
	}
	var n int
	err := p.pool.QueryRow(ctx, `SELECT COUNT(*) FROM venue_bookings
		WHERE site = $1 AND phone_hash = $2 AND created >= $3`, site, phoneHash, since.UnixNano()).Scan(&n)
	if err != nil {
		return 0, fmt.Errorf("store: registrations of a phone at %s: %w", site, err)
	}
	return n, nil
}

// Arrivals reads the admissions of the registrations ids at site.
func (p *Store) Arrivals(ctx context.Context, site string, ids []string) ([]store.Arrival, error) {
	if len(ids) == 0 {
		return nil, nil
	}
	rows, err := p.pool.Query(ctx, `SELECT credential_subject, MIN(ts), COUNT(*), array_agg(DISTINCT unit)
		FROM entries WHERE site = $1 AND credential_kind = '`+string(wire.CredentialVenue)+`'
		AND decision = 'allow' AND credential_subject = ANY($2)
		GROUP BY credential_subject ORDER BY credential_subject`, site, ids)
	if err != nil {
		return nil, fmt.Errorf("store: arrivals at %s: %w", site, err)
	}
	var out []store.Arrival
	var a store.Arrival
	var first int64
	_, err = pgx.ForEachRow(rows, []any{&a.ID, &first, &a.Uses, &a.Units}, func() error {
		a.First = time.Unix(0, first).UTC()
		units := slices.Clone(a.Units)
		slices.Sort(units)
		out = append(out, store.Arrival{ID: a.ID, First: a.First, Uses: a.Uses, Units: units})
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("store: arrivals at %s: %w", site, err)
	}
	return out, nil
}

// PurgeBookings deletes the registrations created before before.
func (p *Store) PurgeBookings(ctx context.Context, before time.Time) (int, error) {
	tag, err := p.pool.Exec(ctx, `DELETE FROM venue_bookings WHERE created < $1`, before.UnixNano())
	if err != nil {
		return 0, fmt.Errorf("store: purge registrations: %w", err)
	}
	return int(tag.RowsAffected()), nil
}
