package occupancy

import (
	"testing"

	"github.com/kakou/kakou/firmware/wire"
)

// A guard's record (a duty logged, a shift handed over) travels as an
// entry with no decision; at the gateway it is nobody at the gate.
func TestAGuardsRecordNeitherCountsNorEndsAWait(t *testing.T) {
	s := site(10, 3, 1)
	sendAll(s)
	s.Observe(Obs{Unit: "e1", Seq: 1, Lane: wire.LaneIn, Decision: wire.Wait, Watermark: 1, Row: 1})
	s.Observe(Obs{Unit: "e1", Seq: 2, Lane: wire.LaneIn, Counts: true, Watermark: 2, Row: 2})
	s.Observe(Obs{Unit: "x1", Seq: 1, Lane: wire.LaneOut, Counts: true, Watermark: 1, Row: 3})
	if s.Count() != 3 {
		t.Fatalf("records moved the count to %d, want 3", s.Count())
	}
	if s.Waiting() != 1 {
		t.Fatalf("a record after a wait ended it: %d waiting, want 1", s.Waiting())
	}
}
