package update

import (
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"

	"github.com/kakou/kakou/firmware/wire"
)

// Phase is where an update stands on this device.
type Phase string

const (
	// Pending: installed and switched to, not yet confirmed healthy.
	Pending Phase = "pending"
	// Kept: the new version was healthy within the window.
	Kept Phase = "kept"
	// RolledBack: the new version was not healthy; the previous runs.
	RolledBack Phase = "rolled-back"
	// Refused: the push was not installed (Reason says why).
	Refused Phase = "refused"
)

// Report is the last update's outcome, what the unit's status carries to
// the centre.
type Report struct {
	Program  string `json:"program"`
	Version  string `json:"version"`            // the version offered
	Previous string `json:"previous,omitempty"` // the version it replaced
	Phase    Phase  `json:"phase"`
	Reason   string `json:"reason,omitempty"`
	Canary   bool   `json:"canary,omitempty"`
	// Starts counts the starts of a pending version (Guard).
	Starts int `json:"starts,omitempty"`
	// Failed lists versions rolled back here, which a retained push of
	// the same version must not install again.
	Failed []string `json:"failed,omitempty"`
}

const stateFile = "state.json"

// loadState reads the report in dir; a missing file is the zero report.
func loadState(dir string) (Report, error) {
	b, err := os.ReadFile(filepath.Join(dir, stateFile))
	if errors.Is(err, fs.ErrNotExist) {
		return Report{}, nil
	}
	if err != nil {
		return Report{}, fmt.Errorf("update: read state: %w", err)
	}
	var r Report
	if err := json.Unmarshal(b, &r); err != nil {
		return Report{}, fmt.Errorf("update: %s is damaged (%v); remove it to forget the last update", filepath.Join(dir, stateFile), err)
	}
	return r, nil
}

// saveState writes r through a synced temporary file and a rename, so a
// power cut leaves the old state or the new, never half of one.
func saveState(dir string, r Report) error {
	if err := os.MkdirAll(dir, 0o750); err != nil {
		return fmt.Errorf("update: state: %w", err)
	}
	b, err := json.Marshal(r)
	if err != nil {
		return fmt.Errorf("update: state: %w", err)
	}
	return writeAtomic(filepath.Join(dir, stateFile), b, 0o640)
}

func writeAtomic(path string, b []byte, mode fs.FileMode) error {
	tmp := path + ".tmp"
	f, err := os.OpenFile(tmp, os.O_CREATE|os.O_TRUNC|os.O_WRONLY, mode)
	if err != nil {
		return fmt.Errorf("update: write %s: %w", path, err)
	}
	_, err = f.Write(b)
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(tmp, path)
	}
	if err != nil {
		os.Remove(tmp)
		return fmt.Errorf("update: write %s: %w", path, err)
	}
	return syncDir(filepath.Dir(path))
}

func syncDir(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return fmt.Errorf("update: sync %s: %w", dir, err)
	}
	defer d.Close()
	if err := d.Sync(); err != nil {
		return fmt.Errorf("update: sync %s: %w", dir, err)
	}
	return nil
}

// Wire is r as a device's status carries it (wire.Status.Update); nil
// when there has been no update.
func (r Report) Wire() *wire.UpdateReport {
	if r.Phase == "" {
		return nil
	}
	reason := strings.Map(func(c rune) rune {
		if c < 0x20 || c == 0x7f {
			return ' ' // a wrapped error's newline would fail the status
		}
		return c
	}, r.Reason)
	if len(reason) > wire.MaxUpdateReason {
		reason = strings.ToValidUTF8(reason[:wire.MaxUpdateReason-3], "") + "…"
	}
	return &wire.UpdateReport{Program: r.Program, Version: r.Version, Previous: r.Previous,
		Phase: string(r.Phase), Reason: reason, Canary: r.Canary}
}
