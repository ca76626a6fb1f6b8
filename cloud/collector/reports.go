package collector

import (
	"cmp"
	"context"
	"fmt"
	"os"
	"time"

	"github.com/kakou/kakou/cloud/api"
	"github.com/kakou/kakou/cloud/report/send"
)

// reportPoll is how often the delivery scheduler looks for a cut passed
// or a retry due: a report arrives within this of its cut.
const reportPoll = 30 * time.Second

// startReports runs the delivery scheduler (cloud/report/send) for the
// reports that have recipients.
func (c *Collector) startReports(context.Context) error {
	loc, err := c.cfg.Location()
	if err != nil {
		return fmt.Errorf("collector: timezone: %w", err)
	}
	jobs, err := c.reportJobs()
	if err != nil {
		return fmt.Errorf("collector: %w", err)
	}
	if len(jobs) == 0 {
		return nil
	}
	rp, err := api.NewReporter(c.store, api.Options{Location: loc, Reports: c.cfg.ReportDefs(), Regions: c.cfg.Regions(),
		ReturneePlan: c.returneePlan})
	if err != nil {
		return fmt.Errorf("collector: %w", err)
	}
	catchUp, _ := c.cfg.Delivery.CatchUpDuration() // checked by Validate
	host, _ := os.Hostname()
	s, err := send.New(send.Options{Jobs: jobs, Store: c.store, Builder: rp, Location: loc, CatchUp: catchUp,
		Holder: c.cfg.Broker.ClientID + "@" + cmp.Or(host, "localhost"), Logger: c.log.With("component", "reports")})
	if err != nil {
		return fmt.Errorf("collector: %w", err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	// Stopping waits for a delivery under way to end (its context is
	// cancelled), so none reads a store that is closing.
	c.stopReports = func() { cancel(); <-done }
	go func() { defer close(done); s.Run(ctx, reportPoll) }()
	return nil
}

// reportJobs pairs each report that has recipients with their sinks.
func (c *Collector) reportJobs() ([]send.Job, error) {
	sinks := map[string]send.Sink{}
	for _, r := range c.cfg.Recipients {
		sink, err := c.sink(r)
		if err != nil {
			return nil, err
		}
		sinks[r.Name] = sink
	}
	var jobs []send.Job
	for _, def := range c.cfg.ReportDefs() {
		var job send.Job
		for _, r := range c.cfg.Reports {
			if r.ID != def.ID {
				continue
			}
			for _, name := range r.Recipients {
				job.Sinks = append(job.Sinks, sinks[name])
			}
		}
		if len(job.Sinks) > 0 {
			job.Def = def
			jobs = append(jobs, job)
		}
	}
	return jobs, nil
}

func (c *Collector) sink(r RecipientConfig) (send.Sink, error) {
	switch {
	case r.Webhook != "":
		return &send.Webhook{Recipient: r.Name, URL: r.Webhook, Secret: []byte(r.Secret)}, nil
	case len(r.Email) > 0:
		s := c.cfg.Delivery.SMTP
		return &send.Mail{Recipient: r.Name, To: r.Email, Server: &send.SMTP{Addr: s.Addr, From: s.From,
			Username: s.Username, Password: s.SMTPPassword()}}, nil
	}
	if r.CreateDir {
		if err := os.MkdirAll(r.Dir, 0o750); err != nil {
			return nil, fmt.Errorf("report_recipients %s: dir: %w", r.Name, err)
		}
	}
	return &send.Dir{Recipient: r.Name, Path: r.Dir}, nil
}
