package gateway

import (
	"context"
	"log/slog"
	"net"
	"strings"
	"testing"
)

func TestGatewayNewRefusesAnInvalidConfigAndAnUnstartedOneShutsDownQuietly(t *testing.T) {
	cfg := testConfig(t, "tcp://127.0.0.1:1")
	bad := cfg
	bad.Site = ""
	if _, err := New(bad, nil); err == nil || !strings.Contains(err.Error(), "site") {
		t.Fatalf("New with no site: %v, want the problem named", err)
	}
	g, err := New(cfg, nil)
	if err != nil {
		t.Fatal(err)
	}
	if err := g.Shutdown(context.Background()); err != nil {
		t.Fatalf("Shutdown before Start: %v", err)
	}
}

// A web port already taken fails Start after the store and the LAN broker
// opened; they are closed again, so a gateway on the same LAN address and
// data directory starts next.
func TestGatewayStartFailingOnItsWebPortStopsWhatItStarted(t *testing.T) {
	cloudURL := "tcp://" + freeAddr(t) // no cloud: the gateway starts all the same
	taken, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer taken.Close()
	cfg := testConfig(t, cloudURL)
	cfg.LAN.Listen = freeAddr(t)
	busy := cfg
	busy.Web.Listen = taken.Addr().String()
	g, err := New(busy, slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	if err := g.Start(context.Background()); err == nil || !strings.Contains(err.Error(), "web.listen") {
		t.Fatalf("Start on a taken web port: %v, want web.listen named", err)
	}
	startGateway(t, cfg)
}

// freeAddr is a loopback address nothing listens on, for a test that
// must listen on the same address twice.
func freeAddr(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().String()
}
