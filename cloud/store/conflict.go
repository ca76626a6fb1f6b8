package store

import (
	"encoding/json"
	"fmt"
	"time"

	"github.com/kakou/kakou/firmware/wire"
)

// A conflict is an entry whose key is taken by a different entry: its
// (site, unit, seq) is stored under another id, or its id under another
// key, or the same id and key with other contents. A re-send is none of
// these, and costs nothing; a conflict means two writers claim one place
// in a unit's history: a forger on an open broker, or a unit whose ledger
// was wiped and counts from 1 again.
//
// The entry stored first stays; the one that came second is set aside,
// whole, as a dead letter naming both ids, in the same transaction, and
// raises an alert. It is never silently dropped as a duplicate, and it is
// never what moves a watermark: only rows of the entries table do. Setting
// it aside rather than refusing it (leaving it unacknowledged) is the only
// choice that cannot lose it: the collector cannot tell which of the two
// is the unit's own, and a watermark may already cover the seq, so a
// refused entry would either be re-sent for ever or dropped by the unit on
// the ack anyway. An operator compares the two and keeps the right one
// (cloud/README.md "The acknowledgement").
type Conflict struct {
	Entry    wire.Entry // the entry set aside
	StoredID string     // the entry that holds its place
	Reason   string
}

// AlertConflict is the alert kind a conflict raises.
const AlertConflict = "conflict"

// SetAside finds the conflicts among the entries an insert skipped (those
// not in fresh) and keeps each: holders reads the stored rows that hold an
// entry's id or its (site, unit, seq), keep writes the conflict's dead
// letter and alert. Both backends run it, each with its own I/O, so they
// tell a re-send from a conflict by the same rule. A re-send costs one
// holders look-up.
func SetAside(entries []wire.Entry, fresh map[RowKey]bool, holders func(*wire.Entry) ([]wire.Entry, error),
	keep func(Conflict) error) ([]Conflict, error) {
	var out []Conflict
	for i := range entries {
		e := &entries[i]
		if fresh[KeyOf(e)] {
			continue
		}
		stored, err := holders(e)
		if err != nil {
			return nil, fmt.Errorf("entry %s: %w", e.ID, err)
		}
		c, ok := ConflictOf(e, stored)
		if !ok {
			continue
		}
		if err := keep(c); err != nil {
			return nil, fmt.Errorf("entry %s: set aside: %w", e.ID, err)
		}
		out = append(out, c)
	}
	return out, nil
}

// ConflictOf compares an entry that was not inserted with the stored rows
// that hold its id or its key, and says what kind of conflict it is, if
// any. stored holds at most two rows: the one with e's id and the one
// with e's (site, unit, seq).
func ConflictOf(e *wire.Entry, stored []wire.Entry) (Conflict, bool) {
	for i := range stored {
		s := &stored[i]
		sameKey := s.Site == e.Site && s.Unit == e.Unit && s.Seq == e.Seq
		switch {
		case s.ID == e.ID && sameKey && sameEntry(s, e):
			return Conflict{}, false // a re-send
		case s.ID == e.ID && sameKey:
			return Conflict{*e, s.ID, "the same id and seq were stored with other contents"}, true
		case s.ID == e.ID:
			return Conflict{*e, s.ID, fmt.Sprintf("the id is stored as %s/%s seq %d", s.Site, s.Unit, s.Seq)}, true
		case sameKey:
			return Conflict{*e, s.ID, fmt.Sprintf("seq %d of %s/%s is stored as entry %s", e.Seq, e.Site, e.Unit, s.ID)}, true
		}
	}
	// Neither row found: the row that was in the way is gone (a purge
	// between the insert and this look-up cannot happen in one
	// transaction), so this cannot be reached but by a store bug.
	return Conflict{*e, "", "not stored, and nothing holds its place"}, true
}

// sameEntry says whether a and b are one entry. A re-send differs only in
// Historical, which the uplink sets on a backlog's copies, and in how its
// time was written.
func sameEntry(a, b *wire.Entry) bool {
	x, errX := json.Marshal(normalized(*a))
	y, errY := json.Marshal(normalized(*b))
	return errX == nil && errY == nil && string(x) == string(y)
}

func normalized(e wire.Entry) wire.Entry {
	e.Historical, e.Schema = false, wire.SchemaVersion
	e.Time = e.Time.UTC().Round(0)
	if len(e.Reasons) == 0 {
		e.Reasons = nil
	}
	return e
}

// DeadLetter is the conflict as the dead-letter table keeps it: the entry
// whole (entries are far below MaxDeadPayload), with both ids in the error.
func (c Conflict) DeadLetter(receivedAt time.Time) DeadLetter {
	body, _ := json.Marshal(c.Entry) // plain data: cannot fail
	return DeadLetter{Topic: wire.EntryTopic(c.Entry.Site, c.Entry.Unit), Payload: body, Size: len(body),
		Error: fmt.Sprintf("conflict: entry %s set aside, not stored: %s (kept: entry %s)",
			c.Entry.ID, c.Reason, c.StoredID),
		ReceivedAt: receivedAt}
}

// Alert is what the alert feed says of the conflict. Its id is the set-
// aside entry's, so the same conflict re-sent raises one alert.
func (c Conflict) Alert(receivedAt time.Time) Alert {
	return Alert{ID: "conflict-" + c.Entry.ID + "-" + c.StoredID, Site: c.Entry.Site, Unit: c.Entry.Unit,
		Kind: AlertConflict, RaisedAt: receivedAt, EntryID: c.StoredID,
		Detail: fmt.Sprintf("两条记录争用同一序号：已存 %s，另一条 %s 已搁置待核查 (%s)", c.StoredID, c.Entry.ID, c.Reason)}
}
