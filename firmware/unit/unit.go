// Package unit wires a checkpoint unit together: drivers → screening
// pipeline → ledger → uplink. It owns the configuration file and the order
// in which parts start and stop; each part's behaviour lives in its package.
package unit

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"os"
	"path/filepath"
	"sync"
	"sync/atomic"
	"time"

	"github.com/google/uuid"
	"github.com/kakou/kakou/firmware/clock"
	"github.com/kakou/kakou/firmware/console"
	"github.com/kakou/kakou/firmware/ledger"
	"github.com/kakou/kakou/firmware/policy"
	"github.com/kakou/kakou/firmware/rollcall"
	"github.com/kakou/kakou/firmware/screening"
	"github.com/kakou/kakou/firmware/update"
	"github.com/kakou/kakou/firmware/uplink"
	"github.com/kakou/kakou/firmware/visit"
	"github.com/kakou/kakou/firmware/wire"
)

// Version is the firmware version, set at build time with
// -ldflags "-X github.com/kakou/kakou/firmware/unit.Version=…".
var Version = "dev"

// Unit is one running checkpoint.
type Unit struct {
	cfg      Config
	log      *slog.Logger
	ledger   *ledger.Ledger
	devices  *devices
	outputs  *outputs
	console  *console.Console
	health   atomic.Pointer[[]wire.Device]
	pipeline *screening.Pipeline
	rules    *rules
	policy   *policy.Holder
	push     pushState   // the centre's pushed policy; see pushed.go
	roster   rosterState // the guards who may sign in; see roster.go
	staff    staffState  // the staff roster's pushes; see staff.go
	rollcall *rollcall.Tracker
	results  resultsState // the centre's test results; see results.go
	watch    watchState   // the centre's watch roster; see watch.go
	trust    trustState   // the centre's trust list and the verifier in force; see trust.go
	clock    clock.Clock
	uplink   *uplink.Uplink
	diskFull atomic.Bool // the ledger's quota is full of unacknowledged entries
	visits   *visit.Book // the lane's visits, in front of the ledger; see visits.go
	printMu  sync.Mutex  // one receipt at a time on the printer
	cards    *cardReader // the ID card reader, nil for none; see idcard.go

	// started is closed when Run has started screening; see systemd.go.
	started chan struct{}
	updates updateState // program updates from the centre; see update.go
}

// New opens the unit's ledger and builds its parts; nothing runs until Run.
func New(cfg Config, log *slog.Logger) (*Unit, error) {
	if err := cfg.Validate(); err != nil {
		return nil, fmt.Errorf("unit: config: %w", err)
	}
	if err := os.MkdirAll(cfg.DataDir, 0o750); err != nil {
		return nil, fmt.Errorf("unit: data_dir: %w (create it or point data_dir at a writable directory)", err)
	}
	if err := useCredential(context.Background(), &cfg, log); err != nil {
		return nil, fmt.Errorf("unit: %w", err)
	}
	led, err := ledger.Open(filepath.Join(cfg.DataDir, "ledger.db"))
	if err != nil {
		return nil, fmt.Errorf("unit: %w", err)
	}
	u := &Unit{cfg: cfg, log: log, ledger: led, started: make(chan struct{})}
	if err := u.build(); err != nil {
		u.Close()
		return nil, err
	}
	return u, nil
}

