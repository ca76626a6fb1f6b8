package unit

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"github.com/kakou/kakou/firmware/update"
	"github.com/kakou/kakou/firmware/wire"
)

// ErrRestart is what Run returns when an update or a rollback needs the
// program started again from <root>/current: main exits, and systemd
// (Restart=always) starts the version current now names. Screening stops
// for that restart only; the ledger is not touched.
var ErrRestart = errors.New("unit: restarting for a program update")

// updateState is the unit's updater (nil: updates off) and the context
// of the Run an update restarts.
type updateState struct {
	updater  *update.Updater
	lastBeat atomic.Uint64 // the screening loop's beats at the last health check

	mu     sync.Mutex
	ctx    context.Context
	cancel context.CancelCauseFunc
}

// buildUpdater makes the updater when [update] root is set and this build
// has a semver version; the centre's keys are policy.verify_keys'.
func (u *Unit) buildUpdater() error {
	c := u.cfg.Update
	if c.Root == "" {
		return nil
	}
	if _, err := wire.ParseSemver(Version); err != nil {
		u.log.Warn("program updates off: this build's version is not semver (build with -ldflags -X …unit.Version=1.4.2)", "version", Version)
		return nil
	}
	m := u.cfg.MQTT
	if c.CAFile != "" {
		m.CAFile = c.CAFile
	}
	client, err := collectorClient(m)
	if err != nil {
		return fmt.Errorf("update: %w", err)
	}
	up, err := update.New(update.Options{Site: u.cfg.Site, Unit: u.cfg.Unit, Program: "kakou-unit",
		Arch: update.Arch(), Running: Version, DataDir: u.cfg.DataDir, Root: c.Root, Keys: u.push.keys,
		Client: client, Restarter: u, Budget: c.BudgetMiB << 20, LedgerShort: u.diskFull.Load,
		Logger: u.log.With("part", "update")})
	if err != nil {
		return err
	}
	u.updates.updater = up
	return nil
}

// collectorClient fetches binaries from the collector over HTTPS with the
// trust and the client certificate the unit's MQTT uplink uses.
func collectorClient(m MQTTConfig) (*http.Client, error) {
	tc := &tls.Config{MinVersion: tls.VersionTLS12}
	if m.CAFile != "" {
		pem, err := os.ReadFile(m.CAFile)
		if err != nil {
			return nil, fmt.Errorf("update.ca_file (or mqtt.ca_file): %w", err)
		}
		tc.RootCAs = x509.NewCertPool()
		if !tc.RootCAs.AppendCertsFromPEM(pem) {
			return nil, fmt.Errorf("update.ca_file (or mqtt.ca_file): %s holds no PEM certificate", m.CAFile)
		}
	}
	if m.CertFile != "" {
		cert, err := tls.LoadX509KeyPair(m.CertFile, m.KeyFile)
		if err != nil {
			return nil, fmt.Errorf("mqtt.cert_file: %w", err)
		}
		tc.Certificates = []tls.Certificate{cert}
	}
	tr := &http.Transport{TLSClientConfig: tc, ResponseHeaderTimeout: 30 * time.Second,
		TLSHandshakeTimeout: 15 * time.Second, Proxy: http.ProxyFromEnvironment}
	return &http.Client{Transport: tr}, nil
}

// startUpdates gives Run a context an update can end with ErrRestart, and
// confirms (or rolls back) a version just installed.
func (u *Unit) startUpdates(ctx context.Context) context.Context {
	ctx, cancel := context.WithCancelCause(ctx)
	u.updates.mu.Lock()
	u.updates.ctx, u.updates.cancel = ctx, cancel
	u.updates.mu.Unlock()
	up := u.updates.updater
	if up == nil {
		return ctx
	}
	if r, err := up.Report(); err == nil {
		u.uplink.SetUpdate(r.Wire())
	}
	go func() {
		r, err := up.Confirm(ctx, update.HealthFunc(u.updateHealthy), u.cfg.Update.window(), time.Second)
		if err != nil && ctx.Err() == nil {
			u.log.Error("update: confirm", "err", err)
		}
		u.uplink.SetUpdate(r.Wire())
	}()
	return ctx
}

// Restart implements update.Restarter: Run ends with ErrRestart.
func (u *Unit) Restart(_ context.Context, why string) error {
	u.updates.mu.Lock()
	cancel := u.updates.cancel
	u.updates.mu.Unlock()
	if cancel == nil {
		return errors.New("unit: restart asked before Run")
	}
	u.log.Warn("restarting", "why", why)
	cancel(ErrRestart)
	return nil
}

// updateExit is what Run returns: ErrRestart when an update ended it.
func updateExit(ctx context.Context, err error) error {
	if errors.Is(context.Cause(ctx), ErrRestart) {
		return ErrRestart
	}
	return err
}

// onUpdate installs a push from the centre (on the uplink's hand-over
// goroutine: a download takes minutes and holds up nothing else).
func (u *Unit) onUpdate(p wire.UpdatePush) {
	up := u.updates.updater
	if up == nil {
		u.log.Warn("update pushed, but updates are off here ([update] root)", "version", p.Version)
		return
	}
	u.updates.mu.Lock()
	ctx := u.updates.ctx
	u.updates.mu.Unlock()
	if ctx == nil {
		return
	}
	if err := up.Apply(ctx, p); err != nil {
		u.log.Warn("update not installed", "version", p.Version, "err", err)
	}
	if r, err := up.Report(); err == nil {
		u.uplink.SetUpdate(r.Wire())
	}
}

// updateHealthy is what keeps a new version: the screening loop started
// and moving (its beats grew since the last check, as the watchdog asks),
// the ledger's directory writable, and the uplink connected, or cut for
// a reason outside the program (the broker does not even answer a TCP
// connect, so a rollback would not mend it).
func (u *Unit) updateHealthy(ctx context.Context) error {
	select {
	case <-u.started:
	default:
		return errors.New("screening loop not running")
	}
	if b := u.Beats(); u.updates.lastBeat.Swap(b) == b {
		return errors.New("screening loop not moving")
	}
	probe := filepath.Join(u.cfg.DataDir, ".update-probe")
	if err := os.WriteFile(probe, []byte("ok"), 0o600); err != nil {
		return fmt.Errorf("ledger directory not writable: %w", err)
	}
	os.Remove(probe)
	if u.uplink.Connected() {
		return nil
	}
	if slices.ContainsFunc(u.cfg.MQTT.URLs(), func(b string) bool { return update.Answers(ctx, b) }) {
		return errors.New("uplink not connected though the broker answers")
	}
	return nil
}
