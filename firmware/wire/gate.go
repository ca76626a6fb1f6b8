package wire

import "fmt"

// Mask is the mask check as it was judged at the gate. Where a guard
// cannot press a button for every person (a supermarket entrance), the
// policy confirms by exception: everyone counts as wearing one unless the
// guard marks them, and the entry says which rule gave its result.
type Mask struct {
	Result MaskResult `json:"result"`
	Rule   MaskRule   `json:"rule"`
}

// MaskResult is what the check found.
type MaskResult string

const (
	MaskWorn      MaskResult = "worn"
	MaskMissing   MaskResult = "missing"
	MaskUnchecked MaskResult = "unchecked" // confirmation was required and nobody confirmed
)

// MaskRule is how the result came about.
type MaskRule string

const (
	MaskConfirm   MaskRule = "confirm"   // the guard confirmed each person
	MaskException MaskRule = "exception" // worn unless the guard marked otherwise
)

func (m *Mask) validate() error {
	switch m.Result {
	case MaskWorn, MaskMissing, MaskUnchecked:
	default:
		return fmt.Errorf("result %q is not worn, missing or unchecked", m.Result)
	}
	if m.Rule != MaskConfirm && m.Rule != MaskException {
		return fmt.Errorf("rule %q is neither confirm nor exception", m.Rule)
	}
	return nil
}
