package unit

import (
	"crypto/ed25519"
	"encoding/json"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"sync"
	"sync/atomic"

	"github.com/kakou/kakou/firmware/credential"
	"github.com/kakou/kakou/firmware/wire"
)

// The centre's watch roster (people in home quarantine, health monitoring,
// returnees) comes as a signed head and retained parts on wire.WatchRoot,
// the same for every unit (firmware/wire/watch.go). The unit runs a roster
// only when its head verifies with the keys of [policy] verify_keys (as
// policies and guard rosters; without keys it takes them unsigned and says
// so at start), every part hashes as the head's tree says, and its version
// is not older than the one held: a recorded head replayed would take a
// quarantined person off the gates. The parts of an accepted roster are
// saved under <data_dir>/watch/ and its head last, so a unit that reboots
// offline still matches; at start they are checked again like any push.
// Parts arrive in any order around their head: a verified head waits
// until its parts are all there.

// watchDir, in the data directory, holds the running roster's head and parts.
const watchDir = "watch"

// maxWatchHeld bounds the parts held in memory waiting for a head, so a
// flood of made-up part names cannot fill a Pi's memory.
const maxWatchHeld = wire.MaxWatchIndex * (wire.MaxWatchRefs + 1)

// watchState is the roster the gate matches against; mu orders arrivals.
type watchState struct {
	mu      sync.Mutex
	parts   map[string][]byte // received parts not yet saved, by name
	pending *wire.WatchHead   // a verified head waiting for its parts
	missing map[string]bool   // the parts pending names that have not arrived
	head    wire.WatchHead    // the running roster's; Version 0: none
	cur     atomic.Pointer[credential.Roster]
}

// Roster is the centre's roster in use (nil: none yet).
func (u *Unit) Roster() *credential.Roster { return u.watch.cur.Load() }

func (u *Unit) watchPath(name string) string {
	return filepath.Join(u.cfg.DataDir, watchDir, name+".json")
}

// onWatch is the uplink's OnWatch hook.
func (u *Unit) onWatch(name string, payload []byte) {
	w := &u.watch
	w.mu.Lock()
	defer w.mu.Unlock()
	if name != wire.WatchHeadName {
		if w.parts == nil {
			w.parts = map[string][]byte{}
		}
		switch {
		case len(payload) == 0:
			delete(w.parts, name)
		case len(w.parts) < maxWatchHeld:
			w.parts[name] = payload
		default:
			u.log.Warn("watch roster: too many parts waiting for a head; part dropped", "part", name)
		}
		if w.pending != nil && len(payload) > 0 {
			u.partArrivedLocked(name)
		}
		return
	}
	if len(payload) == 0 {
		return // the centre never clears its head; keep the roster held
	}
	h, err := wire.DecodeWatchHead(payload)
	if err == nil {
		err = u.checkWatchHead(&h)
	}
	if err != nil {
		u.log.Error("watch roster refused; the gate keeps matching the one it has", "version", h.Version,
			"running", w.head.Version, "err", err)
		return
	}
	if h.Version == w.head.Version {
		return // the retained head again, on a reconnect
	}
	w.pending = &h
	u.recountMissingLocked()
	if len(w.missing) == 0 {
		u.assembleWatchLocked(&h, false)
	}
}

// partArrivedLocked notes a part of the pending head's tree and assembles
// the roster once none is missing. Counting, not assembling, on each
// arrival keeps a burst of a thousand parts linear: assembling decodes
// every part the head names.
func (u *Unit) partArrivedLocked(name string) {
	w := &u.watch
	if name[0] == 'i' {
		u.recountMissingLocked() // an index part names more parts
	} else {
		delete(w.missing, name)
	}
	if len(w.missing) == 0 {
		u.assembleWatchLocked(w.pending, false)
	}
}

// recountMissingLocked lists the parts the pending head's tree names that
// are neither in memory nor on the card; an index part not yet here is
// missing itself, and the parts it names are counted when it comes.
func (u *Unit) recountMissingLocked() {
	w := &u.watch
	w.missing = map[string]bool{}
	for _, n := range wire.WatchNames(w.pending, u.watchPartLocked) {
		if _, ok := w.parts[n]; !ok {
			if _, err := os.Stat(u.watchPath(n)); err != nil {
				w.missing[n] = true
			}
		}
	}
}

