// Package collector wires the cloud collector together: the store, an
// embedded or external MQTT broker, ingest, and the HTTP API with the
// dashboard. It starts them in dependency order and stops them in reverse.
package collector

import (
	"cmp"
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"os"
	"time"

	"github.com/kakou/kakou/cloud/api"
	"github.com/kakou/kakou/cloud/broker"
	"github.com/kakou/kakou/cloud/fleet"
	"github.com/kakou/kakou/cloud/ingest"
	"github.com/kakou/kakou/cloud/metrics"
	"github.com/kakou/kakou/cloud/roster"
	"github.com/kakou/kakou/cloud/staff"
	"github.com/kakou/kakou/cloud/store"
	"github.com/kakou/kakou/cloud/store/postgres"
	"github.com/kakou/kakou/cloud/store/sqlite"
	"github.com/kakou/kakou/cloud/trust"
)

// Store is what the collector runs on: SQLite in its data directory, or
// PostgreSQL shared by several collectors.
type Store interface {
	ingest.Store
	api.Store
	fleet.Store
	api.SessionStore
	api.GuardStore
	roster.Store   // the watch roster (watch.go)
	trust.Store    // the trust list (trust.go)
	broker.Devices // enrolled devices, for [broker] auth = "devices"
	PutSites(ctx context.Context, sites []store.Site) error
	AckedSeq(ctx context.Context, unit store.UnitID) (uint64, error)
	store.ReportRuns  // report delivery (reports.go)
	store.ResultStore // test results recorded at the centre (holds.go)
	store.VenueStore  // registrations from the venue code's page (venue.go)
	RaiseAlert(ctx context.Context, a store.Alert) (bool, error)
	Close() error
}

// Collector is the running cloud collector.
type Collector struct {
	cfg Config
	log *slog.Logger

	store     Store
	broker    *broker.Broker // nil with an external broker
	brokerURL string
	brokerTLS *tls.Config // how ingest dials the broker; nil for plain TCP
	ingest    *ingest.Ingest
	metrics   *metrics.Metrics
	fleet     *fleet.Fleet // nil without a policies folder
	stopFleet context.CancelFunc
	// rosters sends the sites' guard rosters to their units (rosters.go).
	rosters     *fleet.Rosters
	watchRoster *roster.Service // the centre's watch roster (watch.go)
	trust       *trust.Service  // the centre's trust list (trust.go)
	stopRosters context.CancelFunc
	staff       *staff.Pusher // the staff rosters' publisher (staff.go)
	// stopRetention ends the hourly purge (privacy.go).
	stopRetention context.CancelFunc
	holds         holdsState // test results and returnees (holds.go)
	// stopVisits ends the overstay sweep (visits.go).
	stopVisits context.CancelFunc
	// stopReports ends the report delivery scheduler (reports.go).
	stopReports context.CancelFunc
	// stopUnitAlerts ends the units' state sweep (unitalerts.go); stopNotify
	// ends the notifier and waits for its sends (notify.go).
	stopUnitAlerts, stopNotify func()
	scope                      func(site string) []string // SetScope
	notifyPoll                 time.Duration              // 0: notify.DefaultPoll; tests shorten it
	http                       *http.Server
	httpAddr                   net.Addr
}

// New checks cfg; nothing is opened until Start.
func New(cfg Config, log *slog.Logger) (*Collector, error) {
	if err := cfg.Validate(); err != nil {
		return nil, fmt.Errorf("collector: config:\n%w", err)
	}
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	return &Collector{cfg: cfg, log: log}, nil
}

// Start opens the store, starts the broker if embedded, subscribes, and
// serves HTTP. It returns when all of them are listening; on error what was
// started is shut down again.
func (c *Collector) Start(ctx context.Context) error {
	c.metrics = metrics.New()
	steps := []func(context.Context) error{c.openStore, c.startBroker, c.startIngest, c.startFleet, c.startRosters, c.startStaff, c.startResults, c.startWatchRoster, c.startTrust, c.startHTTP, c.startRetention, c.startVisits, c.startReports, c.startUnitAlerts, c.startNotify}
	for _, step := range steps {
		if err := step(ctx); err != nil {
			shutdownCtx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
			defer cancel()
			return errors.Join(err, c.Shutdown(shutdownCtx))
		}
	}
	c.log.Info("collector running", "http", c.HTTPURL(), "broker", c.BrokerURLs(),
		"embedded_broker", c.broker != nil, "store", c.cfg.Store.Driver)
	return nil
}

func (c *Collector) openStore(ctx context.Context) error {
	st, err := c.dialStore(ctx)
	if err != nil {
		return fmt.Errorf("collector: %w", err)
	}
	c.store = st
	sites := make([]store.Site, len(c.cfg.Sites))
	for i, s := range c.cfg.Sites {
		sites[i] = store.Site{ID: s.ID, Name: cmp.Or(s.Name, s.ID), Facility: s.Facility}
	}
	if err := st.PutSites(ctx, sites); err != nil {
		return fmt.Errorf("collector: %w", err)
	}
	return nil
}

