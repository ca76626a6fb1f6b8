package ledger

import (
	"context"
	"fmt"
	"testing"

	"github.com/kakou/kakou/firmware/wire"
)

func TestAdmissionsAreTheEntranceAllowsAfterTheSeq(t *testing.T) {
	l, _ := openTemp(t)
	kinds := []struct {
		lane     wire.Lane
		decision wire.Decision
	}{
		{wire.LaneIn, wire.Allow},  // 1
		{wire.LaneIn, wire.Wait},   // 2
		{wire.LaneIn, wire.Allow},  // 3
		{wire.LaneOut, wire.Allow}, // 4: an exit lets nobody in
		{wire.LaneIn, wire.Deny},   // 5
		{wire.LaneIn, wire.Allow},  // 6
	}
	for i, k := range kinds {
		e := sampleEntry(i)
		e.Lane, e.Decision = k.lane, k.decision
		if err := l.Append(context.Background(), &e); err != nil {
			t.Fatal(err)
		}
	}
	for _, tc := range []struct {
		after uint64
		want  string
	}{{0, "[1 3 6]"}, {1, "[3 6]"}, {3, "[6]"}, {6, "[]"}} {
		got, err := l.Admissions(context.Background(), tc.after)
		if err != nil || fmt.Sprint(got) != tc.want {
			t.Errorf("admissions after %d: %v %v, want %s", tc.after, got, err, tc.want)
		}
	}
}
