package collector

import (
	"context"
	"errors"
	"fmt"

	"github.com/kakou/kakou/cloud/roster"
	"github.com/kakou/kakou/firmware/wire"
)

// watchAdder joins returnees registered at the gates to the centre's watch
// roster, so every gate of the fleet knows them by the hashes of the
// numbers they registered with, their pass and their household.
//
// The roster entry's id is made from the registration's entry id: a
// collector that restarts offers the hold window's returnees again, and
// the second offer finds the entry instead of adding the person twice
// (or republishing them). An official who ended the entry early keeps it
// ended for the same reason.
type watchAdder struct{ r *roster.Service }

// returneeRosterID is the roster id of the returnee registered by entry.
func returneeRosterID(entry string) string { return "r-" + entry }

func (a watchAdder) AddReturnee(ctx context.Context, r Returnee) error {
	id := returneeRosterID(r.EntryID)
	if _, err := a.r.Get(ctx, id); err == nil {
		return nil
	} else if !errors.Is(err, roster.ErrNoEntry) {
		return err
	}
	e := roster.Entry{WatchEntry: wire.WatchEntry{
		ID: id, Pass: r.Pass, IDHash: r.IDHash, PhoneHash: r.PhoneHash,
		Household: wire.NormaliseHousehold(r.Household), Kind: wire.WatchKind(r.Rule.Kind),
		Start: r.Arrived, Plan: r.Rule.Plan, Tests: r.Rule.Tests,
		Note: fmt.Sprintf("返回人员，来自%s", r.Origin),
	}, Site: r.Site, UpdatedBy: "gate " + r.Site + "/" + r.Unit}
	if len([]rune(e.Note)) > 120 {
		e.Note = string([]rune(e.Note)[:120])
	}
	if err := e.WatchEntry.Validate(); err != nil {
		// Nothing a gate could match the person by (no pass, no
		// tracing key for the hashes, no household): the report lists
		// them, the roster cannot.
		return fmt.Errorf("%w: %v", errUnmatchable, err)
	}
	return a.r.Add(ctx, e)
}

// errUnmatchable marks a returnee the roster cannot hold; the sweep logs
// it once and goes on with the others.
var errUnmatchable = errors.New("returnee cannot join the roster")