func (c *Collector) dialStore(ctx context.Context) (Store, error) {
	if c.cfg.Store.Driver == "postgres" {
		return postgres.Open(ctx, c.cfg.Store.PostgresDSN())
	}
	if err := os.MkdirAll(c.cfg.DataDir, 0o750); err != nil {
		return nil, fmt.Errorf("data directory: %w", err)
	}
	st, err := sqlite.Open(c.cfg.DatabasePath())
	if err != nil {
		return nil, err
	}
	loc, err := c.cfg.Location() // checked with the config
	if err == nil {
		st.SetTimezone(loc)
	}
	return st, nil
}

func (c *Collector) startBroker(context.Context) error {
	if !c.cfg.Broker.Embedded {
		c.brokerURL = c.cfg.Broker.URL
		return c.externalTLS()
	}
	b, err := broker.New(c.cfg.Broker.Listen, c.log)
	if err != nil {
		return fmt.Errorf("collector: %w", err)
	}
	if err := c.listenTLS(b); err != nil {
		return fmt.Errorf("collector: %w", err)
	}
	if err := c.requireDevices(b); err != nil {
		return fmt.Errorf("collector: %w", err)
	}
	if err := b.Start(); err != nil {
		return fmt.Errorf("collector: %w", err)
	}
	c.broker, c.brokerURL = b, c.brokerScheme()+"://"+dialable(b.Addr())
	c.metrics.SetBrokerDropped(func() float64 { return float64(b.Dropped()) })
	return nil
}

func (c *Collector) startIngest(ctx context.Context) error {
	in, err := ingest.New(c.store, ingest.Options{BrokerURL: c.brokerURL,
		ClientID: c.cfg.Broker.ClientID, Username: c.cfg.Broker.Username,
		Password: c.cfg.Broker.Password, SharedGroup: c.cfg.Broker.SharedGroup,
		BrokerURLs: c.cfg.Broker.URLs, JetStream: c.ingestJetStream(),
		Observer: c.metrics, Logger: c.log, TLS: c.brokerTLS})
	if err != nil {
		return fmt.Errorf("collector: %w", err)
	}
	if err := in.Start(ctx); err != nil {
		return fmt.Errorf("collector: %w", err)
	}
	c.ingest = in
	return nil
}

// fleetEvery is how often the fleet reconciler compares what units run
// with what was chosen for them.
const fleetEvery = 10 * time.Second

func (c *Collector) startFleet(context.Context) error {
	if c.cfg.PoliciesDir == "" {
		return nil
	}
	profiles, err := fleet.LoadProfiles(c.cfg.PoliciesDir)
	if len(profiles) == 0 {
		return fmt.Errorf("collector: policies_dir: %w", err)
	}
	if err != nil { // the good ones serve; GET /api/v1/policies lists the rest
		c.log.Warn("policies_dir: some profiles did not load", "err", err)
	}
	c.fleet = fleet.New(c.store, c.ingest, profiles, c.log)
	c.fleet.WatchDir(c.cfg.PoliciesDir)
	if t := c.cfg.Regions(); t != nil {
		c.fleet.PlaceIn(t)
	}
	if err := c.signPushes(); err != nil {
		return err
	}
	ctx, cancel := context.WithCancel(context.Background())
	c.stopFleet = cancel
	go c.fleet.Run(ctx, fleetEvery)
	return nil
}

