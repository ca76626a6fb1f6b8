package sqlite

import (
	"context"
	"database/sql"
	"strings"
)

// manyRows is a statement over a list of rows (INSERT … VALUES or UPDATE
// … FROM (VALUES …)), run with as many rows per statement as it can: a
// batch adds to hundreds of rollup rows, and one statement per row spent
// more in database/sql and in setting up SQLite's VM than in writing.
// Statements come in a few fixed sizes, each prepared once, at Open.
type manyRows struct {
	head  string // the statement up to its first row
	width int    // placeholders per row
	tail  string // the statement after its last row
	sizes []int  // rows per statement, largest first, ending with 1
}

// rowsPerStmt are the sizes of the upserts of a batch's counts.
var rowsPerStmt = []int{64, 8, 1}

// sizedWrites are the statements of many rows PutEntries runs.
var sizedWrites = []manyRows{entryInsert, unitRollupUpserts, siteRollupUpserts, unitTotalUpserts, dayCountUpdates, siteHourUpserts}

func (m manyRows) sql(n int) string {
	row := "(?" + strings.Repeat(", ?", m.width-1) + ")"
	return m.head + row + strings.Repeat(", "+row, n-1) + m.tail
}

// next is the statement to run over the first of rows, and how many rows
// it takes: the largest size that rows fill.
func (s *Store) next(ctx context.Context, tx *sql.Tx, m manyRows, rows int) (*sql.Stmt, int) {
	n := m.sizes[len(m.sizes)-1]
	for _, size := range m.sizes {
		if size <= rows {
			n = size
			break
		}
	}
	return tx.StmtContext(ctx, s.sized[stmtKey{m.head, n}]), n
}

// execRows runs m over args, width values per row.
func (s *Store) execRows(ctx context.Context, tx *sql.Tx, m manyRows, args []any) error {
	for len(args) > 0 {
		st, n := s.next(ctx, tx, m, len(args)/m.width)
		if _, err := st.ExecContext(ctx, args[:n*m.width]...); err != nil {
			return err
		}
		args = args[n*m.width:]
	}
	return nil
}

// stmtKey names a statement of n rows: the text of its start, and n.
type stmtKey struct {
	head string
	n    int
}
