// Package store keeps what the cloud collector has received: every entry
// from every unit, and one row per unit with its latest presence. It is
// SQLite (cloud/store/sqlite) by default; PostgreSQL (cloud/store/postgres)
// takes over when a city outgrows one machine, behind the same methods.
// This package holds what both backends share: the types, and the rules
// both apply so they store alike (rollup metrics, conflicts, where a
// watermark starts, the times a store holds, dead-letter clipping,
// enrollment tokens). cloud/store/storetest holds both to one contract.
//
// Delivery from the units is at-least-once, so every write here is
// idempotent: an entry is known by its id and by (site, unit, seq), and a
// re-sent entry changes nothing (docs/architecture.md "The ledger is the truth").
// PutEntries also keeps each unit's watermark, how far its entries are
// stored without a gap, which is what the collector acknowledges to the
// unit (see Watermark).
//
// Times are stored as INTEGER unix nanoseconds in UTC. The column ts is the
// time every query uses: the unit's own time when its clock was synced, the
// time the cloud received the entry otherwise, because a Pi without NTP
// stamps 1970 (docs/architecture.md "A Pi has no real-time clock").
package store
