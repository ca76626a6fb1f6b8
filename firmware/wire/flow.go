package wire

import (
	"errors"
	"fmt"
	"time"
)

// KindFlow is the topic kind of a site gateway's word to one lane on how
// many people are inside and how many more that lane may admit (限流).
const KindFlow = "flow"

// QoSFlow: a grant must arrive; it is retained, so a unit that reconnects
// to its gateway learns at once where it stands.
const QoSFlow = 1

// FlowTopic is where the site gateway publishes, retained, the count and
// grant for one unit. Only a gateway publishes here: a unit connected
// straight to the cloud never hears of one and screens without a count.
func FlowTopic(site, unit string) string { return topic(site, unit, KindFlow) }

// Flow is the gateway's count of people inside a facility and its grant to
// one entrance lane. The grant is how the cap holds with several doors and
// no round trip per person: the lane may admit people while the number of
// its own admissions (lane "in", decision "allow") with an entry seq above
// AfterSeq is below Allowance. AfterSeq is the highest seq up to which the
// gateway has stored every one of the lane's entries, so admissions the
// gateway has not yet heard of are already paid for out of the grant.
// A later Flow for the same lane never grants less than what is left of
// the earlier one; a gateway cannot take back a slot a lane may be using.
type Flow struct {
	Schema int    `json:"schema"`
	Site   string `json:"site"`
	Unit   string `json:"unit"`
	// Seq orders the gateway's flows for this lane; a unit ignores one
	// that is not newer than the flow it holds.
	Seq       uint64    `json:"seq"`
	Occupancy int       `json:"occupancy"` // people inside as the gateway counts them
	Capacity  int       `json:"capacity"`  // how many may be inside; 0: no cap
	Waiting   int       `json:"waiting"`   // people held at the site's entrances
	AfterSeq  uint64    `json:"after_seq"`
	Allowance int       `json:"allowance"`
	Time      time.Time `json:"time"`
}

// DecodeFlow parses and validates a gateway's flow message.
func DecodeFlow(b []byte) (Flow, error) {
	var f Flow
	if err := decode(b, &f); err != nil {
		return Flow{}, fmt.Errorf("wire: flow: %w", err)
	}
	if err := f.Validate(); err != nil {
		return Flow{}, err
	}
	return f, nil
}

// Validate reports the first field that makes f unusable.
func (f *Flow) Validate() error {
	if f.Schema != SchemaVersion {
		return fmt.Errorf("wire: flow schema: %d is not %d", f.Schema, SchemaVersion)
	}
	if err := ValidateID(f.Site); err != nil {
		return fmt.Errorf("wire: flow site: %w", err)
	}
	if err := ValidateID(f.Unit); err != nil {
		return fmt.Errorf("wire: flow unit: %w", err)
	}
	if f.Capacity < 0 || f.Waiting < 0 || f.Allowance < 0 {
		return errors.New("wire: flow: capacity, waiting and allowance must not be negative")
	}
	if f.Capacity > 1_000_000 || f.Allowance > 1_000_000 {
		return errors.New("wire: flow: capacity and allowance are counts of people, at most 1000000")
	}
	return nil
}

func (f *Flow) schema() int { return f.Schema }
