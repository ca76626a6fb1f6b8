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

// Lane is what the console needs from the running unit. Every action
// names the entry on the guard's screen that it is about (screening's
// person.go); by is the guard acting.
type Lane interface {
	// Amend screens the person again with what the guard added: a
	// temperature taken by hand, the mask mark, a completed registration.
	Amend(ctx context.Context, on string, a screening.Amend) (wire.Entry, error)
	// Override records the guard overruling the decision.
	Override(ctx context.Context, on string, o screening.Overrule) (wire.Entry, error)
	// Recheck measures the person again.
	Recheck(ctx context.Context, on, by string) (wire.Entry, error)
	// Dismiss takes a result off the screen; nothing is decided.
	Dismiss(on, by string) error
	// OnScreen is what awaits the guard and the latest results.
	OnScreen() (open, recent []screening.Shown)
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
	// SiteName and UnitName are shown in the header instead of the ids
	// when set (阳光花园小区 · 北门).
	SiteName, UnitName string
	// Voice: the page speaks each result from the shipped clips.
	Voice    bool
	Lane     wire.Lane
	Location *time.Location
	Logger   *slog.Logger
	Now      func() time.Time
	// Privacy masks, hashes and (when FullNumbers says so) seals a
	// registered visitor's numbers; nil only masks them.
	Privacy *credential.Privacy
	// FullNumbers reports whether the running policy demands full
	// numbers; nil: never.
	FullNumbers func() bool
	// StaleAfter greys a result out on screen once it is this old, so a
	// guard glancing up does not take an old result for the person in
	// front of them; DefaultStaleAfter when zero.
	StaleAfter time.Duration
	// Logbook keeps the duty log and the hand-over (duty.go); nil: off.
	Logbook Logbook
	// SessionIdle ends a guard's session after this long without a
	// sign-in or an action (DefaultSessionIdle unless set; auth.go).
	SessionIdle time.Duration
	// Visits serves the visit code, the exit's close-out and the list of
	// visitors inside (visits.go); nil: those routes answer 404.
	Visits Visits
	// RollCall serves the roll-call panel (rollcall.go); nil: off.
	RollCall RollCall
	// Vehicles makes the console a vehicle lane's (vehicle.go): the plate,
	// the occupants and the vehicle's result; nil: a lane for people.
	Vehicles Vehicles
	// ANPRToken is the device token a number-plate camera posts with
	// (POST /api/anpr); "" keeps that route off. ANPRMinConfidence drops
	// the camera's doubtful reads.
	ANPRToken         string
	ANPRMinConfidence int
}

// DefaultStaleAfter is how long a result looks current: a busy lane
// screens someone every 1.5-3 s, a quiet gate keeps a result readable
// while the guard walks over.
const DefaultStaleAfter = 20 * time.Second

// Console serves the guard's page and its small JSON API.
type Console struct {
	lane Lane
	opts Options
	srv  *http.Server
	ln   net.Listener
	tls  bool // StartTLS gave a certificate; see tls.go

	dutyMu sync.Mutex // one duty log or missed check at a time; see logDuty

	deskOnce sync.Once
	guards   *guardDesk // the roster and the guards' sessions (auth.go)
	routes   []string   // every pattern Handler registered (security.go)
	handler  http.Handler
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
	if opts.StaleAfter <= 0 {
		opts.StaleAfter = DefaultStaleAfter
	}
	c := &Console{lane: lane, opts: opts}
	c.handler = c.routed()
	c.srv = &http.Server{Handler: c.handler, ReadHeaderTimeout: 5 * time.Second}
	return c
}

// Handler routes the page and the API; it is built once, in New.
func (c *Console) Handler() http.Handler { return c.handler }

