package wire

import (
	"fmt"
	"unicode/utf8"
)

// Phases of an UpdateReport, as firmware/update records them.
var UpdatePhases = []string{"pending", "kept", "rolled-back", "refused"}

// UpdateReport is, in a device's status, the outcome of the last update
// pushed to it: how the centre learns who has a version, who refused it
// and who rolled it back, and why.
type UpdateReport struct {
	Program  string `json:"program"`
	Version  string `json:"version"`            // the version offered
	Previous string `json:"previous,omitempty"` // what it replaced
	Phase    string `json:"phase"`              // one of UpdatePhases
	Reason   string `json:"reason,omitempty"`   // why refused or rolled back
	Canary   bool   `json:"canary,omitempty"`
}

// MaxUpdateReason bounds the reason a device reports.
const MaxUpdateReason = 512

// Validate reports the first field that makes r unusable.
func (r *UpdateReport) Validate() error {
	if !oneOf(r.Program, UpdatePrograms) {
		return fmt.Errorf("program %q: want one of %v", clip(r.Program), UpdatePrograms)
	}
	if _, err := ParseSemver(r.Version); err != nil {
		return fmt.Errorf("version: %w", err)
	}
	if r.Previous != "" {
		if _, err := ParseSemver(r.Previous); err != nil {
			return fmt.Errorf("previous: %w", err)
		}
	}
	if !oneOf(r.Phase, UpdatePhases) {
		return fmt.Errorf("phase %q: want one of %v", clip(r.Phase), UpdatePhases)
	}
	if len(r.Reason) > MaxUpdateReason || !utf8.ValidString(r.Reason) || hasControl(r.Reason) {
		return fmt.Errorf("reason: plain UTF-8 of at most %d bytes", MaxUpdateReason)
	}
	return nil
}
