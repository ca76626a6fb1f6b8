package api

import (
	"fmt"
	"net/http"
	"slices"
	"strings"
	"time"

	"github.com/kakou/kakou/cloud/store"
	"github.com/kakou/kakou/firmware/wire"
)

// dutyTurn is one turn of a duty at a unit, as the centre learnt of it.
type dutyTurn struct {
	Unit   string    `json:"unit"`
	Duty   string    `json:"duty"`
	Name   string    `json:"name"`
	Slot   string    `json:"slot"`
	By     string    `json:"by,omitempty"`
	ByName string    `json:"by_name,omitempty"`
	At     time.Time `json:"at"` // when it was logged, or found missed
	Note   string    `json:"note,omitempty"`
	Entry  string    `json:"entry"`
}

// handOver is a shift record, summarised.
type handOver struct {
	Unit         string                `json:"unit"`
	At           time.Time             `json:"at"`
	Outgoing     string                `json:"outgoing"`
	OutgoingName string                `json:"outgoing_name,omitempty"`
	Incoming     string                `json:"incoming"`
	IncomingName string                `json:"incoming_name,omitempty"`
	Counts       map[wire.Decision]int `json:"counts"`
	InsideTotal  int                   `json:"inside_total"`
	OpenTotal    int                   `json:"open_total"`
	Note         string                `json:"note,omitempty"`
	Entry        string                `json:"entry"`
}

// siteDuties is one site's duty log for a day. Due counts the turns the
// centre knows of: done, or recorded missed by the unit when their window
// closed. A turn still open is in neither; the centre cannot know a
// schedule only the site's policy holds.
type siteDuties struct {
	Site      string     `json:"site"`
	Due       int        `json:"due"`
	Done      []dutyTurn `json:"done"`
	Missed    []dutyTurn `json:"missed"`
	HandOvers []handOver `json:"handovers"`
	// Attendance is who signed in and out at which lane, in order: who
	// was on duty when (docs/product.md "Guards on duty sign in per shift").
	Attendance []attendance `json:"attendance"`
}

// attendance is one guard signing in or out at a lane's console.
type attendance struct {
	Unit      string          `json:"unit"`
	At        time.Time       `json:"at"`
	Kind      wire.RecordKind `json:"kind"` // sign_in or sign_out
	Guard     string          `json:"guard"`
	GuardName string          `json:"guard_name,omitempty"`
	Entry     string          `json:"entry"`
}

// duties answers GET /api/v1/duties?site=&unit=&date=YYYY-MM-DD: per
// site in the caller's scope, the duties done (who, when) and missed on
// that day of the units' calendar (today unless given), and the shifts
// handed over. A missed duty raises no alert: it is listed here, on the
// dashboard and in the daily report.
func (s *server) duties(w http.ResponseWriter, r *http.Request) {
	var site, unit string
	day := s.opts.Now().In(s.opts.Location)
	err := readParams(r.URL.Query(), map[string]func(string) error{
		"site": func(v string) error { return idParam(&site, v) },
		"unit": func(v string) error { return idParam(&unit, v) },
		"date": func(v string) error {
			d, err := time.ParseInLocation(time.DateOnly, v, s.opts.Location)
			if err != nil {
				return fmt.Errorf("%q is not a date like 2026-12-07", v)
			}
			day = d
			return inStoreRange(d)
		},
	})
	c := s.caller(r)
	if err == nil {
		err = c.narrow(&site, &unit)
	}
	if err == nil {
		err = s.checkUnit(r.Context(), c, site, unit)
	}
	if err != nil {
		refuse(w, err)
		return
	}
	y, m, d := day.Date()
	start := time.Date(y, m, d, 0, 0, 0, 0, s.opts.Location)
	sites := []string{site}
	if site == "" {
		if sites, err = s.siteIDs(r, c); err != nil {
			s.internal(w, "list the sites", err)
			return
		}
	}
	out := []siteDuties{}
	for _, id := range sites {
		// A turn's record is made within its day or, for a turn that
		// closes at midnight or a unit back from an outage, the day after.
		recs, err := s.store.Entries(r.Context(), store.Query{Site: id, Unit: unit, Records: true,
			Since: start, Until: start.AddDate(0, 0, 2), Limit: store.MaxLimit})
		if err != nil {
			s.internal(w, "query the duty log", err)
			return
		}
		out = append(out, dutyDay(id, start.Format(time.DateOnly), recs))
	}
	writeJSON(w, http.StatusOK, map[string]any{"date": start.Format(time.DateOnly), "sites": out})
}

