package store

import (
	"time"

	"github.com/kakou/kakou/firmware/wire"
)

// UpdateOutcome is what a device last reported of a program update in its
// status (wire.Status.Update): the rollout view's row. Who has a version
// is Phase "kept"; who refused it, "refused"; who went back, "rolled-back".
type UpdateOutcome struct {
	Unit UnitID
	wire.UpdateReport
	ReportedAt time.Time
}
