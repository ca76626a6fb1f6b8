// Package console is the gate guard's screen: a small web page the unit
// serves to the Pi's touchscreen in kiosk mode or a guard's phone on the
// LAN. It shows the last result in very large type, the health of each
// device and of the uplink, today's counts, and lets the guard enter a
// temperature by hand when the thermometer has a fault. Behind a site
// gateway it shows how many are inside; a person held because the site is
// full shows "please wait" with the count until they are admitted or the
// guard ends the wait.
package console

import (
	"context"
	"embed"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"net"
	"net/http"
	"sync"
	"time"

	"github.com/kakou/kakou/firmware/credential"
	"github.com/kakou/kakou/firmware/screening"
	"github.com/kakou/kakou/firmware/wire"
)

// Lane is what the console needs from the running unit.
type Lane interface {
	// Amend screens the last person again with what the guard added: a
	// temperature taken by hand, the mask check, a completed registration.
	Amend(ctx context.Context, a screening.Amend) (wire.Entry, error)
	// Override records the guard overruling the last decision.
	Override(ctx context.Context, d wire.Decision, o wire.Override) (wire.Entry, error)
	// Prefill is what the last person's pre-registration code carried.
	Prefill() *credential.Visitor
	Devices() []wire.Device
	UplinkConnected() bool
	Counts(ctx context.Context, since time.Time) (map[wire.Decision]int, error)
	// Count is the site gateway's count and this lane's grant; nil
	// without a gateway.
	Count() *screening.Count
	// Held is the person told to wait and held at the gate, or nil.
	Held() *screening.Held
	// Cancel ends the hold: the person left.
	Cancel() (screening.Held, error)
}

// Options identify the lane on screen and set where "today" starts.
type Options struct {
	Site, Unit string
	Lane       wire.Lane
	Location   *time.Location
	Logger     *slog.Logger
	Now        func() time.Time
	// Privacy masks, hashes and (when FullNumbers says so) seals a
	// registered visitor's numbers; nil only masks them.
	Privacy *credential.Privacy
	// FullNumbers reports whether the running policy demands full
	// numbers; nil: never.
	FullNumbers func() bool
	// Visits serves the visit code, the exit's close-out and the list of
	// visitors inside (visits.go); nil: those routes answer 404.
	Visits Visits
}

// Console serves the guard's page and its small JSON API.
type Console struct {
	lane Lane
	opts Options
	srv  *http.Server
	ln   net.Listener
	tls  bool // StartTLS gave a certificate; see tls.go

	mu   sync.Mutex
	last *wire.Entry
}

//go:embed web
var web embed.FS

// New returns a console for lane; call Start to serve it.
func New(lane Lane, opts Options) *Console {
	if opts.Location == nil {
		opts.Location = time.Local
	}
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.DiscardHandler)
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	c := &Console{lane: lane, opts: opts}
	c.srv = &http.Server{Handler: c.Handler(), ReadHeaderTimeout: 5 * time.Second}
	return c
}

// Record shows e as the latest result; the unit calls it once e is durable.
func (c *Console) Record(e wire.Entry) {
	c.mu.Lock()
	c.last = &e
	c.mu.Unlock()
}

// Handler routes the page and the API.
func (c *Console) Handler() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /{$}", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		b, _ := web.ReadFile("web/console.html")
		w.Write(b)
	})
	static, _ := fs.Sub(web, "web")
	mux.Handle("GET /static/", http.StripPrefix("/static/", http.FileServerFS(static)))
	mux.HandleFunc("GET /api/state", c.state)
	mux.HandleFunc("POST /api/manual-temperature", c.post(c.manual))
	mux.HandleFunc("POST /api/mask", c.post(c.mask))
	mux.HandleFunc("POST /api/register", c.post(c.register))
	mux.HandleFunc("POST /api/override", c.post(c.override))
	mux.HandleFunc("POST /api/cancel-wait", c.cancelWait)
	c.visitRoutes(mux)
	return mux
}

// Start listens on addr ("127.0.0.1:0" in tests) and serves until Shutdown.
func (c *Console) Start(addr string) error {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return fmt.Errorf("console: listen %s: %w (another program on that port? set console.listen)", addr, err)
	}
	c.ln = ln
	go func() {
		if err := c.serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
			c.opts.Logger.Error("console stopped", "err", err)
		}
	}()
	return nil
}

// URL is where the console is served, once started.
func (c *Console) URL() string { return c.scheme() + "://" + c.ln.Addr().String() + "/" }

// Shutdown stops serving, waiting for requests in flight until ctx ends.
func (c *Console) Shutdown(ctx context.Context) error { return c.srv.Shutdown(ctx) }

type stateJSON struct {
	Site     string                `json:"site"`
	Unit     string                `json:"unit"`
	Lane     wire.Lane             `json:"lane"`
	Last     *wire.Entry           `json:"last"`
	Devices  []wire.Device         `json:"devices"`
	Uplink   bool                  `json:"uplink_connected"`
	Today    map[wire.Decision]int `json:"today"`
	ManualOK bool                  `json:"manual_entry"`
	Prefill  *credential.Visitor   `json:"prefill,omitempty"`
	Count    *screening.Count      `json:"count"` // null without a site gateway
	Held     *screening.Held       `json:"held"`  // null unless someone is held at the gate
}

func (c *Console) state(w http.ResponseWriter, r *http.Request) {
	now := c.opts.Now().In(c.opts.Location)
	midnight := time.Date(now.Year(), now.Month(), now.Day(), 0, 0, 0, 0, c.opts.Location)
	today, err := c.lane.Counts(r.Context(), midnight)
	if err != nil {
		c.opts.Logger.Warn("console: counts", "err", err)
	}
	c.mu.Lock()
	last := c.last
	c.mu.Unlock()
	writeJSON(w, http.StatusOK, stateJSON{Site: c.opts.Site, Unit: c.opts.Unit, Lane: c.opts.Lane,
		Last: last, Devices: c.lane.Devices(), Uplink: c.lane.UplinkConnected(), Today: today,
		ManualOK: last != nil && last.Temperature == nil, Prefill: c.lane.Prefill(),
		Count: c.lane.Count(), Held: c.lane.Held()})
}

func writeJSON(w http.ResponseWriter, code int, v any) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(code)
	json.NewEncoder(w).Encode(v)
}
