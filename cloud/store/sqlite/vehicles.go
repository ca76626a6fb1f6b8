package sqlite

import (
	"context"
	"fmt"

	"github.com/kakou/kakou/cloud/store"
)

// vehicleRows picks the entries of the vehicle lanes by their detail's
// text: store.Detail writes "vehicle":{ only for an entry with a vehicle
// block (an occupant's, or a vehicle's record). The partial index
// entries_vehicles has the same predicate word for word, which is what
// lets SQLite use it.
const vehicleRows = `instr(detail, '"vehicle":{') > 0`

// migrateVehicles indexes the few vehicle-lane entries among the many, as
// entries_visits does the visits'. Entries stored before vehicle lanes
// existed have no vehicle block, so there is nothing to backfill.
const migrateVehicles = `CREATE INDEX entries_vehicles ON entries (site, ts) WHERE ` + vehicleRows + `;`

// VehicleEntries returns the entries with a vehicle block in q's window,
// oldest first (store.Vehicles).
func (s *Store) VehicleEntries(ctx context.Context, q store.VehicleQuery) ([]store.Record, error) {
	where, args := `ts >= ?`, []any{q.Since.UnixNano()}
	if !q.Until.IsZero() {
		where, args = where+` AND ts < ?`, append(args, q.Until.UnixNano())
	}
	if q.Site != "" {
		where, args = where+` AND site = ?`, append(args, q.Site)
	}
	rows, err := s.db.QueryContext(ctx, `SELECT `+store.RecordColumns+` FROM entries
		WHERE `+where+` AND `+vehicleRows+` ORDER BY ts, seq LIMIT ?`, append(args, store.MaxVehicleEntries)...)
	if err != nil {
		return nil, fmt.Errorf("store: vehicles: %w", err)
	}
	defer rows.Close()
	out := []store.Record{}
	for rows.Next() {
		r, err := scanRecord(rows)
		if err != nil {
			return nil, fmt.Errorf("store: vehicles: %w", err)
		}
		out = append(out, r)
	}
	return out, rows.Err()
}
