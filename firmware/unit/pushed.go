package unit

import (
	"crypto/ed25519"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sync"
	"time"

	"github.com/kakou/kakou/firmware/policy"
	"github.com/kakou/kakou/firmware/wire"
)

// A policy pushed from the centre (docs/architecture.md "Policy is data":
// pushed from the centre, validated before use) takes precedence over the
// policy files the config names until a newer push replaces it. It is
// validated as a file would be; a push that fails is refused and the policy
// running stays (keep-last-good: a bad push must not leave a gate without
// rules). A valid one is saved in the data directory, so a unit that
// reboots while its link is down still runs what the centre chose.

// pushedFile, in the data directory, holds the last valid push as it came
// (wire.PolicyPush JSON).
const pushedFile = "pushed-policy.json"

// pushState is the policy the centre pushed. mu is held across every
// switch of the running policy, so a push arriving and the dated
// switch-over (watchPolicy) never interleave.
type pushState struct {
	mu   sync.Mutex
	push wire.PolicyPush // Version "" until a push is accepted
	pol  policy.Policy   // push.Document, parsed
	// keys are the centre's public keys; none: pushes are taken unsigned
	// (pushkeys.go). Set before the unit runs, read-only after.
	keys []ed25519.PublicKey
}

func (u *Unit) pushedPath() string { return filepath.Join(u.cfg.DataDir, pushedFile) }

// inForce is the policy to screen with at now: the pushed one while it is
// in effect (a document without dates always is; dated ones need a synced
// clock, as policy.Select says), else the one the policy files select.
// The caller holds u.push.mu, or has not started the unit yet.
func (u *Unit) inForce(now time.Time, synced bool) (p policy.Policy, pushed bool) {
	if pp := u.push.pol; u.push.push.Version != "" && (!pp.Dated() || synced && pp.InEffect(now)) {
		return pp, true
	}
	return policy.Select(u.rules.policies, now, synced), false
}

// onPolicy is the uplink's OnPolicy hook: accept a push, save it and
// switch to it. A push of the version already pushed is the retained
// message arriving again on a reconnect and changes nothing. A push issued
// before the one running is refused, signed or not: the centre never means
// an older choice now (it re-issues a policy to roll back), while whoever
// recorded an old push, say a laxer one, could replay it to reopen the
// gate. Both times are the centre's, so the unit's own clock, unsynced
// without an RTC, plays no part.
func (u *Unit) onPolicy(p wire.PolicyPush) {
	u.push.mu.Lock()
	defer u.push.mu.Unlock()
	// The signature first: what an unsigned or forged push says, even its
	// version, is not the centre's word.
	if err := u.verifyPush(&p); err != nil {
		u.log.Error("policy push refused: signature check failed; the running policy stays",
			"version", p.Version, "profile", p.Profile, "issued_by", p.IssuedBy,
			"running", u.policy.Current().Version, "err", err)
		return
	}
	if u.replayed(p) {
		return
	}
	if p.Version == u.push.push.Version {
		if p.Document != u.push.push.Document {
			u.log.Warn("policy push ignored: same version as the one running but a different document; "+
				"the centre must give changed rules a new version, as entries record only the version",
				"version", p.Version, "issued_by", p.IssuedBy)
		}
		return
	}
	running := u.policy.Current().Version
	pol, err := checkPush(p, u.cfg.Site, u.cfg.Unit)
	if err != nil {
		u.log.Error("policy push refused; the running policy stays until the centre pushes a valid one",
			"version", p.Version, "profile", p.Profile, "issued_by", p.IssuedBy, "running", running, "err", err)
		return
	}
	if err := savePush(u.pushedPath(), p); err != nil {
		u.log.Error("policy push not saved: it runs now, but a reboot without the broker would go back "+
			"to the local policy files until the centre's push arrives again", "version", p.Version, "err", err)
	}
	u.push.push, u.push.pol = p, pol
	u.log.Info("policy push accepted", "version", p.Version, "profile", p.Profile,
		"issued_by", p.IssuedBy, "issued_at", p.IssuedAt, "dated", pol.Dated())
	u.switchPolicyLocked()
}

