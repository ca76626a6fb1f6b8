package send

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"github.com/kakou/kakou/cloud/report"
	"github.com/kakou/kakou/cloud/store"
)

// Builder makes a report for the period ending on date
// (api.Reporter.Build).
type Builder interface {
	Build(ctx context.Context, def report.Def, date string) (report.Report, error)
}

// Job is a report and its recipients.
type Job struct {
	Def   report.Def
	Sinks []Sink
}

// Options configure a Scheduler; every duration has a default.
type Options struct {
	Jobs    []Job
	Store   store.ReportRuns
	Builder Builder
	// Holder names this collector in the store's claims and the delivery
	// log; collectors sharing a store need different names.
	Holder   string
	Location *time.Location
	Now      func() time.Time // time.Now unless set
	Logger   *slog.Logger
	// CatchUp bounds how far back a cut missed while the collector was
	// down is still delivered (DefaultCatchUp): a week-old daily report
	// arriving out of the blue would confuse more than it helps.
	CatchUp time.Duration
	// Lease is how long a claim on a run holds without renewal; another
	// collector takes the run over after it (DefaultLease).
	Lease time.Duration
	// Backoff is the wait after a recipient's first failed attempt,
	// doubling with each further one up to MaxBackoff.
	Backoff, MaxBackoff time.Duration
	// SendTimeout bounds one attempt to one recipient.
	SendTimeout time.Duration
}

// Defaults of Options.
const (
	DefaultCatchUp     = 72 * time.Hour
	DefaultLease       = 5 * time.Minute
	DefaultBackoff     = 30 * time.Second
	DefaultMaxBackoff  = 30 * time.Minute
	DefaultSendTimeout = 2 * time.Minute
)

// Scheduler delivers the jobs' reports at their cuts. Tick does one
// round; Run ticks until its context ends.
type Scheduler struct {
	o Options
	// exports are the runs' exports, made once per run and reused for
	// every recipient and every retry; dropped when a run is done.
	mu      sync.Mutex
	exports map[string]Export
}

