// Package visit keeps a lane's visits (及时销号: a registered visitor is
// closed out when they leave). At an entrance it opens a visit for each
// visitor admitted after registration, whose short code and QR the guard
// hands over; at an exit it closes the visit the person leaving shows —
// by its QR, its short code, the pass it was registered with, or the
// phone or ID number the guard types, which is hashed and never kept.
//
// A Book sits between the screening pipeline and the ledger (it is the
// pipeline's Ledger), so the visit or the close-out is part of the entry
// written before the gate opens, not a second record that could be lost.
//
// What a lane knows is its own ledger. A visit registered at another lane
// of the site is named by what the exit saw — the QR describes its lane,
// seq and start, a short code or a hash is recorded as typed — and the
// centre, which holds every lane's entries, matches it there and is the
// authority on who is still inside (cloud/store "Visits").
package visit

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sync"
	"time"

	"github.com/kakou/kakou/firmware/wire"
)

// Ledger is what a Book needs of the unit's ledger (*ledger.Ledger).
type Ledger interface {
	Append(ctx context.Context, e *wire.Entry) error
	Admissions(ctx context.Context, afterSeq uint64) ([]uint64, error)
	VisitEntries(ctx context.Context) ([]wire.Entry, error)
}

// Options name the lane and give the Book its keys and clock.
type Options struct {
	Site, Unit string
	Lane       wire.Lane
	// Prefix is the first digit of the lane's short codes, 1-9 ([visits]
	// prefix); lanes of one site that register visitors need distinct ones.
	Prefix int
	// Key tags visit QR codes (wire.VisitKey); nil: unsigned, and a
	// scanned code's tag cannot be checked either.
	Key []byte
	// Hash is the tracing hash of a typed phone ("phone") or ID ("id")
	// number (credential.Privacy); "" without a tracing key.
	Hash func(kind, number string) string
	// MaxStay is the running policy's [checks.visitor] max_stay; 0: none.
	MaxStay func() time.Duration
	// Now, NewID, BootID and PolicyVersion stamp the entries a guard's
	// close-out makes, as the pipeline stamps screened ones.
	Now           func() (time.Time, bool)
	NewID         func() string
	BootID        string
	PolicyVersion func() string
}

// Book is a lane's open visits, in front of its ledger. Safe for
// concurrent use: mu serialises matching with the append, so two exits
// cannot both close one visit.
type Book struct {
	l Ledger
	o Options

	mu    sync.Mutex
	open  []wire.Entry      // visits this lane opened and has not seen closed, oldest first
	alias map[string]string // entry id → the visit entry it continues (an amendment after admission)
}

// Open rebuilds the lane's open visits from its ledger.
func Open(ctx context.Context, l Ledger, o Options) (*Book, error) {
	if o.Prefix < 1 || o.Prefix > 9 {
		return nil, fmt.Errorf("visit: prefix %d is not 1-9", o.Prefix)
	}
	if o.Now == nil || o.NewID == nil {
		return nil, errors.New("visit: Now and NewID are required")
	}
	if o.Hash == nil {
		o.Hash = func(string, string) string { return "" }
	}
	if o.MaxStay == nil {
		o.MaxStay = func() time.Duration { return 0 }
	}
	if o.PolicyVersion == nil {
		o.PolicyVersion = func() string { return "" }
	}
	es, err := l.VisitEntries(ctx)
	if err != nil {
		return nil, fmt.Errorf("visit: %w", err)
	}
	b := &Book{l: l, o: o, alias: map[string]string{}}
	for _, e := range es {
		b.record(e)
	}
	return b, nil
}

// Admissions passes through to the ledger (screening.Ledger).
func (b *Book) Admissions(ctx context.Context, afterSeq uint64) ([]uint64, error) {
	return b.l.Admissions(ctx, afterSeq)
}

// Append opens a visit on a visitor's admission at an entrance, or closes
// the visit a scanned code names at an exit, then stores e.
func (b *Book) Append(ctx context.Context, e *wire.Entry) error {
	b.mu.Lock()
	defer b.mu.Unlock()
	switch {
	case e.Lane == wire.LaneIn:
		b.issue(e)
	case e.Lane == wire.LaneOut && e.CloseOut == nil:
		b.matchScan(e)
	}
	return b.appendLocked(ctx, e)
}