func (c *Collector) startHTTP(context.Context) error {
	loc, err := c.cfg.Location()
	if err != nil {
		return fmt.Errorf("collector: timezone: %w", err)
	}
	tokens := map[string]api.Caller{}
	for _, t := range c.cfg.Tokens {
		tokens[t.Token] = api.Caller{User: t.User, Role: t.Role, Region: t.Region}
	}
	hour, minute, _ := c.cfg.Report.CutAt() // checked by Validate
	c.watchGauges()
	opts := api.Options{Location: loc, Logger: c.log, Tokens: tokens, ReportCut: [2]int{hour, minute},
		Reports: c.cfg.ReportDefs(),
		Metrics: c.metrics.Handler(), Auth: c.cfg.AuthOptions(c.store), Regions: c.cfg.Regions()}
	if opts.Privacy, err = c.apiPrivacy(); err != nil {
		return fmt.Errorf("collector: %w", err)
	}
	if opts.Auth != nil && len(opts.Auth.Users) == 0 {
		c.log.Warn("logins are required but no [[users]] are configured: only [[api_tokens]] get in; add users with kakou-cloud passwd")
	}
	if c.fleet != nil {
		opts.Fleet = c.fleet
	}
	opts.Guards = c.guardDesk()
	opts.Staff = c.staffDesk()
	opts.Results, opts.ReturneePlan = c.holds.results, c.returneePlan
	opts.Roster = c.watchRoster
	opts.Trust = c.trust
	if opts.Updates, err = c.rolloutCentre(); err != nil { // rollouts.go
		return err
	}
	if opts.Venue, err = c.venueOpts(); err != nil { // venue.go
		return err
	}
	h, err := api.New(c.store, opts)
	if err != nil {
		return fmt.Errorf("collector: %w", err)
	}
	tc, err := c.httpTLS()
	if err != nil {
		return fmt.Errorf("collector: %w", err)
	}
	ln, err := net.Listen("tcp", c.cfg.HTTP.Listen)
	if err != nil {
		return fmt.Errorf("collector: http: %w", err)
	}
	c.httpAddr = ln.Addr()
	c.http = &http.Server{Handler: withUpdateFiles(h, c.cfg.Updates.Dir), ReadHeaderTimeout: 5 * time.Second, TLSConfig: tc,
		ReadTimeout: 10 * time.Second, WriteTimeout: 30 * time.Second, IdleTimeout: 2 * time.Minute,
		ErrorLog: slog.NewLogLogger(c.log.Handler(), slog.LevelWarn)}
	srv := c.http // Shutdown clears c.http, maybe before this goroutine runs
	go func() {
		if err := c.serveHTTP(srv, ln); !errors.Is(err, http.ErrServerClosed) {
			c.log.Error("http server stopped", "err", err)
		}
	}()
	return nil
}

// watchGauges lets /metrics read the units online and the open alerts
// from the store at scrape time.
func (c *Collector) watchGauges() {
	st := c.store
	c.metrics.SetUnitsOnline(func() float64 {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		units, err := st.Units(ctx, time.Now())
		n := 0
		for _, u := range units {
			if u.Online {
				n++
			}
		}
		if err != nil {
			return -1
		}
		return float64(n)
	})
	c.metrics.SetAlertsOpen(func() float64 {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		as, err := st.Alerts(ctx, store.AlertQuery{Open: true, Limit: store.MaxLimit})
		if err != nil {
			return -1
		}
		return float64(len(as))
	})
}

// HTTPURL is the dashboard's address, e.g. http://127.0.0.1:8080.
func (c *Collector) HTTPURL() string {
	if c.httpAddr == nil {
		return ""
	}
	return c.httpScheme() + "://" + dialable(c.httpAddr.String())
}

// Store is the collector's database, for tests and tools in this module.
func (c *Collector) Store() Store { return c.store }

// Shutdown stops in reverse order of Start: HTTP first so no request reads
// a closing store, then ingest so nothing is left half-stored (unacked
// messages stay with the broker), then the broker, then the store.
func (c *Collector) Shutdown(ctx context.Context) error {
	var errs []error
	if c.http != nil {
		errs = append(errs, c.http.Shutdown(ctx))
		c.http = nil
	}
	if c.stopFleet != nil {
		c.stopFleet()
		c.stopFleet = nil
	}
	if c.stopRosters != nil {
		c.stopRosters()
		c.stopRosters = nil
	}
	if c.stopRetention != nil {
		c.stopRetention()
		c.stopRetention = nil
	}
	for _, stop := range []*func(){&c.stopNotify, &c.stopUnitAlerts, &c.holds.stop} {
		if *stop != nil {
			(*stop)()
			*stop = nil
		}
	}
	if c.stopVisits != nil {
		c.stopVisits()
		c.stopVisits = nil
	}
	if c.stopReports != nil {
		c.stopReports()
		c.stopReports = nil
	}
	if c.ingest != nil {
		c.ingest.Stop()
		c.ingest = nil
	}
	if c.broker != nil {
		errs = append(errs, closeWithin(ctx, c.broker.Close))
		c.broker = nil
	}
	if c.store != nil {
		errs = append(errs, c.store.Close())
		c.store = nil
	}
	if err := errors.Join(errs...); err != nil {
		return fmt.Errorf("collector: shutdown: %w", err)
	}
	return nil
}

// closeWithin gives up waiting for close when ctx ends, so the shutdown
// deadline holds: mochi's Close has been seen to wait minutes on a client
// goroutine. What is left running goes with the process.
func closeWithin(ctx context.Context, close func() error) error {
	done := make(chan error, 1)
	go func() { done <- close() }()
	select {
	case err := <-done:
		return err
	case <-ctx.Done():
		return fmt.Errorf("broker did not close before the shutdown deadline: %w", ctx.Err())
	}
}

// dialable turns a listening address into one a client can dial: an
// unspecified host (0.0.0.0 or ::) becomes the loopback address.
func dialable(addr string) string {
	host, port, err := net.SplitHostPort(addr)
	if err != nil {
		return addr
	}
	if ip := net.ParseIP(host); host == "" || ip != nil && ip.IsUnspecified() {
		host = "127.0.0.1"
	}
	return net.JoinHostPort(host, port)
}
