package wire

import (
	"errors"
	"fmt"
	"time"
)

// KindHouseholds is the topic kind of a site gateway's word to one lane on
// the uses each household made across the site.
const KindHouseholds = "households"

// HouseholdsTopic is where a site gateway publishes, retained, the site's
// household uses for one unit. Only a gateway publishes here; a lone unit
// counts from its own ledger.
func HouseholdsTopic(site, unit string) string { return topic(site, unit, KindHouseholds) }

// MaxHouseholds bounds the households one message lists, and
// MaxHouseholdsPayload its size. A community has a few thousand
// households, but only those with uses in the current window are listed,
// newest use first; past the bound the gateway lists the newest
// MaxHouseholds and sets Truncated. A lane then counts a household not
// listed from its own ledger alone, so it may let a household out that
// another lane already counted, and the gateway and the centre see the
// overuse and alert (gateway/README.md "Household quotas").
const (
	MaxHouseholds        = 1000
	MaxHouseholdsPayload = 96 << 10
)

// Households is the gateway's count of every household's uses at its site,
// for one lane, as wire.Flow is its grant: the lane's count of a household
// is the uses listed here plus its own uses with seq above AfterSeq, the
// highest seq up to which the gateway has stored every one of the lane's
// entries; those it has not yet heard of are counted by the lane itself.
// Resets the gateway knows of are applied: only uses after a household's
// last reset are listed.
type Households struct {
	Schema   int       `json:"schema"`
	Site     string    `json:"site"`
	Unit     string    `json:"unit"`
	Seq      uint64    `json:"seq"` // orders the gateway's messages for this lane
	AfterSeq uint64    `json:"after_seq"`
	Time     time.Time `json:"time"`
	// Truncated: more households had uses than MaxHouseholds.
	Truncated bool             `json:"truncated,omitempty"`
	Uses      []HouseholdUsage `json:"uses"`
}

// HouseholdUsage is one household's uses within the window, as the
// gateway counted them across the site.
type HouseholdUsage struct {
	ID   string         `json:"id"`
	Uses []HouseholdUse `json:"uses"`
	// Reset is the time of the household's last reset the gateway knows
	// of; the lane drops its own uses made before it.
	Reset *time.Time `json:"reset,omitempty"`
}

// maxUsesPerHousehold bounds one household's list: an allowance is at
// most MaxHouseholdDelta, and grants add as many again.
const maxUsesPerHousehold = 2 * MaxHouseholdDelta

// DecodeHouseholds parses and validates a gateway's households message.
func DecodeHouseholds(b []byte) (Households, error) {
	var h Households
	if err := decodeMax(b, &h, MaxHouseholdsPayload); err != nil {
		return Households{}, fmt.Errorf("wire: households: %w", err)
	}
	if err := h.Validate(); err != nil {
		return Households{}, err
	}
	return h, nil
}

// Validate reports the first field that makes h unusable.
func (h *Households) Validate() error {
	bad := func(field, why string) error { return fmt.Errorf("wire: households %s: %s", field, why) }
	if h.Schema != SchemaVersion {
		return bad("schema", fmt.Sprintf("%d is not %d", h.Schema, SchemaVersion))
	}
	if err := ValidateID(h.Site); err != nil {
		return bad("site", err.Error())
	}
	if err := ValidateID(h.Unit); err != nil {
		return bad("unit", err.Error())
	}
	if len(h.Uses) > MaxHouseholds {
		return bad("uses", fmt.Sprintf("%d households, at most %d", len(h.Uses), MaxHouseholds))
	}
	seen := make(map[string]bool, len(h.Uses))
	for _, u := range h.Uses {
		if err := u.validate(); err != nil {
			return bad("uses", err.Error())
		}
		if seen[u.ID] {
			return bad("uses", fmt.Sprintf("household %q listed twice", u.ID))
		}
		seen[u.ID] = true
	}
	return nil
}

func (u *HouseholdUsage) validate() error {
	if !validHouseholdID(u.ID) {
		return fmt.Errorf("id %q: want 1-64 of A-Z a-z 0-9 -", u.ID)
	}
	if len(u.Uses) > maxUsesPerHousehold {
		return fmt.Errorf("household %s: %d uses, at most %d", u.ID, len(u.Uses), maxUsesPerHousehold)
	}
	for _, x := range u.Uses {
		if x.N < -MaxHouseholdDelta || x.N > MaxHouseholdDelta || x.At.Year() >= 9999 {
			return errors.New("a use counts -100 to 100 and is dated before the year 9999")
		}
	}
	if u.Reset != nil && u.Reset.Year() >= 9999 {
		return errors.New("reset is dated past the year 9999")
	}
	return nil
}

func (h *Households) schema() int { return h.Schema }

// Usage returns the listed uses of household id, and whether it is listed.
func (h Households) Usage(id string) (HouseholdUsage, bool) {
	for _, u := range h.Uses {
		if u.ID == id {
			return u, true
		}
	}
	return HouseholdUsage{}, false
}
