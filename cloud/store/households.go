package store

import (
	"cmp"
	"context"
	"fmt"
	"slices"
	"time"

	"github.com/kakou/kakou/firmware/wire"
)

// One pass per household (一户一卡; the rule is wire.HouseholdWindow). The
// centre counts each household's uses from the entries it stores, the
// uses the lanes made and the resets and adjustments the property office
// made (records of kind household), so its count is whatever the lanes
// did, in whatever order their entries arrive: a lane that was offline
// sends its uses late, and the count heals when they land. A household
// that went out more often than its allowance within one period — two
// lanes letting a copied pass out at once, or a lane cut off from its
// gateway — raises one alert per overuse (KindHouseholdOverQuota).

// KindHouseholdOverQuota is the alert a household over its allowance
// raises.
const KindHouseholdOverQuota = "household_over_quota"

// HouseholdWindowMax is how far back the centre reads household entries:
// the longest period a policy may set.
const HouseholdWindowMax = wire.MaxHouseholdPeriod * time.Second

// HouseholdReader is what Households needs of a backend.
type HouseholdReader interface {
	// HouseholdEntries returns the site's entries at or after since that
	// carry a household block or a household record, oldest first.
	HouseholdEntries(ctx context.Context, site string, since time.Time) ([]Record, error)
}

// HouseholdRow is one household at a site as the centre counts it.
type HouseholdRow struct {
	Household     string
	Used          int // in the period ending now
	Allowance     int
	PeriodSeconds int64
	NextAt        time.Time // zero: may go now
	// OverQuota: at some use the household had gone out more often than
	// its allowance within one period; Overuse names that use's entry.
	OverQuota bool
	Overuse   Record
	Units     []string // the lanes that counted its uses
	LastUse   time.Time
}

// Households counts every household with entries at site since now less
// the longest period, by household id.
func Households(ctx context.Context, r HouseholdReader, site string, now time.Time) ([]HouseholdRow, error) {
	if site == "" {
		return nil, fmt.Errorf("store: households: a site is needed")
	}
	recs, err := r.HouseholdEntries(ctx, site, now.Add(-HouseholdWindowMax))
	if err != nil {
		return nil, err
	}
	// By the time they happened, however they arrived; seq breaks ties.
	slices.SortStableFunc(recs, func(a, b Record) int {
		return cmp.Or(EntryTS(&a.Entry, a.ReceivedAt).Compare(EntryTS(&b.Entry, b.ReceivedAt)), cmp.Compare(a.Seq, b.Seq))
	})
	books := map[string]*HouseholdRow{}
	uses := map[string][]wire.HouseholdUse{}
	for _, rec := range recs {
		countHousehold(books, uses, rec)
	}
	out := make([]HouseholdRow, 0, len(books))
	for id, b := range books {
		if b.PeriodSeconds > 0 {
			period := time.Duration(b.PeriodSeconds) * time.Second
			b.Used, b.NextAt = wire.HouseholdWindow(uses[id], now, period, b.Allowance)
		}
		out = append(out, *b)
	}
	slices.SortFunc(out, func(a, b HouseholdRow) int { return cmp.Compare(a.Household, b.Household) })
	return out, nil
}

// countHousehold applies one entry, in time order, to its household.
func countHousehold(books map[string]*HouseholdRow, uses map[string][]wire.HouseholdUse, rec Record) {
	at := EntryTS(&rec.Entry, rec.ReceivedAt)
	id, n, reset := "", 0, false
	switch e := &rec.Entry; {
	case e.Household != nil && e.Household.Counted && e.Decision == wire.Allow:
		id, n = e.Household.ID, 1
	case e.Record != nil && e.Record.Household != nil:
		c := e.Record.Household
		id, n, reset = c.Household, -c.Delta, c.Action == wire.HouseholdReset
	default:
		return
	}
	b := books[id]
	if b == nil {
		b = &HouseholdRow{Household: id}
		books[id] = b
	}
	if reset {
		uses[id] = nil
		return
	}
	uses[id] = append(uses[id], wire.HouseholdUse{At: at, N: n})
	if n <= 0 {
		return
	}
	h := rec.Household
	b.Allowance, b.PeriodSeconds, b.LastUse = h.Allowance, h.PeriodSeconds, at
	if !slices.Contains(b.Units, rec.Unit) {
		b.Units = append(b.Units, rec.Unit)
	}
	used, _ := wire.HouseholdWindow(uses[id], at, time.Duration(h.PeriodSeconds)*time.Second, h.Allowance)
	if used > h.Allowance {
		b.OverQuota, b.Overuse = true, rec
	}
}

// HouseholdAlerter is what RaiseHouseholdOverQuota needs of a backend.
type HouseholdAlerter interface {
	HouseholdReader
	RaiseAlert(ctx context.Context, a Alert) (bool, error)
}

// HouseholdOverQuotaAlert is the alert for the use that put household
// over its allowance.
func HouseholdOverQuotaAlert(h HouseholdRow, site string, now time.Time) Alert {
	return Alert{ID: "household-" + site + "/" + h.Overuse.ID, Site: site, Unit: h.Overuse.Unit,
		Kind: KindHouseholdOverQuota, RaisedAt: now, EntryID: h.Overuse.ID,
		Detail: fmt.Sprintf("户 %s 一期内通行超过 %d 次（%s）/ household %s went out more than %d times in one period (lanes %v)",
			h.Household, h.Allowance, h.Overuse.Unit, h.Household, h.Allowance, h.Units)}
}

// RaiseHouseholdOverQuota raises an alert for each household at site the
// healed count finds over its allowance, once per overusing entry however
// often it runs; it returns the alerts that were new.
func RaiseHouseholdOverQuota(ctx context.Context, s HouseholdAlerter, site string, now time.Time) ([]Alert, error) {
	rows, err := Households(ctx, s, site, now)
	if err != nil {
		return nil, err
	}
	var raised []Alert
	for _, h := range rows {
		if !h.OverQuota {
			continue
		}
		a := HouseholdOverQuotaAlert(h, site, now)
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