func (u *Unit) build() error {
	u.clock = clock.Clock{Trusted: u.cfg.TrustClock}
	var err error
	if u.rules, err = loadRules(u.cfg, u.clock); err != nil {
		return fmt.Errorf("unit: %w", err)
	}
	if err := u.loadPushKeys(); err != nil {
		return fmt.Errorf("unit: %w", err)
	}
	u.loadPushed()
	u.loadWatch()
	now, synced := u.clock.Now()
	initial, _ := u.inForce(now, synced)
	if u.policy, err = policy.NewHolder(initial); err != nil {
		return fmt.Errorf("unit: %w", err)
	}
	pol := u.policy.Current()
	u.buildRollCall()
	bootID := clock.BootID()
	m := u.cfg.MQTT
	rate := m.BacklogRate
	if rate == 0 {
		rate = uplink.NoRateLimit // the config's 0 means no limit
	}
	up, err := uplink.New(u.ledger, uplink.Options{
		Broker: m.Broker, Brokers: m.Brokers, ClientID: m.ClientID, Username: m.Username, Password: m.Password,
		CAFile: m.CAFile, CertFile: m.CertFile, KeyFile: m.KeyFile,
		BacklogRate: rate, Heartbeat: m.Heartbeat.Duration, AckTimeout: m.AckTimeout.Duration,
		SubscribeQoS0: m.SubscribeQoS != nil && *m.SubscribeQoS == 0,
		Status: wire.Status{Schema: wire.SchemaVersion, Site: u.cfg.Site, Unit: u.cfg.Unit,
			Facility: u.cfg.Facility, Lane: u.cfg.Lane, Firmware: Version, Arch: update.Arch(),
			SiteName: u.cfg.SiteName, UnitName: u.cfg.UnitName,
			PolicyVersion: pol.Version, BootID: bootID},
		Logger: u.log.With("part", "uplink"), OnPolicy: u.onPolicy, OnFlow: u.onFlow,
		OnGuards: u.onGuards, OnStaff: u.onStaff, OnResults: u.onResults, OnWatch: u.onWatch,
		OnHouseholds: u.onHouseholds,
		OnTrust:      u.onTrust,
		OnUpdate:     u.onUpdate,
	})
	if err != nil {
		return fmt.Errorf("unit: %w", err)
	}
	u.devices, err = openDevices(u.cfg)
	if err != nil {
		return fmt.Errorf("unit: %w", err)
	}
	if err := u.openCards(); err != nil {
		return fmt.Errorf("unit: %w", err)
	}
	u.devices.addHealthService(u.rules.verifier)
	if u.outputs, err = openOutputs(u.cfg, u.log.With("part", "outputs")); err != nil {
		return fmt.Errorf("unit: %w", err)
	}
	u.uplink = up
	priv, err := u.loadPrivacy()
	if err != nil {
		return fmt.Errorf("unit: %w", err)
	}
	u.rules.verifier.Watch, u.rules.verifier.Hashes = u.Roster, priv
	u.wireDCC()
	u.startTrust(u.rules.verifier) // the saved trust list on top of the config's (trust.go)
	// The pipeline writes through the visit book, which opens and closes
	// visits in the entries it stores (visits.go).
	if err := u.openVisits(bootID, priv); err != nil {
		return fmt.Errorf("unit: %w", err)
	}
	slots, err := newVenueSlots(u.cfg.Enroll.URL, u.cfg.Enroll.CAFile, u.cfg.Site)
	if err != nil {
		return fmt.Errorf("unit: %w", err)
	}
	u.pipeline, err = screening.New(u.devices.thermo, u.devices.scanner, u.visits, screening.Options{
		Site: u.cfg.Site, Unit: u.cfg.Unit, Lane: u.cfg.Lane, BootID: bootID,
		Policy: u.policy.Current, Credentials: &u.trust, Roster: u.Roster,
		Now: u.clock.Now, NewID: newID, Decided: u.decided, Logger: u.log.With("part", "screening"),
		HoldTimeout: u.cfg.Flow.HoldTimeout.Duration, AwaitFlow: u.cfg.Flow.AwaitGateway,
		OnDuty:     func() string { return u.console.OnDuty() },
		StaffCheck: u.rollcall.Stamp,
		Recorded:   u.recorded,
		Households: u.ledger,
		Venue:      u.ledger,
		Privacy:    priv,
		NextSlot:   slots.NextText,
		BeatEvery:  u.cfg.BeatEvery,
	})
	if err != nil {
		return fmt.Errorf("unit: %w", err)
	}
	u.restoreFlow()
	if err := u.restoreHolds(); err != nil {
		return fmt.Errorf("unit: %w", err)
	}
	u.console = console.New(u, console.Options{Site: u.cfg.Site, Unit: u.cfg.Unit, Lane: u.cfg.Lane,
		SiteName: u.cfg.SiteName, UnitName: u.cfg.UnitName, Voice: u.cfg.Console.Voice,
		Logger: u.log.With("part", "console"), Privacy: priv, FullNumbers: u.fullNumbers,
		StaleAfter: u.cfg.Console.StaleAfter.Duration, Logbook: u, Visits: u,
		SessionIdle: u.cfg.Console.SessionIdle.Duration, RollCall: u,
		Vehicles: u.vehicleConsole(), ANPRToken: u.cfg.ANPR.Token, ANPRMinConfidence: u.cfg.ANPR.MinConfidence})
	if err := u.loadGuards(); err != nil {
		return fmt.Errorf("unit: %w", err)
	}
	u.loadStaff(context.Background())
	return u.buildUpdater()
}

