package postgres

// pgMigrateUnitNames is SQLite's step of the units' display names
// (cloud/store/sqlite/names.go).
const pgMigrateUnitNames = `ALTER TABLE units ADD COLUMN site_name TEXT NOT NULL DEFAULT '';
	ALTER TABLE units ADD COLUMN unit_name TEXT NOT NULL DEFAULT '';`
