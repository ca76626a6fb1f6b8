// Package ledger is the checkpoint unit's local record of every entry, kept in
// SQLite (modernc.org/sqlite, no cgo).
//
// "The ledger is the truth" (ARCHITECTURE.md): the screening pipeline calls
// Append before it opens the gate, and Append returns only after the entry is
// committed with synchronous=FULL, so a power cut after the gate opened cannot
// lose the entry. Everything downstream — the MQTT uplink, the gateway, the
// cloud — holds copies that can be re-sent from here.
//
// # Sequence numbers
//
// Each entry gets a per-unit sequence number (wire.Entry.Seq) in the same
// transaction that stores it: 1, 2, 3, … with no gaps and no reuse. The column
// is INTEGER PRIMARY KEY AUTOINCREMENT, so even when old delivered rows are
// purged a number is never handed out twice, and a failed append (duplicate
// id, full disk) rolls back without consuming one. Order by sequence, not by
// time: a Pi boots in 1970 until NTP syncs (STYLE.md).
//
// # Delivery
//
// delivered_at is NULL until the uplink marks the entry delivered. Pending
// and Backlog read through a partial index on the undelivered rows, so the
// cost of draining a backlog does not grow with the size of the history.
//
// # Connections
//
// The Ledger holds one *sql.DB limited to a single connection. SQLite admits
// one writer at a time anyway; the unit's only reader is the uplink, whose
// queries take well under a millisecond through the partial index, so a second
// read connection would buy nothing measurable while bringing SQLITE_BUSY
// between our own connections and per-connection pragmas that could drift.
// With one connection every statement runs with the pragmas Open verified.
// The cost is that a query's rows must be fully read and closed before the
// next statement runs; every method here does so before returning.
//
// # Schema
//
// The schema is a list of migrations numbered by PRAGMA user_version. Open
// applies the missing ones in order, each in its own transaction, and refuses
// a database written by newer firmware rather than guess at its layout.
package ledger
