package notify

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"net/http"
	"strconv"
	"sync"
	"time"

	"github.com/kakou/kakou/cloud/store"
)

// Store is what a Notifier needs of the collector's store; both backends
// have it (store/notify.go).
type Store interface {
	UnnoticedAlerts(ctx context.Context, limit int) ([]store.Alert, error)
	DueEscalations(ctx context.Context, now time.Time, limit int) ([]store.Alert, error)
	PlanNotifications(ctx context.Context, p store.NotifyPlan) (bool, error)
	ClaimNotifications(ctx context.Context, owner string, now time.Time, lease time.Duration, limit int) ([]store.Notification, error)
	FinishNotification(ctx context.Context, owner string, n store.Notification) error
}

// Options configure a Notifier; zero values take the defaults below.
type Options struct {
	Channels []Channel
	// EscalateAfter is how long an alert of a kind may stay unacknowledged
	// before it goes to the next level; "" is the default for kinds not
	// listed. A kind with none, and no default, never escalates.
	EscalateAfter map[string]time.Duration
	// Scope is the ids of the regions a site lies in, top down, for
	// channels chosen by region; nil: sites only.
	Scope func(site string) []string
	Names Names
	// Location is the time zone messages give times in (the collector's).
	Location *time.Location
	// Dashboard is the dashboard's address for the link in each message.
	Dashboard string
	// Owner names this collector in the outbox's leases; unique per process.
	Owner string
	// Poll is how often the outbox and the alerts are looked at (250ms):
	// the bound on a notification's delay, added to the send itself.
	Poll time.Duration
	// Workers is how many sends may run at once (8).
	Workers int
	// SendTimeout bounds one attempt (10s).
	SendTimeout time.Duration
	// RetryBase and RetryMax bound the backoff between attempts (2s, 5m);
	// each wait is drawn between half and all of RetryBase·2^(attempt−1),
	// at most RetryMax.
	RetryBase, RetryMax time.Duration
	// GiveUpAfter is how long a notification is retried (6h).
	GiveUpAfter time.Duration
	// MaxAge: an alert first seen more than this after it was raised is
	// not sent (24h): a notifier switched on for the first time must not
	// page people for the whole history.
	MaxAge time.Duration
	Client *http.Client
	Now    func() time.Time
	Logger *slog.Logger
}

// Defaults.
const (
	DefaultPoll        = 250 * time.Millisecond
	DefaultWorkers     = 8
	DefaultSendTimeout = 10 * time.Second
	DefaultRetryBase   = 2 * time.Second
	DefaultRetryMax    = 5 * time.Minute
	DefaultGiveUp      = 6 * time.Hour
	DefaultMaxAge      = 24 * time.Hour
)

// batch is how many alerts or notifications one poll takes.
const batch = 100

// Notifier plans and sends the notifications of one collector.
type Notifier struct {
	st       Store
	o        Options
	channels map[string]Channel
	log      *slog.Logger
	slots    chan struct{} // one per send running
	wg       sync.WaitGroup
}

