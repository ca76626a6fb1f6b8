package update

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"

	"github.com/kakou/kakou/firmware/wire"
)

// ErrNoSpace is what Apply returns when the update does not fit the disk
// budget, or the ledger is short of space: entries come before updates.
var ErrNoSpace = errors.New("update: no space")

// roomFor checks, before a byte is downloaded, that the binary fits the
// updates directory's budget, leaves Reserve bytes free on the disk, and
// that the ledger is not short of space.
func (u *Updater) roomFor(p *wire.UpdatePush) error {
	if u.opts.LedgerShort != nil && u.opts.LedgerShort() {
		return fmt.Errorf("%w: the ledger is short of space; the update waits until the unit's entries are delivered", ErrNoSpace)
	}
	held := heldBytes(u.dir, partName(p))
	if p.Size+held > u.opts.Budget {
		return fmt.Errorf("%w: %s %s is %d bytes, and with the %d bytes already in %s exceeds the disk budget of %d bytes (update.budget)",
			ErrNoSpace, p.Program, p.Version, p.Size, held, u.dir, u.opts.Budget)
	}
	// The binary is written twice: the download, then the installed copy.
	free, err := u.opts.Free(u.dir)
	if err == nil && free-2*p.Size < u.opts.Reserve {
		return fmt.Errorf("%w: %d bytes free on the disk of %s; installing %d bytes would leave less than the %d bytes kept for the ledger",
			ErrNoSpace, free, u.dir, p.Size, u.opts.Reserve)
	}
	return nil
}

// heldBytes is what dir holds besides the file named keep (the download
// being resumed, which the budget already counts as the update's own).
func heldBytes(dir, keep string) int64 {
	es, _ := os.ReadDir(dir)
	var n int64
	for _, e := range es {
		if e.Name() == keep || e.IsDir() {
			continue
		}
		if st, err := os.Stat(filepath.Join(dir, e.Name())); err == nil {
			n += st.Size()
		}
	}
	return n
}