func (c *Console) routed() http.Handler {
	mux := c.newMux()
	mux.HandleFunc("GET /{$}", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		b, _ := web.ReadFile("web/console.html")
		w.Write(b)
	})
	static, _ := fs.Sub(web, "web")
	mux.Handle("GET /static/", http.StripPrefix("/static/", http.FileServerFS(static)))
	mux.HandleFunc("GET /static/voice/{clip}", voiceClip)
	mux.HandleFunc("GET /api/state", c.state)
	mux.HandleFunc("POST /api/manual-temperature", c.post(c.manual))
	mux.HandleFunc("POST /api/mask", c.post(c.mask))
	mux.HandleFunc("POST /api/register", c.post(c.register))
	mux.HandleFunc("POST /api/override", c.post(c.override))
	mux.HandleFunc("POST /api/refused-proof", c.post(c.refusedProof))
	mux.HandleFunc("POST /api/recheck", c.post(c.recheck))
	mux.HandleFunc("POST /api/dismiss", c.dismiss)
	mux.HandleFunc("POST /api/cancel-wait", c.cancelWait)
	mux.HandleFunc("GET /api/holds", c.holds) // holds.go
	mux.HandleFunc("GET /api/duties", c.duties)
	mux.HandleFunc("POST /api/duty", c.guarded(c.logDuty))
	mux.HandleFunc("GET /api/handover", c.previewHandover)
	mux.HandleFunc("POST /api/handover", c.guarded(c.handOver))
	mux.HandleFunc("POST /api/household", c.guarded(c.changeHousehold))
	c.visitRoutes(mux)
	c.rollCallRoutes(mux)
	c.vehicleRoutes(mux)
	c.guardRoutes(mux)
	// Every change needs a signed-in guard, the session's CSRF token and
	// the page's own origin (security.go), whichever route it is.
	return c.protect(mux)
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
	Site string    `json:"site"`
	Unit string    `json:"unit"`
	Lane wire.Lane `json:"lane"`
	// Now is the unit's clock, so the page ages results against the
	// clock that stamped them, not the phone's.
	Now        time.Time `json:"now"`
	StaleAfter float64   `json:"stale_after_s"`
	// Open are the results awaiting the guard, oldest first; Recent the
	// latest others, newest first (the strip under the result).
	Open    []screening.Shown     `json:"open"`
	Recent  []screening.Shown     `json:"recent"`
	Devices []wire.Device         `json:"devices"`
	Uplink  bool                  `json:"uplink_connected"`
	Today   map[wire.Decision]int `json:"today"`
	Count   *screening.Count      `json:"count"` // null without a site gateway
	Held    *screening.Held       `json:"held"`  // null unless someone is held at the gate
	// SiteName and UnitName are the display names (阳光花园小区, 北门);
	// absent without them. Voice: speak each result after its tones.
	SiteName string `json:"site_name,omitempty"`
	UnitName string `json:"unit_name,omitempty"`
	Voice    bool   `json:"voice"`
	guardState
}

func (c *Console) state(w http.ResponseWriter, r *http.Request) {
	now := c.opts.Now().In(c.opts.Location)
	midnight := time.Date(now.Year(), now.Month(), now.Day(), 0, 0, 0, 0, c.opts.Location)
	today, err := c.lane.Counts(r.Context(), midnight)
	if err != nil {
		c.opts.Logger.Warn("console: counts", "err", err)
	}
	open, recent := c.lane.OnScreen()
	writeJSON(w, http.StatusOK, stateJSON{Site: c.opts.Site, Unit: c.opts.Unit, Lane: c.opts.Lane,
		Now: now, StaleAfter: c.opts.StaleAfter.Seconds(), Open: open, Recent: recent,
		Devices: c.lane.Devices(), Uplink: c.lane.UplinkConnected(), Today: today,
		Count: c.lane.Count(), Held: c.lane.Held(), guardState: c.guardState(r),
		SiteName: c.opts.SiteName, UnitName: c.opts.UnitName, Voice: c.opts.Voice})
}

func writeJSON(w http.ResponseWriter, code int, v any) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(code)
	json.NewEncoder(w).Encode(v)
}
