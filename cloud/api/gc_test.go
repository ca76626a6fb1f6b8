package api

import (
	"math"
	"runtime/debug"
	"testing"
)

// TestSetGCLeavesTheOperatorsChoice: kakou-cloud's heap limit applies
// only when neither GOGC nor GOMEMLIMIT is set.
func TestSetGCLeavesTheOperatorsChoice(t *testing.T) {
	defer resetGC()
	for _, env := range []struct{ gogc, limit string }{{"100", ""}, {"", "1GiB"}, {"off", "2GiB"}} {
		t.Setenv("GOGC", env.gogc)
		t.Setenv("GOMEMLIMIT", env.limit)
		resetGC()
		if SetGC() || debug.SetMemoryLimit(-1) != math.MaxInt64 {
			t.Errorf("GOGC=%q GOMEMLIMIT=%q: SetGC changed the collector", env.gogc, env.limit)
		}
	}
	t.Setenv("GOGC", "")
	t.Setenv("GOMEMLIMIT", "")
	if !SetGC() || debug.SetMemoryLimit(-1) != MemoryLimit || debug.SetGCPercent(-1) != -1 {
		t.Fatal("with neither set, SetGC did not set the heap limit and turn the percentage off")
	}
}
