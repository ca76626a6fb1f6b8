package credential

import (
	"time"

	"github.com/kakou/kakou/firmware/wire"
)

// Roster is the centre's watch roster as a unit matches it: people in home
// quarantine (居家隔离), in health monitoring (健康监测) and returnees
// (返乡人员), found by pass id, ID-number hash, phone hash or household
// (docs/product.md "More from the plans": their pass raises an alert at any
// gate). It is read-only once built and safe for concurrent use; a new
// roster is a new *Roster swapped in whole. A nil *Roster lists nobody.
type Roster struct {
	version uint64
	entries []wire.WatchEntry
	// The indexes hold positions in entries. A household may hold several
	// people; a pass, an ID or a phone is one person's, but the centre may
	// list them twice (two districts), so every index keeps them all.
	byPass, byID, byPhone, byHousehold map[string][]int32
}

// NewRoster indexes entries, as AssembleWatch returns them, for version.
func NewRoster(version uint64, entries []wire.WatchEntry) *Roster {
	r := &Roster{version: version, entries: entries,
		byPass: map[string][]int32{}, byID: map[string][]int32{}, byPhone: map[string][]int32{},
		byHousehold: map[string][]int32{}}
	for i := range entries {
		e := &entries[i]
		add := func(m map[string][]int32, k string) {
			if k != "" {
				m[k] = append(m[k], int32(i))
			}
		}
		add(r.byPass, e.Pass)
		add(r.byID, e.IDHash)
		add(r.byPhone, e.PhoneHash)
		add(r.byHousehold, e.Household)
	}
	return r
}

// Version is the version of the centre's head the roster was built from.
func (r *Roster) Version() uint64 {
	if r == nil {
		return 0
	}
	return r.version
}

// Len is the number of people listed, ended periods included.
func (r *Roster) Len() int {
	if r == nil {
		return 0
	}
	return len(r.entries)
}

// Entries returns the roster's entries; the caller must not change them.
func (r *Roster) Entries() []wire.WatchEntry {
	if r == nil {
		return nil
	}
	return r.entries
}

// RosterQuery is what the gate knows of the person: a verified pass's id
// and household, a registration's hashes, a visitor's destination.
type RosterQuery struct {
	Pass, Household   string
	IDHash, PhoneHash string
	Destination       string // the household a visitor is going to, in any form (NormaliseHousehold)
}

// Match returns the roster's hit for q, or nil. The person themself (pass,
// ID, phone) is looked for first, then their household, then, for a
// visitor, the household they are visiting; among several hits the most
// severe kind wins (quarantine, monitoring, returnee). An entry whose
// period has ended is ignored, but only when the clock is synced: an
// unsynced unit keeps every entry (package doc, "Passes") — better an alert
// too many than a quarantined person waved through.
func (r *Roster) Match(q RosterQuery, now time.Time, synced bool) *Watch {
	if r == nil || len(r.entries) == 0 {
		return nil
	}
	var best *Watch
	try := func(m map[string][]int32, k, by string) {
		if k == "" {
			return
		}
		for _, i := range m[k] {
			if w := r.hit(i, by, now, synced); w != nil && (best == nil || severity(w.Kind) > severity(best.Kind)) {
				best = w
			}
		}
	}
	try(r.byPass, q.Pass, wire.WatchByPass)
	try(r.byID, q.IDHash, wire.WatchByIDHash)
	try(r.byPhone, q.PhoneHash, wire.WatchByPhoneHash)
	if best == nil {
		try(r.byHousehold, wire.NormaliseHousehold(q.Household), wire.WatchByHousehold)
	}
	if best == nil && q.Destination != "" {
		// Only a quarantined household refuses visitors; monitoring and
		// returnees do not keep them out.
		try(r.byHousehold, wire.NormaliseHousehold(q.Destination), wire.WatchByDestination)
		if best != nil && best.Kind != WatchQuarantine {
			best = nil
		}
	}
	return best
}

func (r *Roster) hit(i int32, by string, now time.Time, synced bool) *Watch {
	e := &r.entries[i]
	kind, ended := e.Phase(now)
	if !synced {
		kind, ended = e.Kind, false
	}
	if ended {
		return nil
	}
	return &Watch{Entry: e.ID, Kind: kind, By: by, Until: e.End(), Outcome: e.Outcome, Note: e.Note}
}

func severity(k WatchKind) int {
	switch k {
	case WatchQuarantine:
		return 3
	case WatchMonitoring:
		return 2
	}
	return 1
}

// MoreSevere returns the more severe of two hits (either may be nil): a
// person's own listing outranks a visit to a listed household, then
// quarantine, monitoring, returnee.
func MoreSevere(a, b *Watch) *Watch {
	switch {
	case a == nil:
		return b
	case b == nil:
		return a
	case (a.By == wire.WatchByDestination) != (b.By == wire.WatchByDestination):
		if a.By == wire.WatchByDestination {
			return b
		}
		return a
	case severity(b.Kind) > severity(a.Kind):
		return b
	}
	return a
}