// New checks the channels and applies the defaults.
func New(st Store, o Options) (*Notifier, error) {
	n := &Notifier{st: st, channels: map[string]Channel{}}
	for _, c := range o.Channels {
		if err := c.Check(); err != nil {
			return nil, fmt.Errorf("notify: channel %q: %w", c.Name, err)
		}
		if _, dup := n.channels[c.Name]; dup {
			return nil, fmt.Errorf("notify: channel %q is named twice", c.Name)
		}
		n.channels[c.Name] = c
	}
	o.Poll = cmp.Or(o.Poll, DefaultPoll)
	o.Workers = cmp.Or(o.Workers, DefaultWorkers)
	o.SendTimeout = cmp.Or(o.SendTimeout, DefaultSendTimeout)
	o.RetryBase, o.RetryMax = cmp.Or(o.RetryBase, DefaultRetryBase), cmp.Or(o.RetryMax, DefaultRetryMax)
	o.GiveUpAfter, o.MaxAge = cmp.Or(o.GiveUpAfter, DefaultGiveUp), cmp.Or(o.MaxAge, DefaultMaxAge)
	o.Owner = cmp.Or(o.Owner, "kakou-cloud-"+strconv.FormatInt(time.Now().UnixNano(), 36))
	if o.Client == nil {
		o.Client = &http.Client{}
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	if o.Location == nil {
		o.Location = time.UTC
	}
	n.log = cmp.Or(o.Logger, slog.New(slog.DiscardHandler))
	n.o, n.slots = o, make(chan struct{}, o.Workers)
	return n, nil
}

// Run plans and sends until ctx ends, then waits for the sends under way
// (each bounded by SendTimeout).
func (n *Notifier) Run(ctx context.Context) {
	tick := time.NewTicker(n.o.Poll)
	defer tick.Stop()
	for {
		n.Tick(ctx)
		select {
		case <-ctx.Done():
			n.wg.Wait()
			return
		case <-tick.C:
		}
	}
}

// Tick plans what is new or due and starts the sends that are due and fit
// in the free workers. It does not wait for them; Wait does.
func (n *Notifier) Tick(ctx context.Context) {
	now := n.o.Now()
	if err := n.plan(ctx, now); err != nil && ctx.Err() == nil {
		n.log.Error("notify: plan alerts; trying again next poll", "err", err)
	}
	if err := n.deliver(ctx, now); err != nil && ctx.Err() == nil {
		n.log.Error("notify: claim notifications; trying again next poll", "err", err)
	}
}

// Wait waits for the sends under way.
func (n *Notifier) Wait() { n.wg.Wait() }

// plan queues the first notifications of alerts not seen yet, and the
// next level's of alerts whose deadline passed unacknowledged.
func (n *Notifier) plan(ctx context.Context, now time.Time) error {
	fresh, err := n.st.UnnoticedAlerts(ctx, batch)
	if err != nil {
		return err
	}
	var errs []error // one alert that cannot be planned must not hold up the rest
	for _, a := range fresh {
		errs = append(errs, n.planLevel(ctx, a, 0, now))
	}
	due, err := n.st.DueEscalations(ctx, now, batch)
	if err != nil {
		return errors.Join(append(errs, err)...)
	}
	for _, a := range due {
		errs = append(errs, n.planLevel(ctx, a, a.Level+1, now))
	}
	return errors.Join(errs...)
}

func (n *Notifier) planLevel(ctx context.Context, a store.Alert, level int, now time.Time) error {
	p := store.NotifyPlan{AlertID: a.ID, First: level == 0, To: level, At: now}
	stale := level == 0 && now.Sub(a.RaisedAt) > n.o.MaxAge
	if !stale {
		p.EscalateAt = n.escalateAt(a, level, now)
		msg, err := render(a, level, n.o.Names, n.o.Location, n.o.Dashboard).encode()
		if err != nil {
			return err
		}
		for _, c := range n.matching(a, level) {
			p.Rows = append(p.Rows, store.Notification{Channel: c.Name, Message: msg})
		}
	}
	applied, err := n.st.PlanNotifications(ctx, p)
	if err != nil {
		return err
	}
	if applied && stale {
		n.log.Info("notify: alert too old to send; it is on the dashboard", "alert", a.ID, "raised_at", a.RaisedAt)
	} else if applied && len(p.Rows) > 0 {
		n.log.Info("notify: alert queued", "alert", a.ID, "kind", a.Kind, "severity", a.Severity,
			"level", level, "channels", len(p.Rows))
	}
	return nil
}

// matching are the channels of level that want a.
func (n *Notifier) matching(a store.Alert, level int) []Channel {
	var scope []string
	if n.o.Scope != nil {
		scope = n.o.Scope(a.Site)
	}
	var out []Channel
	for _, c := range n.o.Channels {
		if c.Level == level && c.wants(a, scope) {
			out = append(out, c)
		}
	}
	return out
}

// escalateAt is when a goes to level+1 if unacknowledged: zero when that
// level has no channel for it or its kind has no deadline.
func (n *Notifier) escalateAt(a store.Alert, level int, now time.Time) time.Time {
	after, ok := n.o.EscalateAfter[a.Kind]
	if !ok {
		after = n.o.EscalateAfter[""]
	}
	if after <= 0 || len(n.matching(a, level+1)) == 0 {
		return time.Time{}
	}
	return now.Add(after)
}

// deliver claims what is due, as many as there are free workers, and
// sends each on its own goroutine.
func (n *Notifier) deliver(ctx context.Context, now time.Time) error {
	free := cap(n.slots) - len(n.slots)
	if free == 0 {
		return nil
	}
	lease := n.o.SendTimeout + 5*time.Second
	due, err := n.st.ClaimNotifications(ctx, n.o.Owner, now, lease, free)
	if err != nil {
		return err
	}
	for _, row := range due {
		n.slots <- struct{}{}
		n.wg.Add(1)
		go func() {
			defer func() { <-n.slots; n.wg.Done() }()
			n.attempt(ctx, row)
		}()
	}
	return nil
}

// attempt sends one notification once and records how it went.
func (n *Notifier) attempt(ctx context.Context, row store.Notification) {
	start := n.o.Now()
	err := n.sendRow(ctx, row, start)
	now := n.o.Now()
	log := n.log.With("alert", row.AlertID, "channel", row.Channel, "level", row.Level, "attempt", row.Attempts)
	switch {
	case err == nil:
		row.DeliveredAt, row.LastError = now, ""
		log.Info("notify: delivered", "took", now.Sub(start))
	case now.Sub(row.CreatedAt) >= n.o.GiveUpAfter || errors.Is(err, errGone):
		row.GaveUpAt, row.LastError = now, err.Error()
		log.Error("notify: gave up; the alert is still on the dashboard", "err", err)
	default:
		row.NextAt, row.LastError = now.Add(n.backoff(row.Attempts)), err.Error()
		log.Warn("notify: attempt failed; will retry", "err", err, "next", row.NextAt)
	}
	fctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
	defer cancel()
	if err := n.st.FinishNotification(fctx, n.o.Owner, row); err != nil {
		log.Error("notify: record the attempt; it is sent again when the lease runs out", "err", err)
	}
}

// errGone marks a notification whose channel is no longer configured.
var errGone = errors.New("the channel is no longer in the config")

func (n *Notifier) sendRow(ctx context.Context, row store.Notification, now time.Time) error {
	c, ok := n.channels[row.Channel]
	if !ok {
		return errGone
	}
	m, err := decodeMessage(row.Message)
	if err != nil {
		return fmt.Errorf("%w: the queued message is not readable: %v", errGone, err)
	}
	sctx, cancel := context.WithTimeout(ctx, n.o.SendTimeout)
	defer cancel()
	delivery := row.AlertID + "/" + row.Channel + "/" + strconv.Itoa(row.Level)
	return send(sctx, n.o.Client, c, m, delivery, now)
}

// backoff is the wait after the attempt-th failure: exponential from
// RetryBase, capped at RetryMax, with jitter so that receivers coming
// back are not met by every collector's retries at once.
func (n *Notifier) backoff(attempt int) time.Duration {
	d := n.o.RetryMax
	if attempt < 30 {
		d = min(n.o.RetryBase<<max(attempt-1, 0), n.o.RetryMax)
	}
	half := d / 2
	return half + rand.N(d-half+1)
}
