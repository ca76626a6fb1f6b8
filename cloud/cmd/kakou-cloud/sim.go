package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"log/slog"
	"os"
	"os/signal"
	"syscall"
	"time"

	"github.com/kakou/kakou/cloud/loadgen"
)

const simUsage = `usage: kakou-cloud sim [flags]

Simulates a fleet of checkpoint units against an MQTT broker (the
collector's embedded one, or the external broker it subscribes to): each
unit connects, announces itself online, publishes entries at QoS 1 and
waits for the collector's acknowledgements. Prints what was published and
acknowledged; exits 1 when not every entry was acknowledged.

  kakou-cloud sim -broker tcp://127.0.0.1:18830 -units 2000 -rate 1 -duration 60s

The broker's password, if any, is read from $KAKOU_SIM_PASSWORD.

`

// sim is the "sim" subcommand; it returns the exit code.
func sim(args []string) int {
	fs := flag.NewFlagSet("kakou-cloud sim", flag.ContinueOnError)
	fs.Usage = func() { fmt.Fprint(fs.Output(), simUsage); fs.PrintDefaults() }
	var o loadgen.Options
	fs.StringVar(&o.BrokerURL, "broker", "tcp://127.0.0.1:18830", "broker URL (configs/cloud.toml's embedded broker by default)")
	fs.IntVar(&o.Units, "units", 2000, "units to simulate")
	fs.IntVar(&o.Sites, "sites", 20, "sites the units are spread over")
	fs.Float64Var(&o.RatePerUnit, "rate", 1, "entries per second per unit, jittered ±50% (0: as fast as the broker acknowledges)")
	fs.DurationVar(&o.Duration, "duration", time.Minute, "how long each unit publishes (0: until -entries)")
	fs.IntVar(&o.EntriesPerUnit, "entries", 0, "entries per unit (0: until -duration)")
	fs.IntVar(&o.Concurrency, "concurrency", 32, "connects in flight while the fleet ramps up")
	fs.StringVar(&o.Prefix, "prefix", "sim", "site and unit ids start with it; use a new one per run to store new entries")
	fs.DurationVar(&o.AckWait, "ack-wait", 10*time.Second, "how long a unit waits for its last ack once done publishing")
	fs.StringVar(&o.Username, "username", "", "broker user name")
	fs.Uint64Var(&o.Seed, "seed", 1, "random seed of the traffic mix")
	every := fs.Duration("progress", 5*time.Second, "log progress this often (0: never)")
	if err := fs.Parse(args); errors.Is(err, flag.ErrHelp) {
		return 0
	} else if err != nil {
		return 2
	}
	if fs.NArg() > 0 {
		fmt.Fprintf(os.Stderr, "kakou-cloud sim: unexpected argument %q; see kakou-cloud sim -h\n", fs.Arg(0))
		return 2
	}
	o.Password = os.Getenv("KAKOU_SIM_PASSWORD")
	log := slog.New(slog.NewTextHandler(os.Stderr, nil))
	o.Logger = log
	f, err := loadgen.New(o)
	if err != nil {
		fmt.Fprintln(os.Stderr, "kakou-cloud sim:", err)
		return 2
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	go logProgress(ctx, f, log, *every)
	st, err := f.Run(ctx)
	printStats(st)
	if err != nil {
		log.Error("simulation failed", "err", err)
		return 1
	}
	if st.Acked < st.Published || st.ConnectFailures > 0 {
		log.Error("not every unit connected or not every entry was acknowledged",
			"connect_failures", st.ConnectFailures, "published", st.Published, "acked", st.Acked)
		return 1
	}
	return 0
}

// logProgress logs the run so far every d, with the publish rate since the
// last report.
func logProgress(ctx context.Context, f *loadgen.Fleet, log *slog.Logger, d time.Duration) {
	if d <= 0 {
		return
	}
	t := time.NewTicker(d)
	defer t.Stop()
	var last uint64
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		p := f.Progress()
		log.Info("progress", "units", p.Units, "connect_failures", p.ConnectFailures,
			"published", p.Published, "acked", p.Acked, "entries_per_s", float64(p.Published-last)/d.Seconds(),
			"publish_failures", p.PublishFailures, "publish_p99", p.PublishP99)
		last = p.Published
	}
}

func printStats(st loadgen.Stats) {
	rate := 0.0
	if s := st.Elapsed.Seconds(); s > 0 {
		rate = float64(st.Published) / s
	}
	fmt.Printf("units connected   %d (%d failed)\n", st.Units, st.ConnectFailures)
	fmt.Printf("entries published %d (%d failed attempts), %.0f/s over %v\n",
		st.Published, st.PublishFailures, rate, st.Elapsed.Round(time.Millisecond))
	fmt.Printf("entries acked     %d\n", st.Acked)
	fmt.Printf("publish p99       %v\n", st.PublishP99)
}
