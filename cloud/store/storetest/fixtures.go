package storetest

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/kakou/kakou/cloud/store"
	"github.com/kakou/kakou/firmware/wire"
)

var (
	ctx = context.Background()
	// T0 is a synced unit clock; Received is the cloud's clock a little later.
	T0       = time.Date(2022, 4, 1, 8, 0, 0, 0, time.UTC)
	Received = T0.Add(2 * time.Second)
)

// Entry builds a valid entry of unit at site with the given seq, made at
// T0 plus seq minutes on a synced clock.
func Entry(site, unit string, seq uint64) wire.Entry {
	return wire.Entry{
		Schema: wire.SchemaVersion, ID: fmt.Sprintf("%s-%d", unit, seq),
		Site: site, Unit: unit, Seq: seq, BootID: "boot-1", Lane: wire.LaneIn,
		Time: T0.Add(time.Duration(seq) * time.Minute), ClockSynced: true,
		Temperature:   &wire.Temperature{RawC: 35.1, CorrectedC: 36.6},
		Credential:    wire.Credential{Kind: wire.CredentialResidentPass, Result: "valid", Subject: "P-0042"},
		Decision:      wire.Allow,
		Reasons:       []wire.Reason{{Code: "ok", ZH: "通过", EN: "passed"}},
		PolicyVersion: "default-1",
	}
}

// Status is a status of unit at site-a in state, sent at T0.
func Status(unit string, state wire.UnitState) wire.Status {
	return wire.Status{Schema: wire.SchemaVersion, Site: "site-a", Unit: unit,
		Facility: "community", Lane: wire.LaneIn, State: state, Firmware: "0.1.0",
		PolicyVersion: "default-1", BootID: "boot-1", Time: T0}
}

// Seqs are unit's entries at site-a from seq from to seq to.
func Seqs(unit string, from, to uint64) []wire.Entry {
	var out []wire.Entry
	for seq := from; seq <= to; seq++ {
		out = append(out, Entry("site-a", unit, seq))
	}
	return out
}

// only returns the single watermark of a batch from one unit.
func only(t *testing.T, res store.PutResult) store.Watermark {
	t.Helper()
	if len(res.Watermarks) != 1 {
		t.Fatalf("watermarks %+v, want exactly one", res.Watermarks)
	}
	return res.Watermarks[0]
}
