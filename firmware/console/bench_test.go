package console

import (
	"context"
	"fmt"
	"net/http/httptest"
	"testing"

	"github.com/kakou/kakou/firmware/policy"
)

// BenchmarkState is what every screen of a lane (the kiosk, each guard's
// phone) asks once a second: GET /api/state with a full screen (the most
// results the lane keeps waiting for the guard, the strip of the last
// five) over a ledger holding a busy day's entries, which today's counts
// read. Reported as µs per poll.
func BenchmarkState(b *testing.B) {
	c, l := benchLane(b)
	ctx := context.Background()
	for i := range 5000 {
		code := fmt.Sprintf("KAKOU1:PASS:R-%d", i)
		if i%70 == 0 {
			code = fmt.Sprintf("KAKOU1:VISIT:V-%d", i) // waits for the guard
		}
		if _, err := l.Screen(ctx, []byte(code)); err != nil {
			b.Fatal(err)
		}
	}
	open, recent := l.OnScreen()
	b.ReportMetric(float64(len(open)), "open")
	b.ReportMetric(float64(len(recent)), "recent")
	h := c.Handler()
	b.ResetTimer()
	for b.Loop() {
		w := httptest.NewRecorder()
		h.ServeHTTP(w, httptest.NewRequest("GET", "/api/state", nil))
		if w.Code != 200 {
			b.Fatalf("state: %d", w.Code)
		}
	}
}

// benchLane is newWorkingLane for a benchmark.
func benchLane(b *testing.B) (*Console, lane) {
	b.Helper()
	return newLaneUnder(b, workingThermometer{}, policy.Default)
}
