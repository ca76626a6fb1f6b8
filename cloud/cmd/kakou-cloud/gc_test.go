package main

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
		if setGC() || debug.SetMemoryLimit(-1) != math.MaxInt64 {
			t.Errorf("GOGC=%q GOMEMLIMIT=%q: setGC changed the collector", env.gogc, env.limit)
		}
	}
	t.Setenv("GOGC", "")
	t.Setenv("GOMEMLIMIT", "")
	if !setGC() || debug.SetMemoryLimit(-1) != memoryLimit || debug.SetGCPercent(-1) != -1 {
		t.Fatal("with neither set, setGC did not set the heap limit and turn the percentage off")
	}
}