// Amend, Override, Recheck, Dismiss, OnScreen, UplinkConnected, Counts,
// Count, Held and Cancel serve the guard console.
func (u *Unit) Amend(ctx context.Context, on string, a screening.Amend) (wire.Entry, error) {
	return u.pipeline.Amend(ctx, on, a)
}
func (u *Unit) Override(ctx context.Context, on string, o screening.Overrule) (wire.Entry, error) {
	return u.pipeline.Override(ctx, on, o)
}
func (u *Unit) Recheck(ctx context.Context, on, by string) (wire.Entry, error) {
	return u.pipeline.Recheck(ctx, on, by)
}
func (u *Unit) Dismiss(on, by string) error                { return u.pipeline.Dismiss(on, by) }
func (u *Unit) OnScreen() (open, recent []screening.Shown) { return u.pipeline.OnScreen() }
func (u *Unit) UplinkConnected() bool                      { return u.uplink.Connected() }
func (u *Unit) Counts(ctx context.Context, since time.Time) (map[wire.Decision]int, error) {
	return u.ledger.Counts(ctx, since)
}
func (u *Unit) Count() *screening.Count         { return u.pipeline.Count() }
func (u *Unit) Held() *screening.Held           { return u.pipeline.Held() }
func (u *Unit) Cancel() (screening.Held, error) { return u.pipeline.Cancel() }

// newID makes a time-ordered UUIDv7, unique without coordination.
func newID() string { return uuid.Must(uuid.NewV7()).String() }

// decided runs once an entry is durable: show it and hand it to the uplink.
func (u *Unit) decided(e wire.Entry) {
	args := []any{"seq", e.Seq, "decision", e.Decision, "credential", e.Credential.Kind, "reason", e.Reasons[0].ZH}
	if e.Temperature != nil {
		args = append(args, "temp_c", e.Temperature.CorrectedC)
	}
	u.log.Info("entry", args...)
	u.outputs.show(u.atBarrier(e)) // vehicle.go
	u.rollcall.Note(e)
	u.uplink.Notify()
}

// Run screens and uplinks until ctx ends. The pipeline finishing early (a
// simulator with max_people) leaves the uplink running to drain the ledger.
func (u *Unit) Run(ctx context.Context) error {
	ctx = u.startUpdates(ctx)
	if u.cfg.Console.Listen != "off" {
		if err := u.startConsole(); err != nil {
			return fmt.Errorf("unit: %w", err)
		}
		u.log.Info("guard console: " + u.console.URL())
		defer func() {
			sctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
			defer cancel()
			u.console.Shutdown(sctx)
		}()
	}
	upDone := make(chan error, 1)
	go func() { upDone <- u.uplink.Run(ctx) }()
	go u.watchHealth(ctx)
	go u.maintainLedger(ctx)
	go u.watchPolicy(ctx)
	go u.watchDuties(ctx)
	go u.watchStaffRound(ctx)
	go u.outputs.run(ctx)
	go u.runANPR(ctx)
	go u.runCards(ctx)
	u.log.Info("unit running", "site", u.cfg.Site, "unit", u.cfg.Unit, "lane", u.cfg.Lane,
		"broker", u.cfg.MQTT.Where(), "ledger", filepath.Join(u.cfg.DataDir, "ledger.db"), "firmware", Version)
	close(u.started)
	if err := u.pipeline.Run(ctx); err != nil {
		u.log.Error("screening stopped", "err", err)
	}
	return updateExit(ctx, <-upDone)
}

// ConsoleHandler serves the guard console's page and API in-process, for
// checks and tests that need no listener.
func (u *Unit) ConsoleHandler() http.Handler { return u.console.Handler() }

// Ledger gives read access to the unit's ledger, for checks and tests.
func (u *Unit) Ledger() *ledger.Ledger { return u.ledger }

// Close puts the outputs in their safe state and releases the devices and
// the ledger; call after Run has returned. It also undoes a half-built unit.
func (u *Unit) Close() error {
	var errs []error
	if u.outputs != nil {
		errs = append(errs, u.outputs.halt())
	}
	if u.devices != nil {
		errs = append(errs, u.devices.close())
	}
	return errors.Join(append(errs, u.ledger.Close())...)
}