func (b *Book) appendLocked(ctx context.Context, e *wire.Entry) error {
	if err := b.l.Append(ctx, e); err != nil {
		return err
	}
	b.record(*e)
	return nil
}

// issue opens a visit for a visitor the entrance let in, unless the
// entry continues one already open (continued): one person, one code.
func (b *Book) issue(e *wire.Entry) {
	if e.Visitor == nil || e.Decision != wire.Allow || e.Visit != nil {
		return
	}
	if _, ok := b.continued(*e); ok {
		return
	}
	e.Visit = &wire.Visit{Prefix: b.o.Prefix, MaxStaySeconds: int64(b.o.MaxStay() / time.Second)}
}

// continued is the open visit an entrance's entry continues: the one it
// amends or overrides (the guard marked the mask after admitting them),
// or, for a visitor, an open visit of the same person — registered again
// while the list says they are inside, they are still on that visit.
func (b *Book) continued(e wire.Entry) (wire.Entry, bool) {
	for _, id := range []string{e.Amends, replaces(e)} {
		if v, ok := b.visitOf(id); ok {
			return v, true
		}
	}
	if e.Visitor == nil {
		return wire.Entry{}, false
	}
	return b.find(func(v wire.Entry) bool { return samePerson(v.Visitor, e.Visitor) })
}

// samePerson compares two registrations by the hashes of their numbers,
// or without a tracing key by name and masked numbers.
func samePerson(a, b *wire.Visitor) bool {
	switch {
	case a.IDHash != "" && a.IDHash == b.IDHash, a.PhoneHash != "" && a.PhoneHash == b.PhoneHash:
		return true
	case a.IDHash != "" || a.PhoneHash != "" || b.IDHash != "" || b.PhoneHash != "":
		return false
	}
	return a.Name == b.Name && a.Phone == b.Phone && a.ID == b.ID
}

// record updates the open visits with a stored entry.
func (b *Book) record(e wire.Entry) {
	switch {
	case e.Visit != nil:
		b.open = append(b.open, e)
	case e.Lane == wire.LaneIn:
		if v, ok := b.continued(e); ok {
			b.alias[e.ID] = v.ID
		}
	case e.CloseOut != nil:
		b.open = slices.DeleteFunc(b.open, func(v wire.Entry) bool { return closes(e.CloseOut, b.o.Unit, v) })
	}
}

func replaces(e wire.Entry) string {
	if e.Override != nil {
		return e.Override.Replaces
	}
	return ""
}

// closes reports whether c, made on this lane, names v exactly.
func closes(c *wire.CloseOut, unit string, v wire.Entry) bool {
	return c.Visit == v.ID || c.Unit == unit && c.Seq == v.Seq
}

// visitOf is the open visit entry id is, or continues.
func (b *Book) visitOf(id string) (wire.Entry, bool) {
	if id == "" {
		return wire.Entry{}, false
	}
	if v, ok := b.alias[id]; ok {
		id = v
	}
	for _, v := range b.open {
		if v.ID == id {
			return v, true
		}
	}
	return wire.Entry{}, false
}

// VisitOf is the open visit entry id opened or continues; false when
// there is none (not a visitor, or already closed).
func (b *Book) VisitOf(id string) (wire.Entry, bool) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.visitOf(id)
}

// Inside is the visits this lane opened and has not seen closed, oldest
// first. A visitor who left by another lane's exit stays on it: only the
// centre sees every exit (package comment).
func (b *Book) Inside(context.Context) ([]wire.Entry, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return slices.Clone(b.open), nil
}

// QR is the text of v's QR code (wire.VisitCode), tagged with the fleet's
// key. The start travels only from a synced clock.
func (b *Book) QR(v wire.Entry) string {
	c := wire.VisitCode{Site: v.Site, Unit: v.Unit, Seq: v.Seq, Code: v.Visit.Code}
	if v.ClockSynced {
		c.Entered = v.Time.Unix()
	}
	c.Sign(b.o.Key)
	return c.String()
}
