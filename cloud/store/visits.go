package store

import (
	"cmp"
	"context"
	"fmt"
	"slices"
	"time"

	"github.com/kakou/kakou/firmware/wire"
)

// Visits (及时销号): a registered visitor's admission opens a visit
// (wire.Visit) and an exit closes it (wire.CloseOut). A unit names the
// visit exactly only when it issued it; an exit at another lane names it
// by what it saw: the QR's lane and seq, a short code, a pass, the hash of
// a phone or ID number. The centre holds every lane's entries, so it is
// where a close-out meets its visit and where "still inside" is decided.
//
// Matching happens when read, not when stored: entries of a site's lanes
// arrive in any order (an exit online while the entrance drains a backlog
// hours later), and a match made at ingest would need to be redone for
// every late visit. Both backends only read the site's visit and
// close-out entries in a window (VisitEntries, on a partial index of
// those few rows); MatchVisits pairs them, the same for both.

// VisitWindow is how far back a visit may have begun and still be listed
// as inside. A visitor inside a week is long past any overstay alert and
// is a case for the site office, not the hand-over list.
const VisitWindow = 7 * 24 * time.Hour

// skew is how far an exit's time may precede its visit's and still close
// it: two units' clocks, both NTP-synced, disagree by seconds, and a
// visitor registered then let out at once must not stay "inside".
const skew = 5 * time.Minute

// VisitRow is one visit as the centre knows it.
type VisitRow struct {
	EntryID, Site, Unit string
	Seq                 uint64
	Code                string
	Name, Phone, ID     string // masked by the unit
	Destination         string
	EnteredAt           time.Time
	MaxStay             time.Duration // 0: no limit
	// Closed: the exit that closed it, when, and by what.
	ExitID, ExitUnit string
	LeftAt           time.Time
	MatchedBy        string
	// What an exit may match it by besides its code; never shown.
	phoneHash, idHash, pass string
}

// Inside reports whether no exit has closed v.
func (v VisitRow) Inside() bool { return v.ExitID == "" }

// Stay is how long v lasted, or has lasted by now.
func (v VisitRow) Stay(now time.Time) time.Duration {
	if !v.Inside() {
		return v.LeftAt.Sub(v.EnteredAt)
	}
	return now.Sub(v.EnteredAt)
}

// Overstayed reports whether v is inside past its policy's limit at now.
func (v VisitRow) Overstayed(now time.Time) bool {
	return v.Inside() && v.MaxStay > 0 && v.Stay(now) > v.MaxStay
}

// VisitQuery selects a site's visits that began in [Since, Until).
type VisitQuery struct {
	Site         string
	Since, Until time.Time
}

// VisitReader is what Visits needs of a backend.
type VisitReader interface {
	// VisitEntries returns the site's entries at or after since that
	// carry a visit or a close-out, oldest first.
	VisitEntries(ctx context.Context, site string, since time.Time) ([]Record, error)
}

// Visits is the site's visits begun in q's window, each with the exit
// that closed it if one did, oldest first.
func Visits(ctx context.Context, r VisitReader, q VisitQuery) ([]VisitRow, error) {
	if q.Site == "" {
		return nil, fmt.Errorf("store: visits: a site is needed")
	}
	recs, err := r.VisitEntries(ctx, q.Site, q.Since)
	if err != nil {
		return nil, err
	}
	rows := MatchVisits(recs)
	return slices.DeleteFunc(rows, func(v VisitRow) bool {
		return !q.Until.IsZero() && !v.EnteredAt.Before(q.Until)
	}), nil
}

// MatchVisits pairs each close-out in recs with the visit it names. An
// exit closes one visit, the one it names most exactly: by the visit's
// id, then its lane and seq, then the newest still-open visit with its
// short code, pass or hash that began before the exit.
func MatchVisits(recs []Record) []VisitRow {
	var rows []VisitRow
	type exit struct {
		r  Record
		at time.Time
	}
	var exits []exit
	for _, r := range recs {
		at := EntryTS(&r.Entry, r.ReceivedAt)
		switch {
		case r.Visit != nil && r.Visitor != nil:
			rows = append(rows, visitRow(r, at))
		case r.CloseOut != nil:
			exits = append(exits, exit{r, at})
		}
	}
	slices.SortStableFunc(rows, func(a, b VisitRow) int { return a.EnteredAt.Compare(b.EnteredAt) })
	slices.SortStableFunc(exits, func(a, b exit) int { return a.at.Compare(b.at) })
	byExact := map[string]int{}
	for i, v := range rows {
		byExact[v.EntryID] = i
		byExact[fmt.Sprintf("%s#%d", v.Unit, v.Seq)] = i
	}
	for _, x := range exits {
		i, ok := exactly(byExact, x.r.CloseOut)
		if !ok {
			i, ok = newestOpen(rows, x.r, x.at)
		}
		if ok && rows[i].Inside() {
			rows[i].ExitID, rows[i].ExitUnit, rows[i].LeftAt = x.r.ID, x.r.Unit, x.at
			rows[i].MatchedBy = x.r.CloseOut.MatchedBy
		}
	}
	return rows
}

func visitRow(r Record, at time.Time) VisitRow {
	v := r.Visitor
	return VisitRow{EntryID: r.ID, Site: r.Site, Unit: r.Unit, Seq: r.Seq, Code: r.Visit.Code,
		Name: v.Name, Phone: v.Phone, ID: v.ID, Destination: v.Destination, EnteredAt: at,
		MaxStay:   time.Duration(r.Visit.MaxStaySeconds) * time.Second,
		phoneHash: v.PhoneHash, idHash: v.IDHash, pass: r.Credential.Subject}
}

