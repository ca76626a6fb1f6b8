package store

import (
	"context"
	"errors"
	"slices"
	"time"

	"github.com/kakou/kakou/firmware/wire"
)

// Holds for sampling (docs/product.md "More from the plans": hold, go to
// the sampling point, released on a negative result). A unit records a
// hold as an entry with decision hold and the release as a later entry of
// the same unit that amends it (wire "Entry": reason
// released_after_negative_result). As with visits, the centre pairs them
// when read, not when stored: a release may arrive before its hold when
// the unit drains a backlog. Both backends only read a site's hold-related
// entries (HoldEntries, on a partial index of those few rows, which also
// holds the returnees' registrations); MatchHolds pairs them.
//
// The centre also keeps the test results its operators record
// (TestResult): they go to the units of the sites holding the person
// (cloud/fleet results.go), which write the releases.

// KindTestPositive is the alert a positive result raises for each
// pending hold of the person it names: a held person who tested positive
// is reported at once, and is not released.
const KindTestPositive = "test_positive"

// HoldWindow is how far back a hold may have begun and still be listed:
// a plan's longest schedule (14+7+7) is four weeks.
const HoldWindow = 28 * 24 * time.Hour

// HoldRow is one hold as the centre knows it.
type HoldRow struct {
	EntryID, Site, Unit string
	Seq                 uint64
	HeldAt              time.Time
	Reasons             []wire.Reason
	Name, Phone, ID     string // masked by the unit; "" without a registration
	Pass                string // the credential's subject, masked when shown
	Returnee            *wire.Returnee
	// The release: its entry, when, and the guard on duty.
	ReleaseID, ReleasedBy string
	ReleasedAt            time.Time
	// What a result may name the person by; never shown.
	IDHash, PhoneHash string
}

// Pending reports whether nothing has released h.
func (h HoldRow) Pending() bool { return h.ReleaseID == "" }

// Names reports whether r names h's person by any key they were held with.
func (h HoldRow) Names(r wire.TestResult) bool {
	return r.Pass != "" && r.Pass == h.Pass ||
		r.IDHash != "" && r.IDHash == h.IDHash ||
		r.PhoneHash != "" && r.PhoneHash == h.PhoneHash
}

// HoldReader is what Holds needs of a backend.
type HoldReader interface {
	// HoldEntries returns the entries of site ("" every site) at or
	// after since that hold someone, release someone, or register a
	// returnee, oldest first.
	HoldEntries(ctx context.Context, site string, since time.Time) ([]Record, error)
}

// Holds returns the holds of site ("" every site) begun at or after
// since, oldest first, each with its release if one is stored.
func Holds(ctx context.Context, st HoldReader, site string, since time.Time) ([]HoldRow, error) {
	rs, err := st.HoldEntries(ctx, site, since)
	if err != nil {
		return nil, err
	}
	return MatchHolds(rs), nil
}

// MatchHolds pairs hold entries with the entries that release them. A
// person held again while pending (reason hold_pending_result) is the
// same hold, not a new one; a release names the first hold by Amends.
func MatchHolds(rs []Record) []HoldRow {
	var out []HoldRow
	at := map[string]int{} // hold entry id → index in out
	var releases []Record
	for _, r := range rs {
		switch {
		case r.Decision == wire.Hold && !hasReasonCode(r.Reasons, wire.ReasonStillHeld):
			at[r.ID] = len(out)
			out = append(out, holdRow(r))
		case r.Decision == wire.Allow && hasReasonCode(r.Reasons, wire.ReasonReleased):
			releases = append(releases, r)
		}
	}
	for _, r := range releases {
		if i, ok := at[r.Amends]; ok && out[i].Site == r.Site && out[i].Unit == r.Unit {
			out[i].ReleaseID, out[i].ReleasedBy, out[i].ReleasedAt = r.ID, r.Guard, EntryTS(&r.Entry, r.ReceivedAt)
		}
	}
	return out
}

func holdRow(r Record) HoldRow {
	h := HoldRow{EntryID: r.ID, Site: r.Site, Unit: r.Unit, Seq: r.Seq, HeldAt: EntryTS(&r.Entry, r.ReceivedAt),
		Reasons: r.Reasons, Returnee: r.Returnee}
	if r.Credential.Kind == wire.CredentialResidentPass {
		h.Pass = r.Credential.Subject
	}
	if v := r.Visitor; v != nil {
		h.Name, h.Phone, h.ID, h.IDHash, h.PhoneHash = v.Name, v.Phone, v.ID, v.IDHash, v.PhoneHash
	}
	return h
}

// IsReturneeRegistration reports whether r registers a returnee: the
// first entry of one, not a re-hold or a release, which carry the block
// again.
func IsReturneeRegistration(r Record) bool {
	return r.Returnee != nil && r.Visitor != nil && r.Record == nil &&
		!hasReasonCode(r.Reasons, wire.ReasonStillHeld) && !hasReasonCode(r.Reasons, wire.ReasonReleased)
}

func hasReasonCode(rs []wire.Reason, code string) bool {
	return slices.ContainsFunc(rs, func(r wire.Reason) bool { return r.Code == code })
}

// TestResult is a nucleic-acid result an operator recorded at the centre.
// Seq is the store's order of recording, which numbers the pushes to the
// units (wire.ResultPush.Version); Scope is the region the operator was
// limited to ("" the whole city): the result goes to that region's sites.
type TestResult struct {
	Seq        uint64
	Result     wire.TestResult
	Scope      string
	By         string
	RecordedAt time.Time
}

// ErrResultShape is returned for a result no unit could use.
var ErrResultShape = errors.New("store: a result needs an id, a pass, an ID hash or a phone hash, negative or positive, a sampling time, who recorded it and when")

// Check refuses a result no unit could use.
func (r TestResult) Check() error {
	if r.Result.Validate() != nil || r.By == "" || r.RecordedAt.IsZero() {
		return ErrResultShape
	}
	return nil
}

// ResultStore keeps test results.
type ResultStore interface {
	// PutResult stores r unless its id is stored already, and returns
	// the result as stored (the first, with its Seq) and whether it is new.
	PutResult(ctx context.Context, r TestResult) (TestResult, bool, error)
	// Results returns the results recorded at or after since, oldest
	// first.
	Results(ctx context.Context, since time.Time) ([]TestResult, error)
}
