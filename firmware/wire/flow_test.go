package wire

import (
	"errors"
	"strings"
	"testing"
	"time"
)

func sampleFlow() Flow {
	return Flow{Schema: SchemaVersion, Site: "riverside-market", Unit: "entrance-1", Seq: 7,
		Occupancy: 198, Capacity: 200, Waiting: 3, AfterSeq: 4100, Allowance: 1,
		Time: time.Date(2026, 11, 23, 10, 0, 0, 0, time.UTC)}
}

func TestDecodeFlowRoundTrips(t *testing.T) {
	want := sampleFlow()
	got, err := DecodeFlow(mustJSON(t, want))
	if err != nil {
		t.Fatal(err)
	}
	if got != want {
		t.Fatalf("got %+v, want %+v", got, want)
	}
	if FlowTopic(want.Site, want.Unit) != "kakou/v1/riverside-market/entrance-1/flow" {
		t.Fatalf("topic %q", FlowTopic(want.Site, want.Unit))
	}
}

func TestDecodeFlowRefuses(t *testing.T) {
	cases := []struct {
		name string
		edit func(*Flow)
		want string
	}{
		{"negative allowance", func(f *Flow) { f.Allowance = -1 }, "negative"},
		{"negative capacity", func(f *Flow) { f.Capacity = -5 }, "negative"},
		{"absurd capacity", func(f *Flow) { f.Capacity = 2_000_000 }, "at most"},
		{"bad unit", func(f *Flow) { f.Unit = "a/#" }, "unit"},
		{"empty site", func(f *Flow) { f.Site = "" }, "site"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			f := sampleFlow()
			c.edit(&f)
			_, err := DecodeFlow(mustJSON(t, f))
			if err == nil || !strings.Contains(err.Error(), c.want) {
				t.Fatalf("err %v, want one mentioning %q", err, c.want)
			}
		})
	}
	f := sampleFlow()
	f.Schema = 2
	if _, err := DecodeFlow(mustJSON(t, f)); !errors.Is(err, ErrSchema) {
		t.Fatalf("schema 2: err %v, want ErrSchema", err)
	}
}

func TestStatusRole(t *testing.T) {
	s := Status{Schema: SchemaVersion, Site: "riverside-market", Unit: "gw", State: Online, Role: RoleGateway}
	if _, err := DecodeStatus(mustJSON(t, s)); err != nil {
		t.Fatalf("gateway status refused: %v", err)
	}
	s.Role = "admin"
	if _, err := DecodeStatus(mustJSON(t, s)); err == nil || !strings.Contains(err.Error(), "role") {
		t.Fatalf("role admin: err %v, want a role error", err)
	}
}

// FuzzDecodeFlow: a flow comes off the site LAN; whatever arrives must be
// refused or be a flow that validates, never a panic.
func FuzzDecodeFlow(f *testing.F) {
	f.Add(mustJSON(f, sampleFlow()))
	f.Add([]byte(`{"schema":1,"site":"s","unit":"u","allowance":-1}`))
	f.Add([]byte(`{"schema":1,"site":"s","unit":"u","capacity":1e309}`))
	f.Fuzz(func(t *testing.T, b []byte) {
		fl, err := DecodeFlow(b)
		if err != nil {
			return
		}
		if verr := fl.Validate(); verr != nil {
			t.Fatalf("decoded flow does not validate: %v", verr)
		}
	})
}
