package main

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"time"

	"github.com/kakou/kakou/cloud/collector"
	"github.com/kakou/kakou/cloud/store"
	"github.com/kakou/kakou/cloud/store/postgres"
	"github.com/kakou/kakou/cloud/store/sqlite"
	"github.com/kakou/kakou/firmware/wire"
)

const enrollTokenUsage = `usage: kakou-cloud enroll-token -config F -site S -unit U [-role gateway] [-ttl 72h]

Prints a one-time enrollment token for one unit (or gateway) of one site.
Put it in the device's config ([enroll] token); on its first start the
device trades it at POST /api/v1/enroll for its own MQTT credential. The
token is stored only as a hash, works once, and expires after -ttl.

`

// deviceStore is what the device subcommands need of the store.
type deviceStore interface {
	PutEnrollmentToken(ctx context.Context, t store.EnrollmentToken) error
	DeviceCredentials(ctx context.Context) ([]store.DeviceCredential, error)
	Close() error
}

// enrollToken is the "enroll-token" subcommand; it returns the exit code.
func enrollToken(args []string, stdout io.Writer) int {
	fs := flag.NewFlagSet("kakou-cloud enroll-token", flag.ContinueOnError)
	fs.Usage = func() { fmt.Fprint(fs.Output(), enrollTokenUsage); fs.PrintDefaults() }
	configPath := fs.String("config", "/etc/kakou/cloud.toml", "collector configuration file (TOML): says which store")
	t := store.EnrollmentToken{Role: store.RoleUnit}
	fs.StringVar(&t.Site, "site", "", "the device's site id")
	fs.StringVar(&t.Unit, "unit", "", "the device's unit id (its MQTT user name); a gateway's own id")
	fs.StringVar(&t.Role, "role", store.RoleUnit, `"unit", or "gateway" to speak for every unit of the site`)
	ttl := fs.Duration("ttl", 72*time.Hour, "how long the token stays valid")
	if code, done := parseFlags(fs, args); done {
		return code
	}
	if err := checkTokenFlags(t, *ttl); err != nil {
		fmt.Fprintln(os.Stderr, "kakou-cloud enroll-token:", err)
		return 2
	}
	t.Token = newToken()
	t.CreatedAt = time.Now()
	t.ExpiresAt = t.CreatedAt.Add(*ttl)
	err := withStore(*configPath, func(ctx context.Context, st deviceStore) error {
		return st.PutEnrollmentToken(ctx, t)
	})
	if err != nil {
		fmt.Fprintln(os.Stderr, "kakou-cloud enroll-token:", err)
		return 1
	}
	fmt.Fprintln(stdout, t.Token)
	fmt.Fprintf(os.Stderr, "token for %s %s/%s, valid once until %s\n", t.Role, t.Site, t.Unit, t.ExpiresAt.Format(time.RFC3339))
	return 0
}

func checkTokenFlags(t store.EnrollmentToken, ttl time.Duration) error {
	if err := wire.ValidateID(t.Site); err != nil {
		return fmt.Errorf("-site %q: %v", t.Site, err)
	}
	if err := wire.ValidateID(t.Unit); err != nil {
		return fmt.Errorf("-unit %q: %v", t.Unit, err)
	}
	if t.Role != store.RoleUnit && t.Role != store.RoleGateway {
		return fmt.Errorf("-role %q: want unit or gateway", t.Role)
	}
	if ttl < time.Minute || ttl > 90*24*time.Hour {
		return fmt.Errorf("-ttl %v: want 1m to 90 days (72h is usual)", ttl)
	}
	return nil
}

// newToken is 256 random bits: guessing one is hopeless, so the endpoint
// needs no attempt counter to stay safe.
func newToken() string {
	b := make([]byte, 32)
	rand.Read(b) // never fails (crypto/rand)
	return base64.RawURLEncoding.EncodeToString(b)
}

// parseFlags parses args; done says to return code at once.
func parseFlags(fs *flag.FlagSet, args []string) (code int, done bool) {
	if err := fs.Parse(args); errors.Is(err, flag.ErrHelp) {
		return 0, true
	} else if err != nil {
		return 2, true
	}
	if fs.NArg() > 0 {
		fmt.Fprintf(os.Stderr, "%s: unexpected argument %q; see -h\n", fs.Name(), fs.Arg(0))
		return 2, true
	}
	return 0, false
}

// withStore opens the store the collector config names, runs fn, and
// closes it. SQLite is safe to open beside a running collector (WAL).
func withStore(configPath string, fn func(context.Context, deviceStore) error) error {
	cfg, err := collector.LoadConfig(configPath)
	if err != nil {
		return fmt.Errorf("configuration problems:\n%w", err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	var st deviceStore
	if cfg.Store.Driver == "postgres" {
		st, err = postgres.Open(ctx, cfg.Store.PostgresDSN())
	} else if err = os.MkdirAll(cfg.DataDir, 0o750); err == nil {
		st, err = sqlite.Open(cfg.DatabasePath())
	}
	if err != nil {
		return err
	}
	return errors.Join(fn(ctx, st), st.Close())
}
