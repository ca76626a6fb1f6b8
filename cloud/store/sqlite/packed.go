package sqlite

import (
	"database/sql"
	"fmt"
	"strconv"
	"strings"
)

// A row read through database/sql costs a few microseconds per column with
// modernc: every column's type, length and text is a call that takes the
// connection's mutex (modernc opens connections SQLITE_OPEN_FULLMUTEX), and
// every text column is a string of its own. The fleet view reads 15
// columns of 10,000 units, and those calls were most of its time. A packed
// query selects each row as one string instead, built by SQLite, and
// packedRow takes it apart again: one call and one string per row.
//
// A text field is packed as its length in bytes, ':' and its bytes, so it
// may hold anything; an integer field as its digits and ' ', or just ' '
// for NULL.

// packText is the SQL that packs a text expression.
func packText(expr string) string {
	return "octet_length(" + expr + "), ':', " + expr
}

// packInt is the SQL that packs an integer expression that may be NULL.
func packInt(expr string) string {
	return expr + ", ' '" // concat takes NULL as ''
}

// packed is the SQL of one text column packing the fields, in order. It
// is one call of concat: each || would copy the string built so far.
func packed(fields ...string) string {
	return "concat(" + strings.Join(fields, ", ") + ")"
}

// packedRow reads a packed row's fields in the order they were packed.
// The first error sticks; the fields read after it are zero.
type packedRow struct {
	rest string
	err  error
}

func (r *packedRow) text() string {
	if r.err != nil {
		return ""
	}
	n, v, ok := strings.Cut(r.rest, ":")
	size, err := strconv.Atoi(n)
	if !ok || err != nil || size < 0 || size > len(v) {
		r.err = fmt.Errorf("packed row: no text field at %.20q", r.rest)
		return ""
	}
	r.rest = v[size:]
	return v[:size]
}

// int reads an integer field; valid is false for NULL.
func (r *packedRow) int() (n int64, valid bool) {
	if r.err != nil {
		return 0, false
	}
	v, rest, ok := strings.Cut(r.rest, " ")
	if !ok {
		r.err = fmt.Errorf("packed row: no integer field at %.20q", r.rest)
		return 0, false
	}
	r.rest = rest
	if v == "" {
		return 0, false
	}
	if n, r.err = strconv.ParseInt(v, 10, 64); r.err != nil {
		r.err = fmt.Errorf("packed row: %w", r.err)
	}
	return n, r.err == nil
}

// done is the row's error: a field that did not parse, or bytes left over.
func (r *packedRow) done() error {
	if r.err == nil && r.rest != "" {
		r.err = fmt.Errorf("packed row: %d bytes left over", len(r.rest))
	}
	return r.err
}

// nullInt reads an integer field as fromNanos takes it.
func (r *packedRow) nullInt() sql.NullInt64 {
	n, valid := r.int()
	return sql.NullInt64{Int64: n, Valid: valid}
}
