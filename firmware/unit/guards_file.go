package unit

import (
	"errors"
	"fmt"

	"github.com/BurntSushi/toml"

	"github.com/kakou/kakou/firmware/wire"
)

// A unit with no centre keeps its guards in a local file, console.guards_file:
//
//	[[guard]]
//	id = "wang"                   # a-z 0-9 - _
//	name = "王师傅"
//	pin_hash = "pbkdf2-sha256$…"  # kakou-unit -hash-pin prints one
//	# disabled = true
//
// A roster the centre pushes replaces it as soon as one is accepted.

// LoadGuardsFile reads and validates a guards file, with every problem
// named; the roster it returns has version 0, below any the centre sends.
func LoadGuardsFile(path string) (wire.GuardRoster, error) {
	var doc struct {
		Guard []struct {
			ID       string `toml:"id"`
			Name     string `toml:"name"`
			PINHash  string `toml:"pin_hash"`
			Disabled bool   `toml:"disabled"`
		} `toml:"guard"`
	}
	md, err := toml.DecodeFile(path, &doc)
	if err != nil {
		return wire.GuardRoster{}, fmt.Errorf("guards file %s: %w", path, err)
	}
	var errs []error
	for _, k := range md.Undecoded() {
		errs = append(errs, fmt.Errorf("%s: unknown key", k))
	}
	r := wire.GuardRoster{Schema: wire.SchemaVersion, IssuedBy: "file " + path}
	seen := map[string]bool{}
	for i, g := range doc.Guard {
		rg := wire.RosterGuard{ID: g.ID, Name: g.Name, PINHash: g.PINHash, Disabled: g.Disabled}
		if err := rg.Validate(); err != nil {
			errs = append(errs, fmt.Errorf("guard[%d]: %w", i, err))
		} else if seen[g.ID] {
			errs = append(errs, fmt.Errorf("guard[%d]: id %q listed twice", i, g.ID))
		}
		seen[g.ID] = true
		r.Guards = append(r.Guards, rg)
	}
	if len(doc.Guard) == 0 {
		errs = append(errs, errors.New("no [[guard]]: nobody could sign in at the console"))
	}
	if len(doc.Guard) > wire.MaxGuards {
		errs = append(errs, fmt.Errorf("%d guards, at most %d", len(doc.Guard), wire.MaxGuards))
	}
	if err := errors.Join(errs...); err != nil {
		return wire.GuardRoster{}, fmt.Errorf("guards file %s:\n%w", path, err)
	}
	return r, nil
}
