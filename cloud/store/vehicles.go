package store

import (
	"cmp"
	"context"
	"slices"
	"time"

	"github.com/kakou/kakou/firmware/wire"
)

// Vehicles at the vehicle lanes (车辆通道): each occupant's entry carries
// the vehicle's block (plate, role, kind, session) and the vehicle's own
// outcome is a record (wire.RecordVehicle). The record counts apart from
// the traffic, in vehicle:<decision> (vehicle:allow, vehicle:persuade_return,
// …); the occupants count as the people they are.

// PrefixVehicle is the rollup metric prefix of vehicles' outcomes.
const PrefixVehicle = "vehicle:"

// MetricVehicleExit counts the vehicles logged leaving at an exit lane,
// so vehicle:allow counts only the vehicles let in.
const MetricVehicleExit = PrefixVehicle + "exit"

// VehicleMetrics are the metrics a vehicle's record adds 1 to.
func VehicleMetrics(e *wire.Entry) []string {
	if e.Lane == wire.LaneOut {
		return []string{MetricVehicleExit}
	}
	return []string{PrefixVehicle + string(e.Record.Vehicle.Decision)}
}

// VehicleQuery selects the vehicles seen at a site ("" every site) with
// a time in [Since, Until) (zero Until: no end), oldest first, at most
// Limit (as for entries).
type VehicleQuery struct {
	Site         string
	Since, Until time.Time
	Limit        int
}

// VehicleReader is what Vehicles needs of a backend.
type VehicleReader interface {
	// VehicleEntries returns the entries with a vehicle block in q's
	// window (the occupants' and the vehicles' records), oldest first,
	// at most MaxLimit × 8 of them (a vehicle holds a few people).
	VehicleEntries(ctx context.Context, q VehicleQuery) ([]Record, error)
}

// MaxVehicleEntries bounds what VehicleEntries reads for one query.
const MaxVehicleEntries = MaxLimit * 8

// Vehicle is one vehicle at a lane: its record's outcome (Decision "" while
// the guard has not let it through or turned it back yet, or when the
// record has not arrived) and its occupants' entries.
type Vehicle struct {
	Session   string            `json:"session"`
	Site      string            `json:"site"`
	Unit      string            `json:"unit"`
	Plate     string            `json:"plate"`
	Colour    string            `json:"colour,omitempty"`
	Kind      wire.VehicleKind  `json:"kind"`
	Source    string            `json:"source,omitempty"`
	Time      time.Time         `json:"time"`
	Decision  wire.Decision     `json:"decision"`
	Reasons   []wire.Reason     `json:"reasons"`
	Guard     string            `json:"guard,omitempty"`
	EntryID   string            `json:"entry_id,omitempty"` // the vehicle's record
	Occupants []VehicleOccupant `json:"occupants"`
}

// VehicleOccupant is one person in a vehicle, by their latest entry.
type VehicleOccupant struct {
	EntryID     string           `json:"entry_id"`
	Role        wire.VehicleRole `json:"role"`
	Decision    wire.Decision    `json:"decision"`
	Time        time.Time        `json:"time"`
	CorrectedC  *float64         `json:"corrected_c,omitempty"`
	Credential  string           `json:"credential"`
	ReasonCodes []string         `json:"reason_codes"`
}

// Vehicles groups q's entries into vehicles by their session, oldest
// first, at most q's limit. An occupant's later entry (a re-check, an
// override) replaces the earlier one it amends.
func Vehicles(ctx context.Context, r VehicleReader, q VehicleQuery) ([]Vehicle, error) {
	recs, err := r.VehicleEntries(ctx, q)
	if err != nil {
		return nil, err
	}
	byKey := map[string]*Vehicle{}
	var order []*Vehicle
	for i := range recs {
		e := &recs[i].Entry
		v := e.Vehicle
		key := e.Site + "\x00" + e.Unit + "\x00" + v.Session
		g := byKey[key]
		if g == nil {
			g = &Vehicle{Session: v.Session, Site: e.Site, Unit: e.Unit, Plate: v.Plate, Colour: v.Colour,
				Kind: v.Kind, Source: v.Source, Time: e.Time, Reasons: []wire.Reason{}, Occupants: []VehicleOccupant{}}
			byKey[key] = g
			order = append(order, g)
		}
		if e.Record != nil && e.Record.Vehicle != nil {
			g.Decision, g.Reasons, g.Guard, g.EntryID = e.Record.Vehicle.Decision, e.Reasons, e.Guard, e.ID
			g.Kind, g.Time = v.Kind, e.Time
			continue
		}
		g.addOccupant(e)
	}
	slices.SortStableFunc(order, func(a, b *Vehicle) int { return cmp.Compare(a.Time.UnixNano(), b.Time.UnixNano()) })
	out := make([]Vehicle, 0, min(len(order), Query{Limit: q.Limit}.RowLimit()))
	for _, g := range order {
		if len(out) == cap(out) {
			break
		}
		out = append(out, *g)
	}
	return out, nil
}

// addOccupant adds e's person, or replaces their entry that e amends.
func (g *Vehicle) addOccupant(e *wire.Entry) {
	o := VehicleOccupant{EntryID: e.ID, Role: e.Vehicle.Role, Decision: e.Decision, Time: e.Time,
		Credential: string(e.Credential.Kind), ReasonCodes: make([]string, 0, len(e.Reasons))}
	if t := e.Temperature; t != nil {
		c := t.CorrectedC
		o.CorrectedC = &c
	}
	for _, r := range e.Reasons {
		o.ReasonCodes = append(o.ReasonCodes, r.Code)
	}
	if g.Kind == wire.VehicleUnknown && e.Vehicle.Kind != wire.VehicleUnknown {
		g.Kind = e.Vehicle.Kind
	}
	for i := range g.Occupants {
		if e.Amends != "" && g.Occupants[i].EntryID == e.Amends {
			g.Occupants[i] = o
			return
		}
	}
	g.Occupants = append(g.Occupants, o)
}
