package postgres

import (
	"context"
	"fmt"

	"github.com/kakou/kakou/cloud/store"
)

// pgVehicleRows is SQLite's vehicleRows in PostgreSQL's words; the
// partial index entries_vehicles has the same predicate.
const pgVehicleRows = `strpos(detail, '"vehicle":{') > 0`

// pgMigrateVehicles is SQLite's migrateVehicles.
const pgMigrateVehicles = `CREATE INDEX entries_vehicles ON entries (site, ts) WHERE ` + pgVehicleRows + `;`

// VehicleEntries returns the entries with a vehicle block in q's window,
// oldest first (store.Vehicles).
func (p *Store) VehicleEntries(ctx context.Context, q store.VehicleQuery) ([]store.Record, error) {
	where, args := `ts >= $1`, []any{q.Since.UnixNano()}
	if !q.Until.IsZero() {
		args = append(args, q.Until.UnixNano())
		where += fmt.Sprintf(` AND ts < $%d`, len(args))
	}
	if q.Site != "" {
		args = append(args, q.Site)
		where += fmt.Sprintf(` AND site = $%d`, len(args))
	}
	args = append(args, store.MaxVehicleEntries)
	rows, err := p.pool.Query(ctx, `SELECT `+store.RecordColumns+` FROM entries
		WHERE `+where+` AND `+pgVehicleRows+fmt.Sprintf(` ORDER BY ts, seq LIMIT $%d`, len(args)), args...)
	return collectRecords(rows, err, "vehicles")
}
