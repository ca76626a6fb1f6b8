package store

// Watermark is how far the collector has stored a unit's entries without a
// gap: every entry of Unit from its start (below) up to and including Seq
// is in the store. It is what the collector acknowledges to the unit
// (wire.Ack), so it must never run ahead of what is committed; PutEntries
// moves it in the same transaction as the entries, and from then on only
// forward, one stored seq at a time: it holds at a gap and jumps once the
// gap is filled.
//
// Where a unit starts. units.acked_seq is 0 until the watermark has
// started. A unit's ledger purges acknowledged entries, so the collector
// may first hear of a unit at seq 500 with nothing below ever to come; but
// the unit's uplink sends live entries ahead of its backlog, and the
// backlog's alerts ahead of the rest, so the first seq heard of is not
// where the unit's unacknowledged entries begin when it has a backlog. The
// watermark therefore starts, after the transaction's inserts:
//   - at 0 when the unit's seq 1 is stored: a unit's first entry;
//   - at the acked_seq of the unit's last online status when that status
//     said nothing waits (backlog 0), or just below the lowest seq stored
//     if that is lower: everything up to its last acknowledgement was
//     stored by some collector, and what it sends next starts just after.
//     Not simply below the lowest seq heard of: an entry made while the
//     status went out travels in the backlog behind the next live one,
//     and a site gateway relays them in the order they reached it, so the
//     next seq may still be on its way;
//   - otherwise not yet: no ack, and the unit keeps sending.
//
// So a unit that meets a database that does not know it (a new or
// restored collector) while it holds a backlog above entries acknowledged
// before gets no ack: its backlog, disk alarm and the ack it reports
// (Unit.ReportedAcked) show on the dashboard, and an operator starts it
// there with SetWatermark, audited. Taking the unit's word for it, or
// guessing, would let a forged status acknowledge entries never stored,
// and the unit would drop them.
type Watermark struct {
	Site, Unit string
	Seq        uint64
	Moved      bool // this PutEntries advanced it
}
