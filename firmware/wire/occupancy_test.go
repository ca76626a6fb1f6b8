package wire

import (
	"encoding/json"
	"strings"
	"testing"
	"time"
)

func sampleGatewayStatus() Status {
	at := time.Date(2026, 12, 7, 9, 30, 0, 0, time.UTC)
	return Status{Schema: SchemaVersion, Site: "riverside-market", Unit: "gw", Role: RoleGateway,
		State: Online, Time: at, Occupancy: &SiteOccupancy{Inside: 215, Capacity: 200, Waiting: 2, AsOf: at,
			LastCorrection: &OccupancyCorrection{Count: 0, Previous: 3, Reason: "开门清点", By: "wang",
				ByName: "王经理", At: at.Add(-3 * time.Hour)}}}
}

func TestGatewayStatusCarriesItsOccupancyBothWays(t *testing.T) {
	st := sampleGatewayStatus()
	got, err := DecodeStatus(mustJSON(t, st))
	if err != nil {
		t.Fatal(err)
	}
	if o := got.Occupancy; o == nil || o.Inside != 215 || o.Capacity != 200 || o.Waiting != 2 ||
		o.LastCorrection == nil || o.LastCorrection.ByName != "王经理" || !o.AsOf.Equal(st.Occupancy.AsOf) {
		t.Fatalf("occupancy decoded as %+v", got.Occupancy)
	}
}

// TestStatusOccupancyRefusesWhatNoGatewayCounts: a unit cannot claim a
// site's count, and no count is negative, astronomical or from year 9999.
func TestStatusOccupancyRefusesWhatNoGatewayCounts(t *testing.T) {
	for name, spoil := range map[string]func(*Status){
		"a unit's status":          func(s *Status) { s.Role = "" },
		"negative inside":          func(s *Status) { s.Occupancy.Inside = -1 },
		"a million and one":        func(s *Status) { s.Occupancy.Inside = MaxOccupancy + 1 },
		"negative capacity":        func(s *Status) { s.Occupancy.Capacity = -5 },
		"waiting beyond reason":    func(s *Status) { s.Occupancy.Waiting = 10_001 },
		"no as_of":                 func(s *Status) { s.Occupancy.AsOf = time.Time{} },
		"as_of in year 9999":       func(s *Status) { s.Occupancy.AsOf = time.Date(9999, 1, 1, 0, 0, 0, 0, time.UTC) },
		"correction without why":   func(s *Status) { s.Occupancy.LastCorrection.Reason = "  " },
		"correction by a wildcard": func(s *Status) { s.Occupancy.LastCorrection.By = "+" },
		"correction name with a control": func(s *Status) {
			s.Occupancy.LastCorrection.ByName = "王\u202e经理"
		},
		"huge reason": func(s *Status) { s.Occupancy.LastCorrection.Reason = strings.Repeat("x", 257) },
	} {
		st := sampleGatewayStatus()
		spoil(&st)
		if _, err := DecodeStatus(mustJSON(t, st)); err == nil {
			t.Errorf("%s: accepted", name)
		}
	}
}

func correctionEntry() Entry {
	e := sampleEntry()
	e.Decision, e.Reasons, e.Temperature = "", nil, nil
	e.Credential = Credential{Kind: CredentialNone}
	e.Guard = "wang"
	e.Record = &Record{Kind: RecordOccupancy, GuardName: "王经理",
		Occupancy: &OccupancyCorrection{Count: 12, Previous: 40, Reason: "闭店清点", At: e.Time}}
	return e
}

func TestOccupancyCorrectionTravelsAsARecordNamingItsManager(t *testing.T) {
	e := correctionEntry()
	got, err := DecodeEntry(mustJSON(t, e))
	if err != nil {
		t.Fatal(err)
	}
	if !got.IsRecord() || got.Record.Occupancy.Count != 12 || got.Guard != "wang" {
		t.Fatalf("decoded as %+v", got.Record)
	}
	e.Guard = ""
	if _, err := DecodeEntry(mustJSON(t, e)); err == nil {
		t.Error("a correction that names nobody was accepted")
	}
	e = correctionEntry()
	e.Record.Duty = &Duty{ID: "d", Name: "n", Day: "2026-12-07", Slot: "08:00"}
	if _, err := DecodeEntry(mustJSON(t, e)); err == nil {
		t.Error("a correction with a duty was accepted")
	}
	e = correctionEntry()
	e.Record.Kind = RecordSignIn
	if _, err := DecodeEntry(mustJSON(t, e)); err == nil {
		t.Error("a sign-in carrying a correction was accepted")
	}
}

// FuzzDecodeStatusOccupancy: whatever a status decodes to holds its
// occupancy to Validate, and survives a round trip unchanged.
func FuzzDecodeStatusOccupancy(f *testing.F) {
	good := mustJSON(f, sampleGatewayStatus())
	f.Add(good)
	for _, seed := range []string{
		`{"schema":1,"site":"s","unit":"g","role":"gateway","state":"online","time":"2026-12-07T00:00:00Z","occupancy":{"inside":1,"capacity":0,"waiting":0,"as_of":"2026-12-07T00:00:00Z"}}`,
		`{"schema":1,"site":"s","unit":"g","state":"online","time":"2026-12-07T00:00:00Z","occupancy":{"inside":1,"as_of":"2026-12-07T00:00:00Z"}}`,
		`{"schema":1,"site":"s","unit":"g","role":"gateway","state":"online","time":"2026-12-07T00:00:00Z","occupancy":{"inside":1e309}}`,
		`{"schema":1,"site":"s","unit":"g","role":"gateway","state":"online","time":"2026-12-07T00:00:00Z","occupancy":{"inside":-1,"as_of":"9999-12-31T23:59:59Z"}}`,
		`{"schema":1,"site":"s","unit":"g","role":"gateway","state":"online","time":"2026-12-07T00:00:00Z","occupancy":{"inside":3,"as_of":"2026-12-07T00:00:00Z","last_correction":{"count":0,"reason":"","at":"2026-12-07T00:00:00Z"}}}`,
		`{"occupancy":null}`, `{"occupancy":[]}`, ``,
	} {
		f.Add([]byte(seed))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		st, err := DecodeStatus(b)
		if err != nil || st.Occupancy == nil {
			return
		}
		if st.Role != RoleGateway || st.Occupancy.Validate() != nil {
			t.Fatalf("accepted %q with an occupancy that does not hold", b)
		}
		out, err := json.Marshal(st)
		if err != nil {
			t.Fatal(err)
		}
		again, err := DecodeStatus(out)
		if err != nil || again.Occupancy.Inside != st.Occupancy.Inside || again.Occupancy.Capacity != st.Occupancy.Capacity {
			t.Fatalf("round trip of %s: %+v, %v", out, again.Occupancy, err)
		}
	})
}
