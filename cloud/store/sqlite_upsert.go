package store

import (
	"context"
	"database/sql"
	"strings"
)

// manyRows is a statement over a list of rows (INSERT … VALUES or UPDATE
// … FROM (VALUES …)), run with as many rows per statement as it can: a
// batch adds to hundreds of rollup rows, and one statement per row spent
// more in database/sql and in setting up SQLite's VM than in writing.
// Statements come in a few fixed sizes, so each size is prepared once.
type manyRows struct {
	head  string // the statement up to its first row
	width int    // placeholders per row
	tail  string // the statement after its last row
}

// rowsPerStmt are the statement sizes manyRows uses, largest first.
var rowsPerStmt = []int{64, 8, 1}

func (m manyRows) sql(n int) string {
	row := "(?" + strings.Repeat(", ?", m.width-1) + ")"
	return m.head + row + strings.Repeat(", "+row, n-1) + m.tail
}

// execRows runs m over args, width values per row.
func (s *SQLite) execRows(ctx context.Context, tx *sql.Tx, m manyRows, args []any) error {
	for len(args) > 0 {
		rows := len(args) / m.width
		n := rowsPerStmt[len(rowsPerStmt)-1]
		for _, size := range rowsPerStmt {
			if size <= rows {
				n = size
				break
			}
		}
		st, err := s.lazyStmt(ctx, tx, stmtKey{m.head, n}, func() string { return m.sql(n) })
		if err != nil {
			return err
		}
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

// lazyStmt is the statement of key within tx, prepared from build's text
// on first use; the text, kilobytes for many rows, is built only then.
func (s *SQLite) lazyStmt(ctx context.Context, tx *sql.Tx, key stmtKey, build func() string) (*sql.Stmt, error) {
	s.mu.Lock()
	st, ok := s.lazy[key]
	s.mu.Unlock()
	if !ok {
		var err error
		if st, err = s.db.PrepareContext(ctx, build()); err != nil {
			return nil, err
		}
		s.mu.Lock()
		if old, raced := s.lazy[key]; raced {
			st.Close()
			st = old
		} else {
			s.lazy[key] = st
		}
		s.mu.Unlock()
	}
	return tx.StmtContext(ctx, st), nil
}
