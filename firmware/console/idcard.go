package console

import (
	"strings"

	"github.com/kakou/kakou/firmware/wire"
)

// The ID card at the console: when a card is read, the guard's form opens
// filled with what the card gives, masked (screening.Shown.Card: name
// 王**, ID 110***********002X, sex, the address's first characters, the
// card's validity with 已过期 in red). The page never receives the full
// number. When the guard submits the form with the masked number still in
// it, the console asks the lane for the full number it holds in memory
// for that person and registers the visitor with it — hashed, and sealed
// where the policy demands full numbers — exactly as if the guard had
// typed it; nothing else keeps it.

// CardLane is a lane that holds the number of an ID card read for the
// registration of the person whose entry is on screen (the unit does).
type CardLane interface {
	CardNumber(on string) (string, bool)
}

// fromCard fills f's ID from the card of the person whose entry is on,
// when the form still carries the card's masked number (or none). A
// masked number whose card is no longer held is refused with what to do.
func (c *Console) fromCard(on string, f *registration) error {
	cl, ok := c.lane.(CardLane)
	if !ok || on == "" || f.IDKind != "" && f.IDKind != wire.IDResident {
		return nil
	}
	n, held := cl.CardNumber(on)
	id := compact(f.ID)
	switch {
	case held && (id == "" || id == wire.MaskID(n)):
		f.ID, f.IDKind = n, wire.IDResident
	case strings.Contains(id, "*"):
		e := newFormError(registrationLabels)
		e.add("id", problem("身份证信息已清除（已超过 10 分钟或已登记），请重新刷卡，或手工输入证件号码",
			"the card's number is no longer held (over 10 minutes, or already registered): place the card again, or type the number"))
		return e.err()
	}
	return nil
}