// siteIDs are the sites the centre knows of, configured or heard from.
func (s *server) siteIDs(r *http.Request, c Caller) ([]string, error) {
	units, err := s.store.Units(r.Context(), s.opts.Now())
	if err != nil {
		return nil, err
	}
	seen := map[string]bool{}
	var out []string
	for _, u := range units {
		if !seen[u.Site] && c.seesSite(u.Site) {
			seen[u.Site] = true
			out = append(out, u.Site)
		}
	}
	slices.Sort(out)
	return out, nil
}

// dutyDay sorts a site's records into the day's duty log. A turn logged
// twice counts once: the first done log, which also outranks a missed
// record the unit wrote in the same moment (firmware/duty does alike).
func dutyDay(site, date string, recs []store.Record) siteDuties {
	slices.SortFunc(recs, func(a, b store.Record) int { return a.Time.Compare(b.Time) })
	out := siteDuties{Site: site, Done: []dutyTurn{}, Missed: []dutyTurn{}, HandOvers: []handOver{}, Attendance: []attendance{}}
	type key struct{ unit, duty, slot string }
	done, missed := map[key]dutyTurn{}, map[key]dutyTurn{}
	for _, rec := range recs {
		e := rec.Entry
		switch r := e.Record; {
		case r == nil:
		case r.Shift != nil && sameDay(e, date):
			out.HandOvers = append(out.HandOvers, handOver{Unit: e.Unit, At: e.Time, Outgoing: e.Guard,
				OutgoingName: r.GuardName, Incoming: r.Shift.Incoming, IncomingName: r.Shift.IncomingName,
				Counts: r.Shift.Counts, InsideTotal: r.Shift.InsideTotal, OpenTotal: r.Shift.OpenTotal,
				Note: r.Note, Entry: e.ID})
		case (r.Kind == wire.RecordSignIn || r.Kind == wire.RecordSignOut) && sameDay(e, date):
			out.Attendance = append(out.Attendance, attendance{Unit: e.Unit, At: e.Time, Kind: r.Kind,
				Guard: e.Guard, GuardName: r.GuardName, Entry: e.ID})
		case r.Duty != nil && r.Duty.Day == date:
			k := key{e.Unit, r.Duty.ID, r.Duty.Slot}
			t := dutyTurn{Unit: e.Unit, Duty: r.Duty.ID, Name: r.Duty.Name, Slot: r.Duty.Slot, At: e.Time, Entry: e.ID}
			if _, ok := done[k]; ok {
				continue
			}
			if r.Duty.Missed {
				missed[k] = t
				continue
			}
			t.By, t.ByName, t.Note = e.Guard, r.GuardName, r.Note
			done[k] = t
			delete(missed, k)
		}
	}
	for _, t := range done {
		out.Done = append(out.Done, t)
	}
	for _, t := range missed {
		out.Missed = append(out.Missed, t)
	}
	byTurn := func(a, b dutyTurn) int {
		return strings.Compare(a.Unit+a.Duty+a.Slot, b.Unit+b.Duty+b.Slot)
	}
	slices.SortFunc(out.Done, byTurn)
	slices.SortFunc(out.Missed, byTurn)
	out.Due = len(out.Done) + len(out.Missed)
	return out
}

// sameDay says whether a hand-over falls on date, by the day its unit
// wrote in its own records' calendar: the unit's local date of e.Time.
func sameDay(e wire.Entry, date string) bool {
	return e.Time.Format(time.DateOnly) == date
}
