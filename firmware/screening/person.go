package screening

import (
	"errors"
	"slices"
	"time"

	"github.com/kakou/kakou/firmware/credential"
	"github.com/kakou/kakou/firmware/policy"
	"github.com/kakou/kakou/firmware/wire"
)

// What the guard sees and acts on. A lane keeps scanning while the guard
// deals with someone, so every action names the entry on the guard's
// screen, and the pipeline finds the person by it: a registration, a mask
// mark, a re-check or an override lands on that person whoever scanned
// since. The pipeline remembers the last few people (the strip of recent
// results) and every person whose result still needs the guard (anything
// but a pass, until it is handled or dismissed); an entry it no longer
// remembers, or one a later action already replaced, is refused.

// Recent is how many of the latest results the guard's strip shows; they
// stay open to actions (a mask marked missing on a pass a moment ago).
const Recent = 5

// maxOpen bounds the people awaiting the guard, so a lane left unattended
// all night does not grow its memory: past it, the oldest are let go (the
// ledger still holds every entry).
const maxOpen = 64

// person is one person at the lane: everything screened about them, and
// their latest entry.
type person struct {
	key     string // a verified credential's kind and subject; "" for none
	in      policy.Input
	visitor *wire.Visitor
	// returnee: the registration marked them a returnee (sampling.go).
	returnee *wire.Returnee
	entry    wire.Entry // their latest entry: the one the guard's screen shows
	past     []string   // the ids of their earlier entries, each replaced by the next
	// fever is when their last reading was a fever; zero if it was not.
	fever     time.Time
	dismissed bool
	vehicle   *wire.Vehicle // the vehicle they are in at a vehicle lane; nil on foot
	card      *heldCard     // their ID card's number, for the guard's registration (idcard.go)
}

// open reports whether the person's result still needs the guard. A hold
// for sampling does not: the person walked to the sampling point, and the
// console's holds panel follows them (sampling.go).
func (p *person) open() bool {
	return !p.dismissed && p.entry.Decision != wire.Allow && p.entry.Decision != wire.Hold
}

// Errors for an action on the wrong person. The console answers both with
// 409 Conflict and their Chinese text.
var (
	// ErrNotOnScreen: the entry is not one the lane remembers (an old
	// page, a typo, another unit's entry).
	ErrNotOnScreen = errors.New("screening: that entry is no longer on the screen (该记录已不在屏幕上，请以当前显示为准)")
	// ErrSettled: a later action already replaced the entry.
	ErrSettled = errors.New("screening: that entry was already handled (该记录已处理，请以当前显示为准)")
	// ErrThermometerWorks: a hand-taken temperature for a person the
	// thermometer measured is an override, not manual entry.
	ErrThermometerWorks = errors.New("screening: the thermometer measured this person; a different temperature is an override with a reason (测温仪已测得体温，如需更改请用人工处置并写明原因)")
	// ErrNoRecheck: the person is not waiting to be measured again.
	ErrNoRecheck = errors.New("screening: this person is not waiting for a re-check (该人员无需复测)")
)

// Shown is one result on the guard's screen.
type Shown struct {
	Entry wire.Entry `json:"entry"`
	// Open: the result still needs the guard (not a pass, not dismissed).
	Open bool `json:"open"`
	// Manual: no temperature was taken, so the guard may enter one by hand.
	Manual bool `json:"manual_entry"`
	// Prefill is what a pre-registration code carried, for the form.
	Prefill *credential.Visitor `json:"prefill,omitempty"`
	// Card is the ID card read, masked, for the form (idcard.go).
	Card *credential.Card `json:"card,omitempty"`
	// Venue is a registration code's booking (venue.go).
	Venue *VenueShown `json:"venue,omitempty"`
}

// OnScreen returns the people awaiting the guard, oldest first, then the
// latest results not among them, newest first, at most Recent.
func (p *Pipeline) OnScreen() (open, recent []Shown) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.dropStaleCardsLocked()
	a := p.opts.Policy().Checks.Appointment
	for _, pr := range p.people {
		if pr.open() {
			open = append(open, pr.shown(&a))
		}
	}
	for i := len(p.people) - 1; i >= 0 && len(recent) < Recent; i-- {
		if pr := p.people[i]; !pr.open() {
			recent = append(recent, pr.shown(&a))
		}
	}
	return open, recent
}

// shown is pr for the screen; a is the schedule that labels a booking.
func (pr *person) shown(a *wire.Appointments) Shown {
	s := Shown{Entry: pr.entry, Open: pr.open(), Manual: pr.in.Reading == nil || pr.in.Reading.Manual,
		Prefill: pr.in.Credential.Visitor, Card: pr.in.Credential.Card, Venue: venueShown(pr, a)}
	if s.Venue != nil {
		// the person is the entry's visitor, minimised: the code's full
		// numbers never reach the browser
		s.Prefill = nil
	}
	return s
}

// findLocked is the person whose latest entry is id. Callers hold mu.
func (p *Pipeline) findLocked(id string) (*person, error) {
	for _, pr := range p.people {
		switch {
		case pr.entry.ID == id:
			return pr, nil
		case slices.Contains(pr.past, id):
			return nil, ErrSettled
		}
	}
	return nil, ErrNotOnScreen
}

// rememberLocked adds a newly screened person and lets go of those the
// screen no longer shows. Callers hold mu.
func (p *Pipeline) rememberLocked(pr *person) {
	p.people = append(p.people, pr)
	var keep []*person
	settled, open := 0, 0
	for i := len(p.people) - 1; i >= 0; i-- {
		q := p.people[i]
		switch {
		case q.open() && open < maxOpen:
			open++
		case !q.open() && settled < Recent:
			settled++
		default:
			continue
		}
		keep = append(keep, q)
	}
	slices.Reverse(keep)
	p.people = keep
}
