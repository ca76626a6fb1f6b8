// Package ledger is the checkpoint unit's local record of every entry, kept in
// SQLite (modernc.org/sqlite, no cgo).
//
// "The ledger is the truth" (docs/architecture.md): the screening pipeline calls
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
// time: a Pi boots in 1970 until NTP syncs (docs/architecture.md "A Pi has no
// real-time clock").
//
// # Delivery
//
// delivered_at is NULL until the collector has acknowledged storing the
// entry (wire.Ack) and the uplink calls MarkDeliveredUpTo. An ack covers a
// prefix ("everything up to seq"), so the delivered entries are always the
// lowest seqs in the ledger. Pending, PendingAlerts and Backlog read through
// partial indexes on the undelivered rows, so the cost of draining a backlog
// does not grow with the size of the history. Pending and PendingAlerts
// hand out each entry's JSON as it was stored (Record), with its site, unit
// and alert flag from columns of their own, so the uplink publishes an
// entry without decoding it; the statements the drain repeats are prepared
// once, at Open.
//
// # Disk space
//
// Only delivered entries are ever deleted, oldest first. Two things delete
// them, both run by the unit's maintenance loop:
//   - Purge, for retention: entries whose delivery is older than N days.
//     delivered_at comes from the unit's clock, which may have been in 1970,
//     so Purge deletes a prefix in seq order up to the newest believable
//     delivery before the cut-off (see Purge), and the unit skips it until
//     its clock is synced.
//   - EnforceQuota, for the disk: the oldest delivered entries until the
//     pages in use fit the quota. When what is left is all undelivered it
//     reports the quota full and deletes nothing more: the unit keeps
//     screening, raises the alarm and never drops an entry (docs/product.md
//     "What people complained about": messages lost, disks that fill up).
//
// Deleting rows frees pages inside the file; the file shrinks only through
// a vacuum. A full VACUUM rewrites the whole database and needs as much free
// space again, which is exactly what a unit with a full disk lacks, so the
// ledger uses auto_vacuum=INCREMENTAL and runs PRAGMA incremental_vacuum
// after each purge or eviction; that returns the free pages at the end of
// the file in place. The quota is measured on pages in use, not the file
// size, because SQLite reuses free pages before growing the file.
//
// Migration note: auto_vacuum can only be switched on before the first table
// is created, so a ledger created by firmware before schema 3 keeps
// auto_vacuum=NONE. Quotas and retention work the same on it (freed pages
// are reused, the file stops growing at its high-water mark); it only never
// shrinks. To convert one, stop the unit and run, with free space for a copy
// of the file:
//
//	sqlite3 /var/lib/kakou/ledger.db 'PRAGMA auto_vacuum=INCREMENTAL; VACUUM;'
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