// exactly finds the visit c names by id, or by its lane and seq.
func exactly(byExact map[string]int, c *wire.CloseOut) (int, bool) {
	if i, ok := byExact[c.Visit]; ok && c.Visit != "" {
		return i, true
	}
	if c.Unit != "" && c.Seq != 0 {
		i, ok := byExact[fmt.Sprintf("%s#%d", c.Unit, c.Seq)]
		return i, ok
	}
	return 0, false
}

// newestOpen is the newest visit still open that began before the exit
// (within skew) and has the code, pass or hash the exit saw.
func newestOpen(rows []VisitRow, x Record, at time.Time) (int, bool) {
	c := x.CloseOut
	if c.Visit != "" || c.Unit != "" {
		return 0, false // it named a visit exactly, one this window does not hold
	}
	for i := len(rows) - 1; i >= 0; i-- {
		v := rows[i]
		if !v.Inside() || v.EnteredAt.After(at.Add(skew)) {
			continue
		}
		if matches(v, x.Entry, c) {
			return i, true
		}
	}
	return 0, false
}

func matches(v VisitRow, _ wire.Entry, c *wire.CloseOut) bool {
	switch c.MatchedBy {
	case wire.MatchedByCode:
		return c.Code != "" && c.Code == v.Code
	case wire.MatchedByPhone, wire.MatchedByID, wire.MatchedByPass:
		return c.Key != "" && slices.Contains(v.keys(c.MatchedBy), c.Key)
	}
	return false
}

// keys are what an exit may match v by, besides the code.
func (v VisitRow) keys(by string) []string {
	switch by {
	case wire.MatchedByPhone:
		return []string{v.phoneHash}
	case wire.MatchedByID:
		return []string{v.idHash}
	}
	return []string{v.pass}
}

// OverstayAlertID names the one overstay alert a visit can raise.
func OverstayAlertID(v VisitRow) string { return "overstay-" + v.Site + "/" + v.EntryID }

// OverstayAlert is the alert for a visitor inside past the limit.
func OverstayAlert(v VisitRow, now time.Time) Alert {
	return Alert{ID: OverstayAlertID(v), Site: v.Site, Unit: v.Unit, Kind: "overstay", RaisedAt: now,
		EntryID: v.EntryID, Detail: fmt.Sprintf("访客 %s (%s) 入场 %s，超过 %s 未销号 / visitor %s inside past the %s limit",
			v.Name, v.Code, v.EnteredAt.Format("2006-01-02 15:04"), v.MaxStay, v.Code, v.MaxStay)}
}

// VisitAlerter is what RaiseOverstays needs of a backend.
type VisitAlerter interface {
	VisitReader
	// RaiseAlert stores a unless its id is already stored, and reports
	// whether it was new.
	RaiseAlert(ctx context.Context, a Alert) (bool, error)
}

// RaiseOverstays raises an alert for each visitor at site inside past
// their visit's limit at now, once per visit however often it runs: the
// alert's id is the visit's. It returns the alerts that were new.
func RaiseOverstays(ctx context.Context, s VisitAlerter, site string, now time.Time) ([]Alert, error) {
	rows, err := Visits(ctx, s, VisitQuery{Site: site, Since: now.Add(-VisitWindow)})
	if err != nil {
		return nil, err
	}
	var raised []Alert
	for _, v := range rows {
		if !v.Overstayed(now) {
			continue
		}
		a := OverstayAlert(v, now)
		fresh, err := s.RaiseAlert(ctx, a)
		if err != nil {
			return raised, err
		}
		if fresh {
			raised = append(raised, a)
		}
	}
	return raised, nil
}

// AllVisitReader reads every site's visit entries in one query, so a
// report over a thousand sites is one round trip, not a thousand.
type AllVisitReader interface {
	// AllVisitEntries returns every site's entries at or after since
	// that carry a visit or a close-out, by site and time (entries of
	// one site at one instant in any order: VisitsBySite sorts them).
	AllVisitEntries(ctx context.Context, since time.Time) ([]Record, error)
}

// VisitsBySite is every site's visits begun in [since, until), each
// matched with the exit that closed it, by site: what Visits says of each
// site, from one read.
func VisitsBySite(ctx context.Context, r AllVisitReader, since, until time.Time) (map[string][]VisitRow, error) {
	recs, err := r.AllVisitEntries(ctx, since)
	if err != nil {
		return nil, err
	}
	bySite := map[string][]Record{}
	for _, rec := range recs {
		bySite[rec.Site] = append(bySite[rec.Site], rec)
	}
	out := make(map[string][]VisitRow, len(bySite))
	for site, recs := range bySite {
		// As VisitEntries orders them: by time, then seq.
		slices.SortStableFunc(recs, func(a, b Record) int {
			if c := EntryTS(&a.Entry, a.ReceivedAt).Compare(EntryTS(&b.Entry, b.ReceivedAt)); c != 0 {
				return c
			}
			return cmp.Compare(a.Seq, b.Seq)
		})
		out[site] = slices.DeleteFunc(MatchVisits(recs), func(v VisitRow) bool {
			return !until.IsZero() && !v.EnteredAt.Before(until)
		})
	}
	return out, nil
}
