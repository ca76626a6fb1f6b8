package update

import (
	"context"
	"crypto/ed25519"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"os"
	"path/filepath"
	"slices"

	"github.com/kakou/kakou/firmware/wire"
)

// Restarter asks the service manager to start the program again: under
// systemd, the program exits and Restart=always brings it back from
// <root>/current. Tests use a stand-in that runs the new version in-process.
type Restarter interface {
	Restart(ctx context.Context, why string) error
}

// Options configure an Updater; zero fields take the defaults in New.
type Options struct {
	Site, Unit string // the device's ids, as in its config
	Program    string // "kakou-unit" or "kakou-gateway"
	Arch       string // "armv6", "arm64" or "amd64": what this build is
	Running    string // the running version (semver)
	DataDir    string // downloads go to <DataDir>/updates
	Root       string // install root, e.g. /var/lib/kakou/programs
	Keys       []ed25519.PublicKey
	Client     *http.Client // trusts the collector's certificate
	Restarter  Restarter
	// Budget bounds what <DataDir>/updates may hold (default 128 MiB);
	// Reserve is the free space an update must leave on the disk for the
	// ledger (default 64 MiB).
	Budget, Reserve int64
	// LedgerShort reports the ledger short of space (its quota full of
	// undelivered entries): no update is downloaded then.
	LedgerShort func() bool
	// Free reports the bytes still free where dir is (default statfs).
	Free   func(dir string) (int64, error)
	Logger *slog.Logger
}

// Defaults for Options.
const (
	DefaultBudget  = 128 << 20
	DefaultReserve = 64 << 20
)

// Updater installs pushes for one program on one device.
type Updater struct {
	opts Options
	dir  string
}

// New checks opts and applies the defaults.
func New(opts Options) (*Updater, error) {
	var errs []error
	if opts.Site == "" || opts.Unit == "" || opts.Program == "" || opts.Arch == "" {
		errs = append(errs, errors.New("site, unit, program and arch must be set"))
	}
	if _, err := wire.ParseSemver(opts.Running); err != nil {
		errs = append(errs, fmt.Errorf("running version: %w", err))
	}
	if opts.DataDir == "" || opts.Root == "" {
		errs = append(errs, errors.New("data_dir and the install root must be set"))
	}
	if len(opts.Keys) == 0 {
		errs = append(errs, errors.New("no centre key: an update is installed only if the centre signed it"))
	}
	if opts.Restarter == nil {
		errs = append(errs, errors.New("no Restarter"))
	}
	if len(errs) > 0 {
		return nil, fmt.Errorf("update: %w", errors.Join(errs...))
	}
	if opts.Client == nil {
		opts.Client = http.DefaultClient
	}
	if opts.Budget == 0 {
		opts.Budget = DefaultBudget
	}
	if opts.Reserve == 0 {
		opts.Reserve = DefaultReserve
	}
	if opts.Free == nil {
		opts.Free = statfsFree
	}
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.DiscardHandler)
	}
	return &Updater{opts: opts, dir: filepath.Join(opts.DataDir, "updates")}, nil
}

// Report is the last update's outcome, for the device's status.
func (u *Updater) Report() (Report, error) { return loadState(u.dir) }

// Apply installs p and restarts into it, or says why not; a refusal is
// also recorded in the Report. A push of the version already running is
// the retained message seen again after a restart, and does nothing.
func (u *Updater) Apply(ctx context.Context, p wire.UpdatePush) error {
	if p.Version == u.opts.Running && p.Program == u.opts.Program {
		return nil
	}
	if err := os.MkdirAll(u.dir, 0o750); err != nil {
		return fmt.Errorf("update: %w", err)
	}
	st, err := loadState(u.dir)
	if err != nil {
		return err
	}
	if err := u.acceptable(&p, st); err != nil {
		u.refuse(&p, st, err)
		return err
	}
	path, err := download(ctx, u.opts.Client, u.dir, &p)
	if err != nil {
		if errors.Is(err, ErrMismatch) {
			u.refuse(&p, st, err)
		} // else cut or stopped: it resumes on the next try
		return err
	}
	return u.switchTo(ctx, &p, st, path)
}

// acceptable runs every check that needs no download.
func (u *Updater) acceptable(p *wire.UpdatePush, st Report) error {
	if err := p.Validate(); err != nil {
		return err
	}
	if p.Site != u.opts.Site || p.Unit != u.opts.Unit {
		return fmt.Errorf("update: push is for %s/%s, this device is %s/%s", p.Site, p.Unit, u.opts.Site, u.opts.Unit)
	}
	if p.Program != u.opts.Program || p.Arch != u.opts.Arch {
		return fmt.Errorf("update: push is %s for %s, this device runs %s on %s", p.Program, p.Arch, u.opts.Program, u.opts.Arch)
	}
	if err := wire.VerifyUpdate(p, u.opts.Keys...); err != nil {
		return err
	}
	offered, _ := wire.ParseSemver(p.Version)
	running, _ := wire.ParseSemver(u.opts.Running)
	if offered.Compare(running) <= 0 {
		// A signed push stays valid forever, so a recorded old one must
		// not take a device back to a version with a known fault.
		return fmt.Errorf("update: %s is not newer than the running %s; the centre publishes a newer version to undo one", p.Version, u.opts.Running)
	}
	if slices.Contains(st.Failed, p.Version) {
		return fmt.Errorf("update: %s was rolled back on this device before; the centre must publish a newer version", p.Version)
	}
	return u.roomFor(p)
}

func (u *Updater) refuse(p *wire.UpdatePush, st Report, why error) {
	if st.Phase == RolledBack && st.Version == p.Version {
		return // the retained push again: the rollback's reason stays the report
	}
	r := Report{Program: p.Program, Version: p.Version, Previous: u.opts.Running, Phase: Refused,
		Reason: why.Error(), Canary: p.Canary, Failed: st.Failed}
	if err := saveState(u.dir, r); err != nil {
		u.opts.Logger.Warn("update: cannot record a refusal", "err", err)
	}
	u.opts.Logger.Warn("update refused", "version", p.Version, "err", why)
}

// switchTo installs the verified binary, records it pending, points
// current at it and restarts.
func (u *Updater) switchTo(ctx context.Context, p *wire.UpdatePush, st Report, path string) error {
	if err := install(u.opts.Root, p.Version, p.Program, path); err != nil {
		return err
	}
	os.Remove(path)
	prev, err := linkTarget(u.opts.Root, currentLink)
	if err != nil {
		return err
	}
	if prev == "" {
		prev = u.opts.Running
	}
	r := Report{Program: p.Program, Version: p.Version, Previous: prev, Phase: Pending, Canary: p.Canary, Failed: st.Failed}
	if err := saveState(u.dir, r); err != nil {
		return err
	}
	if err := setLink(u.opts.Root, previousLink, prev); err != nil {
		return err
	}
	if err := setLink(u.opts.Root, currentLink, p.Version); err != nil {
		return err
	}
	u.opts.Logger.Info("update installed; restarting", "version", p.Version, "previous", prev)
	return u.opts.Restarter.Restart(ctx, "update to "+p.Version)
}
