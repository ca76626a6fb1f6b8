package loadgen

import (
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/kakou/kakou/firmware/wire"
)

func TestGeneratorMakesValidEntriesInTheTrafficMix(t *testing.T) {
	const n = 20_000
	g := NewGenerator("sim-s001", "sim-u00001", wire.LaneIn, "default-1", 7)
	now := time.Date(2022, 4, 2, 10, 0, 0, 0, time.UTC)
	ids := map[string]bool{}
	decisions := map[wire.Decision]int{}
	alerts := map[string]int{}
	visitors := 0
	for i := range n {
		e := g.Next(now.Add(time.Duration(i) * time.Second))
		b, err := json.Marshal(e)
		if err != nil {
			t.Fatal(err)
		}
		got, err := wire.DecodeEntry(b)
		if err != nil {
			t.Fatalf("entry %d is not valid on the wire: %v\n%s", i+1, err, b)
		}
		if got.Seq != uint64(i+1) || got.Site != "sim-s001" || got.Unit != "sim-u00001" ||
			got.Lane != wire.LaneIn || !got.ClockSynced || got.BootID != g.BootID() {
			t.Fatalf("entry %d: %+v", i+1, got)
		}
		if ids[got.ID] || len(got.ID) != 36 {
			t.Fatalf("entry %d: id %q repeated or not a UUID", i+1, got.ID)
		}
		ids[got.ID] = true
		if got.Decision != wire.Allow && len(got.Reasons) == 0 {
			t.Fatalf("entry %d: %s without a reason", i+1, got.Decision)
		}
		if got.Alert == "fever" && (got.Temperature == nil || got.Temperature.CorrectedC < 37.3) {
			t.Fatalf("entry %d: fever alert at %+v", i+1, got.Temperature)
		}
		if v := got.Visitor; v != nil {
			visitors++
			if !strings.Contains(v.Phone, "****") || !strings.Contains(v.ID, "****") {
				t.Fatalf("entry %d: visitor phone %q, ID %q not masked", i+1, v.Phone, v.ID)
			}
		}
		decisions[got.Decision]++
		alerts[got.Alert]++
	}
	if g.Seq() != n {
		t.Errorf("Seq() = %d after %d entries", g.Seq(), n)
	}
	for _, d := range []wire.Decision{wire.Allow, wire.Refer, wire.Recheck, wire.Deny,
		wire.Register, wire.PersuadeReturn} {
		if decisions[d] == 0 {
			t.Errorf("no %s among %d entries: %v", d, n, decisions)
		}
	}
	shares := []struct {
		what     string
		got      int
		min, max float64
	}{
		{"fever alerts", alerts["fever"], 0.015, 0.025},
		{"allowed", decisions[wire.Allow], 0.85, 0.93},
		{"visitors", visitors, 0.04, 0.06},
	}
	for _, s := range shares {
		if share := float64(s.got) / n; share < s.min || share > s.max {
			t.Errorf("%s: %.3f of entries, want %.3f-%.3f", s.what, share, s.min, s.max)
		}
	}
}

func TestGeneratorsWithEqualSeedsMakeEqualTraffic(t *testing.T) {
	now := time.Date(2022, 4, 2, 10, 0, 0, 0, time.UTC)
	a := NewGenerator("s", "u", wire.LaneOut, "p", 42)
	b := NewGenerator("s", "u", wire.LaneOut, "p", 42)
	other := NewGenerator("s", "u", wire.LaneOut, "p", 43)
	same, differs := true, false
	for range 200 {
		ea, eb, eo := a.Next(now), b.Next(now), other.Next(now)
		same = same && ea.Decision == eb.Decision && ea.Temperature.CorrectedC == eb.Temperature.CorrectedC &&
			ea.Temperature.RawC == eb.Temperature.RawC
		if ea.Temperature.CorrectedC != eo.Temperature.CorrectedC {
			differs = true
		}
	}
	if !same {
		t.Error("equal seeds made different traffic")
	}
	if !differs {
		t.Error("different seeds made the same temperatures 200 times")
	}
}
