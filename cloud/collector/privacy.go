package collector

import (
	"context"
	"fmt"
	"os"
	"time"

	"github.com/kakou/kakou/cloud/api"
	"github.com/kakou/kakou/cloud/store/postgres"
	"github.com/kakou/kakou/cloud/store/sqlite"
)

// PrivacyConfig is the [privacy] table: the fleet's keys for visitors'
// numbers (SECURITY.md "PII minimisation"), the same files the units hold ([privacy] in the
// unit config). The tracing key lets a tracer find a person's visits by
// ID number or phone; the seal key opens the full numbers a care-home
// policy had sealed, in a tracer's audited export only.
type PrivacyConfig struct {
	TracingKeyFile string `toml:"tracing_key_file"`
	SealKeyFile    string `toml:"seal_key_file"`
}

// RetentionConfig is the [retention] table: entries are deleted Days
// after they were made (their ts); rollups, alerts and the audit trail
// stay, so the reports and charts of past months still add up.
type RetentionConfig struct {
	Days int `toml:"days"`
}

// defaultRetentionDays is 28 days: two 14-day incubation
// periods, as far back as contact tracing looks.
const defaultRetentionDays = 28

// retentionEvery is how often the collector purges: hourly keeps each
// purge small next to ingest.
const retentionEvery = time.Hour

func (c Config) validatePrivacy(bad func(key, format string, args ...any)) {
	p := c.Privacy
	if p.TracingKeyFile != "" && p.TracingKeyFile == p.SealKeyFile {
		bad("privacy.seal_key_file", "is the tracing key file; use two keys, so a leaked hash key never opens sealed numbers")
	}
	if d := c.Retention.Days; d < 1 || d > 3650 {
		bad("retention.days", "%d: want 1 to 3650 days (28 is the default)", d)
	}
}

// apiPrivacy reads the key files for the API. The seal key must be 32
// bytes (AES-256), the tracing key at least 16.
func (c *Collector) apiPrivacy() (api.Privacy, error) {
	var p api.Privacy
	var err error
	if f := c.cfg.Privacy.TracingKeyFile; f != "" {
		if p.TracingKey, err = readKey(f, 16, 0); err != nil {
			return p, fmt.Errorf("privacy.tracing_key_file: %w", err)
		}
	} else {
		c.log.Warn("privacy.tracing_key_file is not set: tracers cannot find a person by ID number or phone")
	}
	if f := c.cfg.Privacy.SealKeyFile; f != "" {
		if p.SealKey, err = readKey(f, 32, 32); err != nil {
			return p, fmt.Errorf("privacy.seal_key_file: %w", err)
		}
	}
	return p, nil
}

// readKey reads a raw key file of min to max bytes (max 0: no limit).
func readKey(path string, min, max int) ([]byte, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	if len(b) < min || max > 0 && len(b) > max {
		return nil, fmt.Errorf("%s: %d bytes, want %d%s (make one with: head -c 32 /dev/urandom)",
			path, len(b), min, map[bool]string{true: "", false: " or more"}[min == max])
	}
	return b, nil
}

// purger is retention on both backends (cloud/store *_people.go).
type purger interface {
	PurgeEntries(ctx context.Context, before time.Time) (int, error)
	PurgeBookings(ctx context.Context, before time.Time) (int, error)
}

var (
	_ purger = (*sqlite.Store)(nil)
	_ purger = (*postgres.Store)(nil)
)

// startRetention purges at start and every retentionEvery until
// Shutdown. Several collectors on one PostgreSQL purge the same rows; a
// delete of what another already deleted deletes nothing.
func (c *Collector) startRetention(context.Context) error {
	p, ok := c.store.(purger)
	if !ok {
		return fmt.Errorf("collector: the store cannot purge; retention needs cloud/store's SQLite or PostgreSQL")
	}
	ctx, cancel := context.WithCancel(context.Background())
	c.stopRetention = cancel
	go func() {
		tick := time.NewTicker(retentionEvery)
		defer tick.Stop()
		for {
			c.purgeOnce(ctx, p)
			select {
			case <-ctx.Done():
				return
			case <-tick.C:
			}
		}
	}()
	return nil
}

func (c *Collector) purgeOnce(ctx context.Context, p purger) {
	cut := time.Now().Add(-time.Duration(c.cfg.Retention.Days) * 24 * time.Hour)
	n, err := p.PurgeEntries(ctx, cut)
	switch {
	case err != nil && ctx.Err() == nil:
		c.log.Error("retention purge failed; retrying next hour", "err", err)
	case n > 0:
		c.log.Info("retention purge", "deleted", n, "before", cut, "days", c.cfg.Retention.Days)
	}
	c.purgeVenue(ctx, p) // venue.go
}