// New checks o and fills its defaults.
func New(o Options) (*Scheduler, error) {
	if o.Store == nil || o.Builder == nil || o.Location == nil || o.Holder == "" {
		return nil, errors.New("send: a scheduler needs a store, a builder, a time zone and a holder name")
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	def := func(d *time.Duration, v time.Duration) {
		if *d <= 0 {
			*d = v
		}
	}
	def(&o.CatchUp, DefaultCatchUp)
	def(&o.Lease, DefaultLease)
	def(&o.Backoff, DefaultBackoff)
	def(&o.MaxBackoff, DefaultMaxBackoff)
	def(&o.SendTimeout, DefaultSendTimeout)
	return &Scheduler{o: o, exports: map[string]Export{}}, nil
}

// Run ticks every poll until ctx ends. Ticking often is cheap (a claim
// per report whose cut has passed and whose run is not done) and keeps
// a retry's wait and a cut's time within poll of their due moment.
func (s *Scheduler) Run(ctx context.Context, poll time.Duration) {
	t := time.NewTicker(poll)
	defer t.Stop()
	for {
		if err := s.Tick(ctx); err != nil && ctx.Err() == nil {
			s.o.Logger.Error("report delivery", "err", err)
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

// Tick delivers, for every job, each run due at now: every cut since the
// last one delivered, within CatchUp, oldest first.
func (s *Scheduler) Tick(ctx context.Context) error {
	var errs []error
	for _, j := range s.o.Jobs {
		dates, err := s.due(ctx, j.Def)
		if err != nil {
			errs = append(errs, err)
			continue
		}
		for _, date := range dates {
			if err := s.deliver(ctx, j, date); err != nil {
				errs = append(errs, fmt.Errorf("report %s of %s: %w", j.Def.ID, date, err))
			}
		}
	}
	return errors.Join(errs...)
}

// due are the dates of def's runs to deliver now: the latest cut passed,
// and the ones before it back to the last run delivered, none older than
// CatchUp. A report never delivered starts at its latest cut.
func (s *Scheduler) due(ctx context.Context, def report.Def) ([]string, error) {
	last, err := s.o.Store.LastReportRun(ctx, def.ID)
	if err != nil {
		return nil, err
	}
	if last == "" {
		// Never finished: a run already attempted (its recipient down
		// since) still counts, so it is not dropped when the next cut
		// passes; catch_up bounds it as any other.
		if last, err = s.beforeFirstAttempt(ctx, def); err != nil {
			return nil, err
		}
	}
	now := s.o.Now()
	p := def.Latest(now, s.o.Location)
	var dates []string
	for now.Sub(p.Cut) <= s.o.CatchUp && p.Date > last {
		dates = append([]string{p.Date}, dates...)
		if last == "" {
			break // a report never attempted starts at its latest cut
		}
		p = def.Latest(p.Since, s.o.Location) // the period before: it ends where p starts
	}
	return dates, nil
}

// beforeFirstAttempt is the date of the period before the oldest run of
// def ever attempted, or "" when none was.
func (s *Scheduler) beforeFirstAttempt(ctx context.Context, def report.Def) (string, error) {
	log, err := s.o.Store.Deliveries(ctx, store.DeliveryQuery{Report: def.ID, Limit: store.MaxLimit})
	if err != nil || len(log) == 0 {
		return "", err
	}
	first := log[len(log)-1].Date
	for _, d := range log {
		first = min(first, d.Date)
	}
	p, err := def.PeriodFor(first, s.o.Location)
	if err != nil {
		return "", nil // a date this build cannot read: start afresh
	}
	return def.Latest(p.Since, s.o.Location).Date, nil
}

// deliver claims def's run of date and sends it to each recipient that
// does not have it yet and whose backoff has passed.
func (s *Scheduler) deliver(ctx context.Context, j Job, date string) error {
	id, now := j.Def.ID, s.o.Now()
	ok, err := s.o.Store.ClaimReportRun(ctx, id, date, s.o.Holder, now, now.Add(s.o.Lease))
	if err != nil || !ok {
		return err // another collector holds it, or it is done
	}
	past, err := s.o.Store.Deliveries(ctx, store.DeliveryQuery{Report: id, Date: date, Limit: store.MaxLimit})
	if err != nil {
		return err
	}
	pending := 0
	var sendErrs []error
	for _, sink := range j.Sinks {
		st := stateOf(past, sink.Name())
		if st.delivered {
			continue
		}
		pending++
		if st.attempts > 0 && now.Before(st.last.Add(s.backoff(st.attempts))) {
			continue
		}
		exp, err := s.export(ctx, j.Def, date)
		if err != nil {
			return err
		}
		if err := s.attempt(ctx, sink, exp, id, date, st.attempts+1); err != nil {
			sendErrs = append(sendErrs, err)
			continue
		}
		pending--
	}
	if pending == 0 {
		s.forget(id, date)
		return errors.Join(append(sendErrs, s.o.Store.FinishReportRun(ctx, id, date, s.o.Holder, s.o.Now()))...)
	}
	return errors.Join(sendErrs...)
}

// attempt sends exp to sink once and logs the attempt.
func (s *Scheduler) attempt(ctx context.Context, sink Sink, exp Export, id, date string, n int) error {
	sctx, cancel := context.WithTimeout(ctx, s.o.SendTimeout)
	err := sink.Send(sctx, exp)
	cancel()
	d := store.Delivery{Report: id, Date: date, Recipient: sink.Name(), Attempt: n, At: s.o.Now(), OK: err == nil, By: s.o.Holder}
	if err != nil {
		d.Error = err.Error()
		s.o.Logger.Warn("report not delivered; will retry", "report", id, "date", date, "recipient", sink.Name(),
			"attempt", n, "retry_in", s.backoff(n), "err", err)
	} else {
		s.o.Logger.Info("report delivered", "report", id, "date", date, "recipient", sink.Name(), "attempt", n)
	}
	if perr := s.o.Store.PutDelivery(ctx, d); perr != nil {
		return errors.Join(err, perr)
	}
	return err
}

// backoff is the wait after the n-th failed attempt.
func (s *Scheduler) backoff(n int) time.Duration {
	d := s.o.Backoff
	for i := 1; i < n && d < s.o.MaxBackoff; i++ {
		d *= 2
	}
	return min(d, s.o.MaxBackoff)
}

// recipientState is what the log says of one recipient for one run.
type recipientState struct {
	delivered bool
	attempts  int
	last      time.Time
}

func stateOf(past []store.Delivery, name string) recipientState {
	var st recipientState
	for _, d := range past {
		if d.Recipient != name {
			continue
		}
		st.delivered = st.delivered || d.OK
		st.attempts = max(st.attempts, d.Attempt)
		if d.At.After(st.last) {
			st.last = d.At
		}
	}
	return st
}

// export is the run's export, made on first need.
func (s *Scheduler) export(ctx context.Context, def report.Def, date string) (Export, error) {
	key := def.ID + "/" + date
	s.mu.Lock()
	exp, ok := s.exports[key]
	s.mu.Unlock()
	if ok {
		return exp, nil
	}
	r, err := s.o.Builder.Build(ctx, def, date)
	if err != nil {
		return Export{}, fmt.Errorf("build: %w", err)
	}
	if exp, err = NewExport(r); err != nil {
		return Export{}, err
	}
	s.mu.Lock()
	s.exports[key] = exp
	s.mu.Unlock()
	return exp, nil
}

func (s *Scheduler) forget(id, date string) {
	s.mu.Lock()
	delete(s.exports, id+"/"+date)
	s.mu.Unlock()
}
