package credential

import (
	"cmp"
	"context"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/kakou/kakou/drivers/idcard"
	"github.com/kakou/kakou/firmware/wire"
)

// The ID card path (the no-phone path, docs/product.md "What else the
// plans ask of a checkpoint": people without phones are registered by
// ID). A resident ID card placed on the lane's reader is checked like a
// scanned code: it becomes a Presented of kind id_card whose Status is
// valid or expired, whose Subject is a short hash reference, and whose
// Card holds what the guard's form is filled with, masked. The full ID
// number never enters a Presented: the pipeline keeps it apart, in memory,
// for the guard's registration only.

// Card is what checking an ID card found, as the console shows it and the
// policy judges it. Every text is masked; IDHash is never sent to the
// console.
type Card struct {
	Name       string `json:"name"`        // 张*
	Sex        string `json:"sex"`         // 男, 女
	Address    string `json:"address"`     // the first characters only: 北京市东城区****
	ID         string `json:"id"`          // 110***********002X
	ValidUntil string `json:"valid_until"` // YYYYMMDD or 长期
	// IDHash is the keyed hash a registered visitor's ID gets
	// (Privacy.Minimise), for the roster and tracing; "" without a
	// tracing key.
	IDHash string `json:"-"`
	// Health is what the health-code service said about the person,
	// asked by ID number; "" when no service can be asked (the policy's
	// [checks.id_card] without_health decides). HealthBy names the
	// service, HealthDetail why a status is not a plain colour.
	Health       Status `json:"health,omitempty"`
	HealthBy     string `json:"health_by,omitempty"`
	HealthDetail string `json:"health_detail,omitempty"`
}

// IDLookupTimeout bounds a health lookup by ID number, whatever the
// service's own bound: the lane waits for it (the 2 s online ceiling).
const IDLookupTimeout = 2 * time.Second

// lookupBound is IDLookupTimeout; tests shorten it.
var lookupBound = IDLookupTimeout

// addressShown is how many characters of the address the guard sees: the
// province and city, enough to ask "from which district?", not a door.
const addressShown = 6

// CheckCard says what card is: malformed when its number is not a valid
// resident ID number (the driver should have refused it already), else
// valid or expired, matched against the roster by the ID hash, with the
// health-code service's answer by ID number when Health can give one.
// Like Check, it never fails and never panics.
func (v *Verifier) CheckCard(ctx context.Context, c idcard.Card) (p Presented) {
	defer func() {
		if r := recover(); r != nil {
			v.log().Error("credential: card check panicked; card treated as unreadable", "panic", r)
			p = Presented{Wire: wire.Credential{Kind: wire.CredentialIDCard}, Status: StatusUnreadable, Detail: "internal error"}
		}
		p.settle()
	}()
	number := strings.ToUpper(c.Number)
	if !ValidIDNumber(number) {
		return Presented{Wire: wire.Credential{Kind: wire.CredentialIDCard}, Status: StatusMalformed,
			Detail: "not an 18-character ID number with a good check digit"}
	}
	// The driver bounds each field to the card's fixed widths; these
	// bounds hold whatever a reader sends.
	card := &Card{Name: truncateRunes(wire.MaskName(c.Name), maxNameShown), Sex: truncateRunes(c.Sex, 3),
		Address: maskAddress(c.Address), ID: wire.MaskID(number), ValidUntil: truncateRunes(c.ValidUntil, 8)}
	if v.Hashes.Hashes() {
		card.IDHash = v.Hashes.hash(wire.IDHashKind(wire.IDResident), number)
	}
	p = Presented{Wire: wire.Credential{Kind: wire.CredentialIDCard, Subject: cardRef(card.IDHash, number), IDHash: card.IDHash},
		Status: StatusValid, Card: card}
	now, synced := v.clock()
	switch {
	case !synced && c.Expired(time.Time{}):
		// Unsynced, only the card itself is judged: an end date that
		// cannot be read. A real date waits for a clock to compare with.
		p.Status, p.Detail = StatusExpired, "validity unreadable"
	case !synced:
		p.Detail = "clock not synced: card validity not checked"
	case c.Expired(now):
		p.Status = StatusExpired
	}
	if r := v.roster(); r != nil && card.IDHash != "" {
		p.Watch = r.Match(RosterQuery{IDHash: card.IDHash}, now, synced)
	}
	v.lookupHealth(ctx, number, &p)
	return p
}