// watchPartLocked is a part by name, from memory or the card.
func (u *Unit) watchPartLocked(name string) ([]byte, bool) {
	if b, ok := u.watch.parts[name]; ok {
		return b, true
	}
	b, err := os.ReadFile(u.watchPath(name))
	return b, err == nil
}

// checkWatchHead refuses a head that is not the centre's or is older than
// the one held. The caller holds u.watch.mu.
func (u *Unit) checkWatchHead(h *wire.WatchHead) error {
	verify := func(k ...ed25519.PublicKey) error { return wire.VerifyWatch(h, k...) }
	if err := u.verifySigned("rosters", wire.ErrWatchUnsigned, verify); err != nil {
		return err
	}
	return notBehind("roster", h.Version, u.watch.head.Version, h.Signature == u.watch.head.Signature, "change any roster entry")
}

// assembleWatchLocked builds the roster h names if all its parts are
// here (in memory or saved), and runs and saves it. fromDisk is the start,
// when nothing is saved again.
func (u *Unit) assembleWatchLocked(h *wire.WatchHead, fromDisk bool) bool {
	w := &u.watch
	get := u.watchPartLocked
	entries, err := wire.AssembleWatch(h, get)
	if errors.Is(err, wire.ErrWatchIncomplete) && !fromDisk {
		return false // the rest of the burst is on its way
	}
	if err != nil {
		u.log.Error("watch roster not assembled; the gate keeps matching the one it has", "version", h.Version, "err", err)
		return false
	}
	if !fromDisk {
		if err := u.saveWatch(h, get); err != nil {
			u.log.Error("watch roster not saved: it is in use now, but after a reboot without the broker "+
				"the gate would match the previous one", "version", h.Version, "err", err)
		}
	}
	w.head, w.pending, w.missing = *h, nil, nil
	w.cur.Store(credential.NewRoster(h.Version, entries))
	u.log.Info("watch roster in use", "version", h.Version, "people", len(entries), "issued_by", h.IssuedBy,
		"issued_at", h.IssuedAt)
	return true
}

// saveWatch writes the parts h names that are not on the card yet, then
// the head, then removes what the head does not name. Parts saved are
// dropped from memory: the card holds them now.
func (u *Unit) saveWatch(h *wire.WatchHead, get func(string) ([]byte, bool)) error {
	dir := filepath.Join(u.cfg.DataDir, watchDir)
	if err := os.MkdirAll(dir, 0o750); err != nil {
		return err
	}
	names := wire.WatchNames(h, get)
	for _, n := range names {
		b, ok := u.watch.parts[n]
		if !ok {
			continue // on the card already
		}
		if err := writeFileSync(u.watchPath(n), b); err != nil {
			return err
		}
		delete(u.watch.parts, n)
	}
	if err := saveJSON(u.watchPath(wire.WatchHeadName), h); err != nil {
		return err
	}
	keep := append(names, wire.WatchHeadName)
	files, _ := os.ReadDir(dir)
	for _, f := range files {
		if n, ok := cutJSON(f.Name()); ok && !slices.Contains(keep, n) {
			os.Remove(filepath.Join(dir, f.Name()))
		}
	}
	return nil
}

func cutJSON(name string) (string, bool) {
	if n := len(name) - len(".json"); n > 0 && name[n:] == ".json" {
		return name[:n], true
	}
	return "", false
}

// writeFileSync writes a part durably; its name says which version it is
// of, so a part half-written by a power cut is refused by its hash and
// fetched again from the broker.
func writeFileSync(path string, b []byte) error {
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	_, err = f.Write(b)
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	return err
}

// loadWatch restores the saved roster at start, if it still checks out;
// the centre's retained one replaces it on the next connection.
func (u *Unit) loadWatch() {
	w := &u.watch
	w.mu.Lock()
	defer w.mu.Unlock()
	b, err := os.ReadFile(u.watchPath(wire.WatchHeadName))
	if errors.Is(err, fs.ErrNotExist) {
		u.log.Info("no watch roster yet: the gate matches nobody against the centre's roster until it arrives")
		return
	}
	var h wire.WatchHead
	if err == nil {
		err = json.Unmarshal(b, &h)
	}
	if err == nil {
		err = h.Validate()
	}
	if err == nil {
		// A file on the card is no more trusted than the network.
		err = u.checkWatchHead(&h)
	}
	if err != nil {
		u.log.Error("saved watch roster not used", "dir", filepath.Dir(u.watchPath("")), "err", err)
		return
	}
	u.assembleWatchLocked(&h, true)
}
