// Package gateway wires a site gateway together: store → LAN broker →
// bridge to the cloud → the staff's occupancy API. It owns the order in
// which they start and stop; each part's behaviour lives in its package.
// The command (gateway/cmd/kakou-gateway) and tests start it the same way:
// New, Start, Shutdown.
package gateway

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"os"
	"time"

	"github.com/kakou/kakou/firmware/wire"
	"github.com/kakou/kakou/gateway/bridge"
	"github.com/kakou/kakou/gateway/config"
	"github.com/kakou/kakou/gateway/lan"
	"github.com/kakou/kakou/gateway/store"
	"github.com/kakou/kakou/gateway/web"
)

// Version is the gateway's version, reported in its status, set at build
// time with -ldflags "-X github.com/kakou/kakou/gateway/gateway.Version=…".
var Version = "dev"

// Gateway is the running site gateway: started in the order the data
// flows in, stopped in reverse.
type Gateway struct {
	cfg     config.Config
	log     *slog.Logger
	store   *store.Store
	lan     *lan.Server
	bridge  *bridge.Bridge
	web     *http.Server
	webLn   net.Listener
	webTLS  bool // the API is served over HTTPS
	stopBr  context.CancelFunc
	bridged chan error // Run's result
	upd     updates    // program updates (update.go)
}

// New checks cfg; nothing is opened until Start. A nil log discards.
func New(cfg config.Config, log *slog.Logger) (*Gateway, error) {
	if err := cfg.Validate(); err != nil {
		return nil, fmt.Errorf("gateway: config:\n%w", err)
	}
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	return &Gateway{cfg: cfg, log: log, bridged: make(chan error, 1), upd: updates{restart: make(chan struct{})}}, nil
}

// Start enrolls if [enroll] asks for it and no credential is saved, opens
// the store, and starts the LAN broker, the bridge, the retention purge
// and the API. It returns once units can connect and the API listens; on
// error what was started is stopped again. ctx bounds enrollment only:
// the parts run until Shutdown.
func (g *Gateway) Start(ctx context.Context) error {
	if err := useCredential(ctx, &g.cfg, g.log); err != nil { // enroll.go
		return err
	}
	if err := os.MkdirAll(g.cfg.DataDir, 0o750); err != nil {
		return fmt.Errorf("data_dir: %w", err)
	}
	st, err := store.Open(g.cfg.DatabasePath())
	if err != nil {
		return err
	}
	g.store = st
	if err := g.buildUpdater(); err != nil { // update.go
		st.Close()
		return err
	}
	if err := g.build(); err != nil {
		st.Close()
		return err
	}
	if err := g.lan.Start(); err != nil {
		g.lan.Close()
		st.Close()
		return err
	}
	bctx, cancel := context.WithCancel(context.WithoutCancel(ctx))
	g.stopBr = cancel
	go func() { g.bridged <- g.bridge.Run(bctx) }()
	go retain(bctx, st, g.cfg.Retention.Days, g.log)
	if err := g.serveWeb(g.cfg.Web); err != nil {
		sctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		g.Shutdown(sctx)
		return err
	}
	g.startUpdates(bctx)
	return nil
}

// build constructs the LAN server and the bridge. Each needs the other: the
// LAN hands stored entries and statuses to the bridge, the bridge relays
// policies to the LAN. Nothing reaches the hooks before lan.Start.
func (g *Gateway) build() error {
	cfg := g.cfg
	capacity, err := cfg.Capacity()
	if err != nil {
		return err
	}
	tlsCfg, err := cfg.Cloud.TLS()
	if err != nil {
		return err
	}
	lanTLS, err := cfg.LAN.TLS()
	if err != nil {
		return err
	}
	g.lan, err = lan.New(lan.Options{Site: cfg.Site, Gateway: cfg.Gateway, Listen: cfg.LAN.Listen, TLS: lanTLS,
		Store: g.store, Capacity: capacity, Lanes: cfg.Roles(), Log: g.log,
		OnStored: func(r store.Record) { g.bridge.Offer(r) },
		OnStatus: func(st wire.Status, raw []byte) { g.bridge.RelayStatus(st, raw) }})
	if err != nil {
		return err
	}
	g.bridge, err = bridge.New(bridge.Options{Broker: cfg.Cloud.Broker, Brokers: cfg.Cloud.Brokers, ClientID: cfg.Cloud.ClientID,
		Username: cfg.Cloud.Username, Password: cfg.Cloud.Password, TLS: tlsCfg,
		Site: cfg.Site, Gateway: cfg.Gateway, Facility: cfg.Facility, Firmware: Version,
		AckTimeout: cfg.Cloud.AckTimeout.Duration, Outbox: g.store, Local: g.lan,
		SubscribeQoS0: cfg.Cloud.SubscribeQoS != nil && *cfg.Cloud.SubscribeQoS == 0,
		Occupancy:     g.lan.SiteOccupancy, OnUpdate: g.offerUpdate, Log: g.log})
	if err != nil {
		g.lan.Close()
	}
	return err
}

func (g *Gateway) serveWeb(w config.Web) error {
	tc, err := w.TLS()
	if err != nil {
		return err
	}
	ln, err := net.Listen("tcp", w.Listen)
	if err != nil {
		return fmt.Errorf("web.listen: %w", err)
	}
	g.webLn, g.webTLS = ln, tc != nil
	managers := make([]web.Manager, len(g.cfg.Managers))
	for i, m := range g.cfg.Managers {
		managers[i] = web.Manager{ID: m.ID, Name: m.Name, PINHash: m.PINHash}
	}
	h := web.Handler(web.Options{Site: g.lan, Managers: managers, Log: g.log, Households: g.lan})
	g.web = &http.Server{Handler: h, ReadHeaderTimeout: 10 * time.Second, TLSConfig: tc}
	go func() {
		if err := serve(g.web, ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
			g.log.Error("web server stopped", "err", err)
		}
	}()
	return nil
}

// LANURL is where units connect: tcp://, or ssl:// with lan.cert_file.
func (g *Gateway) LANURL() string { return g.lan.URL() }

// WebAddr is the address the occupancy API listens on.
func (g *Gateway) WebAddr() string { return g.webLn.Addr().String() }

// WebURL is the API's address, https:// when web.cert_file is set.
func (g *Gateway) WebURL() string {
	if g.webTLS {
		return "https://" + g.WebAddr()
	}
	return "http://" + g.WebAddr()
}

// serve is ServeTLS for a server with a certificate: it also answers a
// plain-HTTP request with a 400 saying to use https.
func serve(srv *http.Server, ln net.Listener) error {
	if srv.TLSConfig != nil {
		return srv.ServeTLS(ln, "", "")
	}
	return srv.Serve(ln)
}

// Shutdown stops in reverse order within ctx's deadline: the API, then
// the bridge (which publishes the gateway's offline status), then the LAN
// broker, and the store last, once nothing writes to it. A gateway that
// was never started has nothing to stop.
func (g *Gateway) Shutdown(ctx context.Context) error {
	if g.stopBr == nil {
		return nil
	}
	var errs []error
	if g.web != nil {
		errs = append(errs, g.web.Shutdown(ctx))
	}
	g.stopBr()
	g.upd.wg.Wait() // an update stops with the parts' context
	select {
	case err := <-g.bridged:
		if err != nil && !errors.Is(err, context.Canceled) {
			errs = append(errs, err)
		}
	case <-ctx.Done():
		errs = append(errs, errors.New("bridge did not stop in time"))
	}
	errs = append(errs, g.lan.Close(), g.store.Close())
	return errors.Join(errs...)
}