// cardRef is the entry's subject for a card: a short piece of the keyed
// hash, or without a key an unkeyed shortRef. Either tells two people
// apart in a day's ledger and names nobody.
func cardRef(idHash, number string) string {
	if idHash != "" {
		return "c" + idHash[:15]
	}
	return "c" + shortRef("id_card\x00"+number)
}

// lookupHealth asks the health-code service by ID number, if it can be
// asked, within IDLookupTimeout even if it ignores its context, and keeps
// only the status and the service's name. A service that hangs leaves its
// goroutine behind until it returns; the lane does not wait for it.
func (v *Verifier) lookupHealth(ctx context.Context, number string, p *Presented) {
	l, ok := v.Health.(IDLookup)
	if c, can := v.Health.(interface{ CanLookupID() bool }); !ok || can && !c.CanLookupID() {
		return // nobody to ask: the policy's without_health rule decides
	}
	ctx, cancel := context.WithTimeout(ctx, lookupBound)
	defer cancel()
	type answer struct {
		p   Presented
		err error
	}
	done := make(chan answer, 1)
	go func() {
		defer func() {
			if r := recover(); r != nil {
				done <- answer{Presented{Status: StatusVerifyFailed, Detail: "lookup panicked"}, nil}
			}
		}()
		a, err := l.LookupID(ctx, number)
		done <- answer{a, err}
	}()
	var a answer
	select {
	case a = <-done:
	case <-ctx.Done():
		a = answer{Presented{Status: StatusTimeout, Detail: "no answer within " + lookupBound.String()}, ctx.Err()}
	}
	if a.err != nil {
		v.log().Warn("credential: health lookup by ID number failed", "status", a.p.Status, "err", a.err)
	}
	if !healthStatuses[a.p.Status] {
		a.p.Status, a.p.Detail = StatusVerifyFailed, "service gave no usable status"
	}
	p.Card.Health, p.Card.HealthBy, p.Card.HealthDetail = a.p.Status, cmp.Or(a.p.Verifier, a.p.Issuer), truncate(a.p.Detail, maxDetail)
	p.Verifier = a.p.Verifier // the centre sees which service answered (settle checks it)
	if !utf8.ValidString(p.Card.HealthBy) || len(p.Card.HealthBy) > maxRef {
		p.Card.HealthBy = ""
	}
	p.IssuedAt, p.NucleicAcidAt, p.TravelCardOK = a.p.IssuedAt, a.p.NucleicAcidAt, a.p.TravelCardOK
}

// maxNameShown is the card's own name field width (15 characters).
const maxNameShown = 15

// truncateRunes cuts s to at most n characters.
func truncateRunes(s string, n int) string {
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	return string([]rune(s)[:n])
}

// maskAddress keeps the first addressShown characters and hides the rest.
func maskAddress(a string) string {
	r := []rune(strings.TrimSpace(a))
	if len(r) <= addressShown {
		return string(r)
	}
	return string(r[:addressShown]) + strings.Repeat("*", min(len(r)-addressShown, 8))
}

// idWeights are the GB 11643 check-digit weights (ISO 7064 MOD 11-2).
var idWeights = [17]int{7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2}

// ValidIDNumber reports whether n is 17 digits and the right check digit
// (0-9 or upper-case X) under GB 11643.
func ValidIDNumber(n string) bool {
	if len(n) != 18 {
		return false
	}
	sum := 0
	for i := 0; i < 17; i++ {
		if n[i] < '0' || n[i] > '9' {
			return false
		}
		sum += int(n[i]-'0') * idWeights[i]
	}
	return n[17] == "10X98765432"[sum%11]
}
