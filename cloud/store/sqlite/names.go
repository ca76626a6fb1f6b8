package sqlite

// migrateUnitNames keeps what people call a site and a unit (阳光花园小区,
// 北门), as the unit's status says them (wire.Status), so the dashboard
// shows names where it showed ids. Empty until a unit that knows its names
// sends a status; a status without them keeps the names known.
const migrateUnitNames = `ALTER TABLE units ADD COLUMN site_name TEXT NOT NULL DEFAULT '';
	ALTER TABLE units ADD COLUMN unit_name TEXT NOT NULL DEFAULT '';`
