package gateway

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
	"time"

	"github.com/kakou/kakou/firmware/update"
	"github.com/kakou/kakou/firmware/wire"
	"github.com/kakou/kakou/gateway/config"
)

// The gateway updates its own program as a unit does (firmware/update;
// gateway/README.md "Program updates"): the centre's signed push arrives
// on the gateway's update topic through the bridge, the binary comes from
// the collector over HTTPS, it is installed beside the running version
// under [update] root, and the gateway stops so the service manager starts
// it again (Restarting, then ErrRestart from the command). The new version
// keeps itself once healthy within [update] window, or goes back. The
// store is never touched by any of it: every entry the units handed over
// stays in the outbox across the update and a rollback.

// ErrRestart is what the command returns when an update or a rollback
// needs the program started again from <root>/current: main exits, and
// systemd (Restart=always) starts the version current names now.
var ErrRestart = errors.New("gateway: restarting for a program update")

// Program is the gateway's name in update pushes and under [update] root.
const Program = "kakou-gateway"

// updates is the gateway's updater (nil: updates off) and what runs it.
type updates struct {
	updater *update.Updater
	pushes  chan wire.UpdatePush // size 1: the latest push wins
	wg      sync.WaitGroup       // the apply and confirm goroutines

	once    sync.Once
	restart chan struct{} // closed by Restart
}

// buildUpdater makes the updater when [update] root is set and this build
// has a semver version; the centre's keys are [policy] verify_keys.
func (g *Gateway) buildUpdater() error {
	c := g.cfg.Update
	if c.Root == "" {
		return nil
	}
	if _, err := wire.ParseSemver(Version); err != nil {
		g.log.Warn("program updates off: this build's version is not semver (build with -ldflags -X …gateway.Version=2.1.0)", "version", Version)
		return nil
	}
	keys, err := update.LoadKeys(g.cfg.Policy.VerifyKeys)
	if err != nil {
		return err
	}
	client, err := collectorClient(g.cfg)
	if err != nil {
		return err
	}
	up, err := update.New(update.Options{Site: g.cfg.Site, Unit: g.cfg.Gateway, Program: Program,
		Arch: update.Arch(), Running: Version, DataDir: g.cfg.DataDir, Root: c.Root, Keys: keys,
		Client: client, Restarter: g, Budget: c.BudgetMiB << 20, Logger: g.log.With("part", "update")})
	if err != nil {
		return err
	}
	g.upd.updater = up
	g.upd.pushes = make(chan wire.UpdatePush, 1)
	return nil
}

// collectorClient fetches binaries from the collector with the trust and
// client certificate of the cloud link; update.ca_file overrides the CA.
func collectorClient(cfg config.Config) (*http.Client, error) {
	tc, err := cfg.Cloud.TLS()
	if err != nil {
		return nil, fmt.Errorf("update: %w", err)
	}
	if tc == nil {
		tc = &tls.Config{MinVersion: tls.VersionTLS12}
	}
	if f := cfg.Update.CAFile; f != "" {
		pem, err := os.ReadFile(f)
		if err != nil {
			return nil, fmt.Errorf("update.ca_file: %w", err)
		}
		tc.RootCAs = x509.NewCertPool()
		if !tc.RootCAs.AppendCertsFromPEM(pem) {
			return nil, fmt.Errorf("update.ca_file: %s holds no PEM certificate", f)
		}
	}
	tr := &http.Transport{TLSClientConfig: tc, ResponseHeaderTimeout: 30 * time.Second,
		TLSHandshakeTimeout: 15 * time.Second, Proxy: http.ProxyFromEnvironment}
	return &http.Client{Transport: tr}, nil
}

// checkUpdateFiles reads the files [update] needs, for -check-config.
func checkUpdateFiles(cfg config.Config) error {
	if cfg.Update.Root == "" {
		return nil
	}
	if _, err := update.LoadKeys(cfg.Policy.VerifyKeys); err != nil {
		return err
	}
	_, err := collectorClient(cfg)
	return err
}

// startUpdates, once everything serves, puts the last outcome in the
// status, installs pushes as they come, and confirms (or rolls back) a
// version just installed. ctx is the parts' context: Shutdown ends it.
func (g *Gateway) startUpdates(ctx context.Context) {
	up := g.upd.updater
	if up == nil {
		return
	}
	if r, err := up.Report(); err == nil {
		g.bridge.SetUpdate(r.Wire())
	}
	g.upd.wg.Add(2)
	go func() {
		defer g.upd.wg.Done()
		r, err := up.Confirm(ctx, update.HealthFunc(g.updateHealthy), g.cfg.Update.WindowOrDefault(), time.Second)
		if err != nil && ctx.Err() == nil {
			g.log.Error("update: confirm", "err", err)
		}
		g.bridge.SetUpdate(r.Wire())
	}()
	go func() {
		defer g.upd.wg.Done()
		for {
			select {
			case <-ctx.Done():
				return
			case p := <-g.upd.pushes:
				g.apply(ctx, p)
			}
		}
	}()
}

// offerUpdate takes the bridge's push on paho's goroutine: it only
// queues it, replacing one not yet started (a download takes minutes).
func (g *Gateway) offerUpdate(p wire.UpdatePush) {
	if g.upd.pushes == nil {
		g.log.Warn("update pushed, but updates are off here ([update] root)", "version", p.Version)
		return
	}
	for {
		select {
		case g.upd.pushes <- p:
			return
		default:
		}
		select {
		case <-g.upd.pushes: // an older push not yet started
		default:
		}
	}
}

func (g *Gateway) apply(ctx context.Context, p wire.UpdatePush) {
	up := g.upd.updater
	if err := up.Apply(ctx, p); err != nil {
		g.log.Warn("update not installed", "version", p.Version, "err", err)
	}
	if r, err := up.Report(); err == nil {
		g.bridge.SetUpdate(r.Wire())
	}
}

// Restart implements update.Restarter: Restarting's channel closes, and
// the command stops the gateway and exits with ErrRestart.
func (g *Gateway) Restart(_ context.Context, why string) error {
	g.log.Warn("restarting", "why", why)
	g.upd.once.Do(func() { close(g.upd.restart) })
	return nil
}

// Restarting is closed once an update or a rollback needs the program
// started again; the command then shuts the gateway down and returns
// ErrRestart.
func (g *Gateway) Restarting() <-chan struct{} { return g.upd.restart }

// updateHealthy is what keeps a new version: the LAN broker and the web
// API take connections, the outbox and the data directory are writable,
// and the bridge is connected to the cloud, or the cloud broker does not
// even answer TCP (no internet: a rollback would not mend it).
func (g *Gateway) updateHealthy(ctx context.Context) error {
	for _, a := range []struct{ what, addr string }{{"LAN broker", g.LANURL()}, {"web API", g.WebAddr()}} {
		if !update.Answers(ctx, a.addr) {
			return fmt.Errorf("%s not answering at %s", a.what, a.addr)
		}
	}
	if err := g.store.Writable(ctx); err != nil {
		return fmt.Errorf("outbox not writable: %w", err)
	}
	probe := filepath.Join(g.cfg.DataDir, ".update-probe")
	if err := os.WriteFile(probe, []byte("ok"), 0o600); err != nil {
		return fmt.Errorf("data directory not writable: %w", err)
	}
	os.Remove(probe)
	if g.bridge.Connected() || !slices.ContainsFunc(g.cfg.Cloud.URLs(), func(b string) bool { return update.Answers(ctx, b) }) {
		return nil
	}
	return errors.New("bridge not connected though the cloud broker answers")
}