// replayed reports, and logs, a push issued before the one running. A push
// addressed to another unit is left to checkPush, which says so: its time
// says nothing about this unit's pushes. The caller holds u.push.mu.
func (u *Unit) replayed(p wire.PolicyPush) bool {
	running := u.push.push
	if running.Version == "" || !p.IssuedAt.Before(running.IssuedAt) || p.Site != u.cfg.Site || p.Unit != u.cfg.Unit {
		return false
	}
	u.log.Error(fmt.Sprintf("policy push refused: issued at %s, older than the running push issued at %s; "+
		"a replay of a superseded push, or the centre's clock went back (then assign the policy again)",
		stamp(p.IssuedAt), stamp(running.IssuedAt)),
		"version", p.Version, "profile", p.Profile, "issued_by", p.IssuedBy, "running", running.Version)
	return true
}

// stamp formats a push's IssuedAt for the log, to the nanosecond the
// signature covers, so two pushes of the same second still read apart.
func stamp(t time.Time) string { return t.UTC().Format(time.RFC3339Nano) }

// checkPush validates a push for this unit and returns its policy. The
// document names its own version; it must be the push's, because entries
// record the document's and the centre tracks the push's.
func checkPush(p wire.PolicyPush, site, unit string) (policy.Policy, error) {
	if p.Site != site || p.Unit != unit {
		return policy.Policy{}, fmt.Errorf("pushed to %s/%s, but this unit is %s/%s", p.Site, p.Unit, site, unit)
	}
	pol, err := policy.Parse([]byte(p.Document), "push "+p.Version)
	if err != nil {
		return policy.Policy{}, err
	}
	if pol.Version != p.Version {
		return policy.Policy{}, fmt.Errorf("the push says version %q but its document says %q: "+
			"the centre must send them alike, since entries record the document's", p.Version, pol.Version)
	}
	return pol, nil
}

// loadPushed restores the saved push at start. No file means nothing was
// ever pushed. A file that cannot be read or no longer validates (a data
// directory moved to another unit, a firmware whose policy keys changed)
// is reported and left alone: the unit runs its policy files meanwhile,
// and the centre's retained push replaces it on the next connection.
func (u *Unit) loadPushed() {
	path := u.pushedPath()
	b, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		return
	}
	var (
		p   wire.PolicyPush
		pol policy.Policy
	)
	if err == nil {
		// Not wire.DecodePolicyPush: its payload limit is the network's,
		// and the saved form need not be the bytes that came over it.
		err = json.Unmarshal(b, &p)
	}
	if err == nil {
		err = p.Validate()
	}
	if err == nil {
		// A file in data_dir is no more trusted than the network: the
		// card can be taken out and written, and a push saved before
		// verify_keys were set must not outlive them.
		err = u.verifyPush(&p)
	}
	if err == nil {
		pol, err = checkPush(p, u.cfg.Site, u.cfg.Unit)
	}
	if err != nil {
		u.log.Error("saved policy push not used; running the local policy files until the centre pushes again",
			"file", path, "err", err)
		return
	}
	u.push.push, u.push.pol = p, pol
	u.log.Info("policy pushed from the centre restored", "version", p.Version, "profile", p.Profile,
		"issued_at", p.IssuedAt, "file", path)
}

// savePush writes p to path atomically: a temporary file in the same
// directory, flushed to the card, then renamed over the old one, so a power
// cut leaves the old push or the new one, never half of either.
func savePush(path string, p wire.PolicyPush) error { return saveJSON(path, p) }

// saveJSON writes p to path as JSON, atomically as savePush says.
func saveJSON(path string, p any) (err error) {
	b, err := json.Marshal(p)
	if err != nil {
		return fmt.Errorf("encode: %w", err)
	}
	dir := filepath.Dir(path)
	f, err := os.CreateTemp(dir, "."+filepath.Base(path)+"-*.tmp")
	if err != nil {
		return fmt.Errorf("%w (is data_dir writable?)", err)
	}
	defer func() {
		if err != nil {
			os.Remove(f.Name())
		}
	}()
	_, err = f.Write(b)
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(f.Name(), path)
	}
	if err != nil {
		return err
	}
	syncDir(dir)
	return nil
}

// syncDir flushes a directory's entries, so the rename itself survives a
// power cut. Not every file system can; the file is complete either way.
func syncDir(dir string) {
	if d, err := os.Open(dir); err == nil {
		d.Sync()
		d.Close()
	}
}
