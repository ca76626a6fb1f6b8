package main

import (
	"math"
	"os"
	"runtime/debug"
)

// memoryLimit is the heap kakou-cloud lets grow before the garbage
// collector runs (see setGC), rather than Go's default of twice what is
// live.
//
// Why: the collector keeps very little alive (1.8 MB in the dashboard
// bench with 10,000 units and 10 million entries), while one poll of the
// fleet view allocates 6 MB and one of the hourly charts of 1,000 sites
// 13 MB. At the default, a 4 MB heap goal, the GC ran several times in
// every poll, and so did at GOGC=400: the charts' p99 stayed near 120 ms
// against 40 at p50. Collecting at 256 MiB runs it once every twenty
// polls or so and brought the p99 to 52-58 ms (docs/performance.md
// "Memory" has the runs). A soft limit is the Go runtime's own tool for this: if the live
// heap ever neared it, the GC would run more often, capped at about half
// the CPU, and the heap could pass it rather than fail.
const memoryLimit = 256 << 20

// setGC sets the heap limit and turns the percentage trigger off, unless
// the operator chose with GOGC or GOMEMLIMIT; it says whether it did. It
// is the command's to call, not a library's: the settings are the whole
// process's.
func setGC() bool {
	if os.Getenv("GOGC") != "" || os.Getenv("GOMEMLIMIT") != "" {
		return false
	}
	debug.SetMemoryLimit(memoryLimit)
	debug.SetGCPercent(-1)
	return true
}

// resetGC undoes setGC, back to Go's defaults.
func resetGC() {
	debug.SetGCPercent(100)
	debug.SetMemoryLimit(math.MaxInt64)
}
