package store

import (
	"errors"
	"fmt"
	"time"

	"github.com/kakou/kakou/firmware/wire"
)

// The centre's watch roster: people in home quarantine (居家隔离), health
// monitoring (健康监测) and returnees (返乡人员), each kept by the site
// (community) responsible for them, so an official of a district manages
// the entries of the sites in it (api scope). The store keeps who a person
// is only as the unit can match them: pass id, keyed hashes of ID number
// and phone (wire.PersonHash), household; never a name or a number.
// Every change takes the roster's next version, across all sites: the
// version the units' roster grows by (cloud/roster).

// WatchEntry is one roster entry as the centre keeps it.
type WatchEntry struct {
	wire.WatchEntry
	Site      string // the community responsible
	Version   uint64 // set by PutWatchEntries: the roster version this change made
	UpdatedAt time.Time
	UpdatedBy string
}

// ErrWatchShape is returned for an entry no unit could match.
var ErrWatchShape = errors.New("store: a roster entry needs a site, a valid entry (wire.WatchEntry.Validate) and who changed it when")

// Check refuses an entry no unit could use, saying why.
func (e WatchEntry) Check() error {
	if wire.ValidateID(e.Site) != nil || e.UpdatedBy == "" || e.UpdatedAt.IsZero() {
		return ErrWatchShape
	}
	if err := e.WatchEntry.Validate(); err != nil {
		return fmt.Errorf("%w: %v", ErrWatchShape, err)
	}
	return nil
}

// WatchQuery selects roster entries. Sites, when not nil, limits them to
// those sites (a caller's scope); Pass and Household find one person or
// household; AfterVersion lists the changes after a version, ended
// entries included; otherwise ended entries are left out unless Ended.
type WatchQuery struct {
	Sites        []string
	ID           string
	Pass         string
	Household    string
	AfterVersion uint64
	Ended        bool
	Limit        int // 0: all
}

// MaxWatchBatch bounds one import, so one request cannot hold the writer.
const MaxWatchBatch = 10_000

// WatchPush is what the roster publisher last published: the signed head
// and the name of every retained part, so a collector that restarts can
// clear the parts no new head names.
type WatchPush struct {
	Head  []byte
	Names []string
}
