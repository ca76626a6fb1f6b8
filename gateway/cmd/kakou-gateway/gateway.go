package main

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

// shutdownGrace bounds the whole shutdown; the bridge uses part of it to
// tell the cloud the gateway is going offline.
const shutdownGrace = 10 * time.Second

// gateway is the running program: started in the order the data flows in,
// stopped in reverse.
type gateway struct {
	log     *slog.Logger
	store   *store.Store
	lan     *lan.Server
	bridge  *bridge.Bridge
	web     *http.Server
	webLn   net.Listener
	webTLS  bool // the API is served over HTTPS
	stopBr  context.CancelFunc
	bridged chan error // Run's result
}

func start(ctx context.Context, cfg config.Config, log *slog.Logger) (*gateway, error) {
	g := &gateway{log: log, bridged: make(chan error, 1)}
	if err := os.MkdirAll(cfg.DataDir, 0o750); err != nil {
		return nil, fmt.Errorf("data_dir: %w", err)
	}
	st, err := store.Open(cfg.DatabasePath())
	if err != nil {
		return nil, err
	}
	g.store = st
	if err := g.build(cfg); err != nil {
		st.Close()
		return nil, err
	}
	if err := g.lan.Start(); err != nil {
		g.lan.Close()
		st.Close()
		return nil, err
	}
	bctx, cancel := context.WithCancel(context.WithoutCancel(ctx))
	g.stopBr = cancel
	go func() { g.bridged <- g.bridge.Run(bctx) }()
	go retain(bctx, st, cfg.Retention.Days, log)
	if err := g.serveWeb(cfg.Web); err != nil {
		g.stop()
		return nil, err
	}
	return g, nil
}

// build constructs the LAN server and the bridge. Each needs the other: the
// LAN hands stored entries and statuses to the bridge, the bridge relays
// policies to the LAN. Nothing reaches the hooks before lan.Start.
func (g *gateway) build(cfg config.Config) error {
	capacity, pinned, err := cfg.Capacity()
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
	g.lan, err = lan.New(lan.Options{Site: cfg.Site, Listen: cfg.LAN.Listen, TLS: lanTLS, Store: g.store,
		Capacity: capacity, PinCapacity: pinned, Lanes: cfg.Roles(), Log: g.log,
		OnStored: func(r store.Record) { g.bridge.Offer(r) },
		OnStatus: func(st wire.Status, raw []byte) { g.bridge.RelayStatus(st, raw) }})
	if err != nil {
		return err
	}
	g.bridge, err = bridge.New(bridge.Options{Broker: cfg.Cloud.Broker, ClientID: cfg.Cloud.ClientID,
		Username: cfg.Cloud.Username, Password: cfg.Cloud.Password, TLS: tlsCfg,
		Site: cfg.Site, Gateway: cfg.Gateway, Facility: cfg.Facility, Firmware: version,
		AckTimeout: cfg.Cloud.AckTimeout.Duration, Outbox: g.store, Local: g.lan, Log: g.log})
	if err != nil {
		g.lan.Close()
	}
	return err
}

func (g *gateway) serveWeb(w config.Web) error {
	tc, err := w.TLS()
	if err != nil {
		return err
	}
	ln, err := net.Listen("tcp", w.Listen)
	if err != nil {
		return fmt.Errorf("web.listen: %w", err)
	}
	g.webLn, g.webTLS = ln, tc != nil
	g.web = &http.Server{Handler: web.Handler(g.lan, g.log), ReadHeaderTimeout: 10 * time.Second, TLSConfig: tc}
	go func() {
		if err := serve(g.web, ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
			g.log.Error("web server stopped", "err", err)
		}
	}()
	return nil
}

func (g *gateway) webAddr() string { return g.webLn.Addr().String() }

// webURL is the API's address, https:// when web.cert_file is set.
func (g *gateway) webURL() string {
	if g.webTLS {
		return "https://" + g.webAddr()
	}
	return "http://" + g.webAddr()
}

// serve is ServeTLS for a server with a certificate: it also answers a
// plain-HTTP request with a 400 saying to use https.
func serve(srv *http.Server, ln net.Listener) error {
	if srv.TLSConfig != nil {
		return srv.ServeTLS(ln, "", "")
	}
	return srv.Serve(ln)
}

// stop shuts down in reverse order within shutdownGrace: the API, then the
// bridge (which publishes the gateway's offline status), then the LAN
// broker, and the store last, once nothing writes to it.
func (g *gateway) stop() error {
	deadline, cancel := context.WithTimeout(context.Background(), shutdownGrace)
	defer cancel()
	var errs []error
	if g.web != nil {
		errs = append(errs, g.web.Shutdown(deadline))
	}
	g.stopBr()
	select {
	case err := <-g.bridged:
		if err != nil && !errors.Is(err, context.Canceled) {
			errs = append(errs, err)
		}
	case <-deadline.Done():
		errs = append(errs, errors.New("bridge did not stop in time"))
	}
	errs = append(errs, g.lan.Close(), g.store.Close())
	return errors.Join(errs...)
}
