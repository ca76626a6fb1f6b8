package screening

import (
	"context"
	"crypto/sha256"
	"errors"
	"strings"
	"time"

	"github.com/kakou/kakou/drivers/idcard"
	"github.com/kakou/kakou/firmware/credential"
	"github.com/kakou/kakou/firmware/wire"
)

// The ID card path: a person without a phone puts their resident ID card
// on the lane's reader, and that is one screening of them, the same as a
// scan (temperature, policy, ledger, uplink, gate). The card's full
// number is the one thing the pipeline holds that no entry may carry: it
// stays in memory beside the person, for the guard's registration only
// (the console asks CardNumber for it and hashes it as it hashes a typed
// number), and is dropped once they are registered, once CardKeep has
// passed, or once the person leaves the screen, whichever comes first.

// CardChecker checks an ID card (*credential.Verifier does).
type CardChecker interface {
	CheckCard(ctx context.Context, c idcard.Card) credential.Presented
}

// CardRepeat is how long the same card read again counts as the same
// placement: a reader reports a card each time it finds it, and a person
// who lifts and replaces their card is not two people.
const CardRepeat = 5 * time.Second

// CardKeep bounds how long a card's full number stays in memory for the
// guard's registration: long enough to fill in destination and purpose.
const CardKeep = 10 * time.Minute

// cardKeep is CardKeep; tests shorten it.
var cardKeep = CardKeep

var (
	// ErrCardUnreadable: the card's number is not one (a misread); no
	// screening was made. The person places the card again.
	ErrCardUnreadable = errors.New("screening: the ID card did not read correctly; place it on the reader again (身份证读取有误，请重新放置)")
	// ErrSameCard: the card was read again within CardRepeat of the
	// screening it already had; nothing new was made.
	ErrSameCard = errors.New("screening: the same ID card again; it was screened already")
)

// heldCard is a card's full number and when it must be dropped (by the
// monotonic clock, which an NTP jump cannot move).
type heldCard struct {
	number string
	until  time.Time
}

// cardReads remembers the last card read, by a digest of its number.
type cardReads struct {
	last [sha256.Size]byte
	at   time.Time
}

// ScreenCard screens the person whose ID card was read: one entry of kind
// id_card, decided like a scan. A card that does not read as a valid
// number makes no entry (ErrCardUnreadable); the same card read again
// within CardRepeat makes none either (ErrSameCard).
func (p *Pipeline) ScreenCard(ctx context.Context, c idcard.Card) (wire.Entry, error) {
	if p.repeatCard(c.Number) {
		return wire.Entry{}, ErrSameCard
	}
	cred := p.cardChecker().CheckCard(ctx, c)
	if cred.Card == nil || cred.Status == credential.StatusMalformed || cred.Status == credential.StatusUnreadable {
		p.opts.Logger.Warn("ID card not read correctly; no screening", "status", cred.Status, "detail", cred.Detail)
		p.forgetCard()
		return wire.Entry{}, ErrCardUnreadable
	}
	e, err := p.screen(ctx, cred, &heldCard{number: strings.ToUpper(c.Number), until: time.Now().Add(cardKeep)})
	if err != nil {
		p.forgetCard() // not logged: the same card placed again is screened again
	}
	return e, err
}

func (p *Pipeline) forgetCard() {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.cards = cardReads{}
}

// repeatCard reports whether number is the card last read, within
// CardRepeat of the last time it was read, and notes this read.
func (p *Pipeline) repeatCard(number string) bool {
	d := sha256.Sum256([]byte(number))
	now := time.Now()
	p.mu.Lock()
	defer p.mu.Unlock()
	same := d == p.cards.last && now.Sub(p.cards.at) < CardRepeat
	p.cards.last, p.cards.at = d, now
	return same
}

// cardChecker is the configured verifier if it can check cards, else one
// with no keys that still masks, flags expiry and asks nobody.
func (p *Pipeline) cardChecker() CardChecker {
	if cc, ok := p.opts.Credentials.(CardChecker); ok {
		return cc
	}
	return &credential.Verifier{
		Now:         func() time.Time { t, _ := p.opts.Now(); return t },
		ClockSynced: func() bool { _, s := p.opts.Now(); return s },
	}
}

// holdCardLocked keeps a card's number beside pr. Callers hold mu.
func (p *Pipeline) holdCardLocked(pr *person, h *heldCard) {
	if h != nil {
		pr.card = h
	}
	p.dropStaleCardsLocked()
}

// dropStaleCardsLocked forgets every card number held past CardKeep.
// Callers hold mu.
func (p *Pipeline) dropStaleCardsLocked() {
	now := time.Now()
	for _, pr := range p.people {
		if pr.card != nil && !now.Before(pr.card.until) {
			pr.card = nil
		}
	}
}

// CardNumber is the full number of the ID card of the person whose latest
// entry is on, for the guard's registration, while it is still held. The
// console never shows it: it hashes it (and seals it, where the policy
// demands full numbers) as it does a number the guard typed.
func (p *Pipeline) CardNumber(on string) (string, bool) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.dropStaleCardsLocked()
	pr, err := p.findLocked(on)
	if err != nil || pr.card == nil {
		return "", false
	}
	return pr.card.number, true
}
