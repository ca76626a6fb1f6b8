package e2e

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"path/filepath"
	"testing"
	"time"

	"github.com/kakou/kakou/firmware/screening"
	"github.com/kakou/kakou/firmware/unit"
	"github.com/kakou/kakou/firmware/visit"
	"github.com/kakou/kakou/firmware/wire"
	"github.com/kakou/kakou/internal/testenv"
)

// TestAVisitClosedAtAnotherLaneLeavesTheCentresInsideList runs a site's
// entrance and exit as two units, each with its own ledger, through the
// collector's embedded broker into its store. A visitor scanned at the
// entrance is registered and admitted: the visit's code is on the entry,
// and the centre lists them inside. The guard at the exit, whose unit never
// saw the visit, types the code and confirms; the exit's entry reaches the
// centre, which matches it to the visit, lists nobody inside and records
// the stay.
func TestAVisitClosedAtAnotherLaneLeavesTheCentresInsideList(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	c := startCollector(t, ctx, "[broker]\nembedded = true\nlisten = \"127.0.0.1:0\"\n")
	unitCtx, stopUnits := context.WithCancel(ctx)
	defer stopUnits()
	in := startOnePersonUnit(t, unitCtx, "gate-in", "in", c.BrokerURL(), 1)
	// The exit's one person is a resident: a visitor's pre-registration
	// code there would close the visit by itself (matched by pass).
	out := startOnePersonUnit(t, unitCtx, "gate-out", "out", c.BrokerURL(), 0)

	testenv.Await(t, "the visitor scanned at the entrance", patience, func() bool {
		es, _ := in.Ledger().Entries(ctx, 0, 2)
		return len(es) == 1
	})
	v := wire.Visitor{Name: "张三", Phone: wire.MaskPhone("13812345678"), Destination: "3-2-501"}
	scanned, _ := in.Ledger().Entries(ctx, 0, 1)
	reg, err := in.Amend(ctx, scanned[0].ID, screening.Amend{Visitor: &v})
	if err != nil || reg.Decision != wire.Allow || reg.Visit == nil {
		t.Fatalf("registration: %+v %v, want an admission with a visit", reg, err)
	}
	inside := func() []map[string]any {
		var got struct{ Visits []map[string]any }
		getCentre(t, c.HTTPURL()+"/api/v1/visits?site=garden", &got)
		return got.Visits
	}
	testenv.Await(t, "the centre lists the visitor inside", patience, func() bool {
		vs := inside()
		return len(vs) == 1 && vs[0]["code"] == reg.Visit.Code && vs[0]["name"] == "张*"
	})
	if own, _ := in.Inside(ctx); len(own) != 1 || own[0].ID != reg.ID {
		t.Fatalf("the entrance's own list: %+v", own)
	}

	if _, err := out.CloseOut(ctx, visit.Exit{Code: reg.Visit.Code}); err != visit.ErrNotHere {
		t.Fatalf("unconfirmed close-out of another lane's visit: %v, want ErrNotHere", err)
	}
	closed, err := out.CloseOut(ctx, visit.Exit{Code: reg.Visit.Code, Confirm: true})
	if err != nil || closed.Entry.CloseOut == nil {
		t.Fatalf("close-out: %+v %v", closed, err)
	}
	testenv.Await(t, "the centre takes the visitor off the inside list", patience, func() bool {
		return len(inside()) == 0
	})
	var got struct{ Visits []map[string]any }
	getCentre(t, c.HTTPURL()+"/api/v1/visits?site=garden&state=closed", &got)
	if len(got.Visits) != 1 || got.Visits[0]["exit_unit"] != "gate-out" || got.Visits[0]["matched_by"] != "code" {
		t.Fatalf("closed visits: %+v, want the one closed at gate-out by code", got.Visits)
	}
	if stay := got.Visits[0]["stay_seconds"].(float64); stay < 0 || stay > patience.Seconds() {
		t.Errorf("stay %v s, want the seconds between the registration and the exit", stay)
	}
}

// startOnePersonUnit runs a unit of site garden whose simulated crowd is
// one person with a normal temperature: a visitor with a pre-registration
// code, or with visitors 0 a resident with a pass.
func startOnePersonUnit(t *testing.T, ctx context.Context, id, lane, brokerURL string, visitors float64) *unit.Unit {
	t.Helper()
	return runUnit(t, ctx, id, func(dir string) string {
		return fmt.Sprintf(`site = "garden"
unit = %q
lane = %q
data_dir = %q
trust_clock = true
[console]
listen = "off"
[mqtt]
broker = %q
[simulator]
mean_interval = "10ms"
max_people = 1
fever_ratio = 0.0
visitor_ratio = %.1f
no_code_ratio = 0.0
unreadable_ratio = 0.0
`, id, lane, filepath.Join(dir, "data"), brokerURL, visitors)
	})
}

func getCentre(t *testing.T, url string, v any) {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != 200 {
		t.Fatalf("GET %s: %s", url, resp.Status)
	}
	if err := json.NewDecoder(resp.Body).Decode(v); err != nil {
		t.Fatal(err)
	}
}
