package visit

import (
	"context"
	"strings"
	"sync"
	"testing"

	"github.com/kakou/kakou/firmware/wire"
)

func TestTwoGuardsClosingOneVisitAtOnceCloseItOnce(t *testing.T) {
	in := newLane(t, "gate", wire.LaneIn, 2)
	v := in.register(t, "13812345678")
	out := in.open(t, "gate", wire.LaneOut, 2)
	var wg sync.WaitGroup
	results := make([]Closed, 8)
	errs := make([]error, 8)
	for i := range results {
		wg.Add(1)
		go func() {
			defer wg.Done()
			results[i], errs[i] = out.Close(context.Background(), Exit{Code: v.Visit.Code})
		}()
	}
	wg.Wait()
	closed := 0
	for i, r := range results {
		switch {
		case errs[i] == nil && r.Visit != nil && r.Visit.ID == v.ID:
			closed++
		case errs[i] != ErrNotHere:
			t.Errorf("guard %d: %+v %v, want the visit closed or ErrNotHere", i, r, errs[i])
		}
	}
	if closed != 1 {
		t.Fatalf("the visit was closed %d times, want once", closed)
	}
}

// FuzzClose: whatever a guard types at the exit, Close either refuses it
// or logs a valid entry, and a typed number never reaches the ledger.
func FuzzClose(f *testing.F) {
	for _, s := range []string{"312345", "012345", "31234", "KKV1:sunny:gate:1:300001:0:-", "KKV1:x", "13812345678",
		"11010519491231002X", "11010519491231002x", "+8613812345678", "１２３４５６", "", " 312345 ", "\x00"} {
		f.Add(s, "code", true)
		f.Add(s, "phone", true)
		f.Add(s, "id", false)
	}
	// One ledger for the run: a fuzz case's own temp dir has a '#' in its
	// name, which the ledger refuses in a path.
	out := newLane(f, "gate-out", wire.LaneOut, 5)
	f.Fuzz(func(t *testing.T, s, field string, confirm bool) {
		before, _ := out.led.LastSeq(context.Background())
		x, number := Exit{Confirm: confirm}, true
		switch field {
		case "phone":
			x.Phone = s
		case "id":
			x.ID = s
		default:
			x.Code, number = s, false
		}
		got, err := out.Close(context.Background(), x)
		if err != nil {
			return
		}
		if err := got.Entry.Validate(); err != nil {
			t.Fatalf("logged an invalid entry for %q: %v", s, err)
		}
		stored, _ := out.led.Entries(context.Background(), before, 10)
		if len(stored) != 1 || stored[0].ID != got.Entry.ID {
			t.Fatalf("%d entries stored, want the one Close returned", len(stored))
		}
		if n := strings.TrimSpace(s); number && len(n) >= 5 && strings.Contains(fmtEntry(stored[0]), n) {
			t.Fatalf("the typed number %q is in the ledger: %+v", n, stored[0])
		}
	})
}

// fmtEntry is the entry's text fields but the close-out's key, which
// Validate holds to a PersonHash for a phone or ID (64 hex digits can
// contain a short run of decimal digits by chance).
func fmtEntry(e wire.Entry) string {
	c := e.CloseOut
	return strings.Join([]string{e.ID, c.Code, c.Visit, e.Credential.Subject, e.Guard}, "|")
}
