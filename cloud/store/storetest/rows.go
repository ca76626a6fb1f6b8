// Package storetest holds what several cloud packages' tests need of a
// SQLite store file they opened, so each does not write its own.
package storetest

import (
	"database/sql"
	"slices"
	"testing"

	_ "modernc.org/sqlite"
)

// RowCounts counts the rows of every table in the SQLite file at path but
// those named in except, read from sqlite_master so that a table added by
// a later migration is never forgotten by a test that says "nothing
// changed".
func RowCounts(t testing.TB, path string, except ...string) map[string]int {
	t.Helper()
	db, err := sql.Open("sqlite", path)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	rows, err := db.Query(`SELECT name FROM sqlite_master WHERE type = 'table'`)
	if err != nil {
		t.Fatal(err)
	}
	var tables []string
	for rows.Next() {
		var name string
		if err := rows.Scan(&name); err != nil {
			t.Fatal(err)
		}
		if !slices.Contains(except, name) {
			tables = append(tables, name)
		}
	}
	rows.Close()
	counts := map[string]int{}
	for _, tb := range tables {
		var n int
		if err := db.QueryRow(`SELECT count(*) FROM "` + tb + `"`).Scan(&n); err != nil {
			t.Fatal(err)
		}
		counts[tb] = n
	}
	return counts
}
