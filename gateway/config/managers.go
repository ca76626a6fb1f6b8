package config

import (
	"fmt"
	"strings"

	"github.com/kakou/kakou/firmware/wire"
)

// Manager is one [[managers]] entry: a site manager who may sign in at the
// gateway's page and correct the count. The PIN is kept only as a hash
// (wire.HashPIN; `echo PIN | kakou-unit hash-pin` prints one), checked
// with wire.CheckPIN, as a guard's is at the unit's console.
type Manager struct {
	ID      string `toml:"id"`       // what the audit trail and the centre record: "wang"
	Name    string `toml:"name"`     // what the page shows: 王经理
	PINHash string `toml:"pin_hash"` // pbkdf2-sha256$…
}

// validateManagers checks every [[managers]] entry. A gateway with none
// serves its page read-only: nobody can correct the count.
func (c Config) validateManagers(bad func(string, string, ...any)) {
	seen := map[string]bool{}
	for i, m := range c.Managers {
		key := fmt.Sprintf("managers[%d]", i)
		if err := wire.ValidateID(m.ID); err != nil {
			bad(key+".id", "%q: %v", m.ID, err)
		} else if seen[m.ID] {
			bad(key+".id", "%q is listed twice", m.ID)
		}
		seen[m.ID] = true
		if strings.TrimSpace(m.Name) == "" {
			bad(key+".name", "is required (the name the corrections' audit trail shows)")
		} else if err := wire.ValidateDisplayName(m.Name); err != nil {
			bad(key+".name", "%q: %v", m.Name, err)
		}
		if !strings.HasPrefix(m.PINHash, "pbkdf2-sha256$") || strings.Count(m.PINHash, "$") != 3 {
			bad(key+".pin_hash", "want a PIN hash as `echo PIN | kakou-unit hash-pin` prints it (pbkdf2-sha256$…), never the PIN itself")
		}
	}
}

// capacityMoved is the problem [occupancy] capacity now is: the cap is
// set in one place, the policy, so the gateway, the units and the centre
// cannot disagree about it (the market showed 150 at the centre while
// its gateway held people at 200).
const capacityMoved = "is no longer read: the cap is the policy's [checks.capacity] max, " +
	"pushed from the centre (or in the policy file policy.path until the first push); " +
	"delete this key and set max in the site's policy instead"
