package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"os/signal"
	"syscall"
	"time"

	"github.com/kakou/kakou/firmware/credential/provincialsim"
)

// healthsim serves a simulated provincial health-code service until
// interrupted, printing its URL and the demo's codes; it returns the exit
// code. A unit reaches it through configs/unit-provincial-health.toml.
func healthsim(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("healthsim", flag.ContinueOnError)
	fs.SetOutput(stderr)
	listen := fs.String("listen", "127.0.0.1:18099", "address to serve on (port 0: any free port)")
	latency := fs.Duration("latency", 0, "delay every answer by this long, e.g. 100ms")
	if err := fs.Parse(args); err != nil {
		return 2
	}
	ln, err := net.Listen("tcp", *listen)
	if err != nil {
		fmt.Fprintf(stderr, "kakou-unit healthsim: %v (pick another -listen address)\n", err)
		return 1
	}
	sim := provincialsim.Demo(time.Now())
	sim.SetLatency(*latency)
	srv := &http.Server{Handler: sim, ReadHeaderTimeout: 5 * time.Second}
	base := "http://" + ln.Addr().String()
	fmt.Fprintf(stdout, "simulated provincial health-code service at %s%s (app key %q)\n", base, provincialsim.Path, provincialsim.DemoAppKey)
	for _, c := range []struct{ colour, token string }{{"green", provincialsim.DemoGreen}, {"yellow", provincialsim.DemoYellow},
		{"red", provincialsim.DemoRed}, {"expired", provincialsim.DemoExpired}, {"not found", provincialsim.DemoNotFound}} {
		fmt.Fprintf(stdout, "  %-9s %s%s\n", c.colour, provincialsim.DemoCodeURL, c.token)
	}
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGINT, syscall.SIGTERM)
	defer stop()
	go func() {
		<-ctx.Done()
		shut, cancel := context.WithTimeout(context.Background(), 2*time.Second)
		defer cancel()
		srv.Shutdown(shut)
	}()
	if err := srv.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
		fmt.Fprintf(stderr, "kakou-unit healthsim: %v\n", err)
		return 1
	}
	return 0
}
