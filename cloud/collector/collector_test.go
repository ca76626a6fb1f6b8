package collector

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	paho "github.com/eclipse/paho.mqtt.golang"
	"github.com/kakou/kakou/cloud/broker"
	"github.com/kakou/kakou/firmware/wire"
	"github.com/kakou/kakou/internal/testenv"
)

// wait is a ceiling on blocking steps, not a timing assertion.
const wait = 10 * time.Second

func testConfig(t *testing.T) Config {
	cfg := Default()
	cfg.DataDir = t.TempDir()
	cfg.HTTP.Listen = "127.0.0.1:0"
	cfg.Broker.Listen = "127.0.0.1:0"
	return cfg
}

func start(t *testing.T, cfg Config) *Collector {
	t.Helper()
	c, err := New(cfg, nil)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), wait)
	defer cancel()
	if err := c.Start(ctx); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Shutdown(context.Background()) })
	return c
}

func shutdown(t *testing.T, c *Collector) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), wait)
	defer cancel()
	if err := c.Shutdown(ctx); err != nil {
		t.Fatal(err)
	}
}

func publishEntry(t *testing.T, brokerURL string, seq uint64) {
	t.Helper()
	c := paho.NewClient(paho.NewClientOptions().AddBroker(brokerURL).SetClientID("unit-1"))
	if tok := c.Connect(); !tok.WaitTimeout(wait) || tok.Error() != nil {
		t.Fatalf("connect %s: %v", brokerURL, tok.Error())
	}
	defer c.Disconnect(0)
	e := wire.Entry{Schema: wire.SchemaVersion, ID: fmt.Sprintf("e-%d", seq), Site: "site-a",
		Unit: "unit-1", Seq: seq, BootID: "b", Lane: wire.LaneIn, Time: time.Now(), ClockSynced: true,
		Credential: wire.Credential{Kind: wire.CredentialNone}, Decision: wire.Allow}
	b, err := json.Marshal(e)
	if err != nil {
		t.Fatal(err)
	}
	if tok := c.Publish(wire.EntryTopic(e.Site, e.Unit), 1, false, b); !tok.WaitTimeout(wait) || tok.Error() != nil {
		t.Fatalf("publish: %v", tok.Error())
	}
}

// entriesOverHTTP polls the API until it lists n entries; the deadline only
// stops a hung test.
func entriesOverHTTP(t *testing.T, httpURL string, n int) {
	t.Helper()
	testenv.Await(t, fmt.Sprintf("the API to list %d entries", n), wait, func() bool {
		var body struct{ Entries []json.RawMessage }
		resp, err := http.Get(httpURL + "/api/v1/entries")
		if err != nil {
			return false
		}
		defer resp.Body.Close()
		json.NewDecoder(resp.Body).Decode(&body)
		return len(body.Entries) == n
	})
}

func TestCollectorCarriesEntryFromMQTTToAPIAndKeepsItAcrossRestart(t *testing.T) {
	cfg := testConfig(t)
	c := start(t, cfg)
	if !strings.HasPrefix(c.HTTPURL(), "http://127.0.0.1:") || !strings.HasPrefix(c.BrokerURL(), "tcp://127.0.0.1:") {
		t.Fatalf("HTTPURL %q, BrokerURL %q", c.HTTPURL(), c.BrokerURL())
	}
	publishEntry(t, c.BrokerURL(), 1)
	entriesOverHTTP(t, c.HTTPURL(), 1)
	shutdown(t, c)

	again := start(t, cfg)
	entriesOverHTTP(t, again.HTTPURL(), 1)
}

func TestCollectorUsesAnExternalBroker(t *testing.T) {
	ext, err := broker.New("127.0.0.1:0", nil)
	if err != nil {
		t.Fatal(err)
	}
	if err := ext.Start(); err != nil {
		t.Fatal(err)
	}
	defer ext.Close()
	cfg := testConfig(t)
	cfg.Broker = BrokerConfig{URL: ext.URL(), ClientID: "kakou-cloud"}
	c := start(t, cfg)
	if c.BrokerURL() != ext.URL() {
		t.Fatalf("BrokerURL %q, want %q", c.BrokerURL(), ext.URL())
	}
	publishEntry(t, ext.URL(), 1)
	entriesOverHTTP(t, c.HTTPURL(), 1)
}

func TestCollectorStartFailsCleanlyWhenHTTPPortIsTaken(t *testing.T) {
	first := start(t, testConfig(t))
	cfg := testConfig(t)
	cfg.HTTP.Listen = strings.TrimPrefix(first.HTTPURL(), "http://")
	c, err := New(cfg, nil)
	if err != nil {
		t.Fatal(err)
	}
	if err := c.Start(context.Background()); err == nil || !strings.Contains(err.Error(), "collector: http") {
		t.Fatalf("Start = %v, want a collector: http error", err)
	}
	if c.Store() != nil {
		t.Fatal("the store is still open after a failed Start")
	}
}

func TestNewRejectsInvalidConfig(t *testing.T) {
	if _, err := New(Config{}, nil); err == nil || !strings.Contains(err.Error(), "data_dir") {
		t.Fatalf("New(Config{}) = %v, want the data_dir problem", err)
	}
}

func TestDialableReplacesUnspecifiedHost(t *testing.T) {
	for in, want := range map[string]string{
		"0.0.0.0:80": "127.0.0.1:80", "[::]:80": "127.0.0.1:80", ":80": "127.0.0.1:80",
		"10.0.0.5:80": "10.0.0.5:80", "127.0.0.1:80": "127.0.0.1:80",
	} {
		if got := dialable(in); got != want {
			t.Errorf("dialable(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestCloseWithinHoldsTheShutdownDeadline(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	hung := make(chan struct{})
	defer close(hung)
	err := closeWithin(ctx, func() error { <-hung; return nil })
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("got %v, want the deadline's error", err)
	}
	if err := closeWithin(context.Background(), func() error { return nil }); err != nil {
		t.Fatalf("a prompt close: %v", err)
	}
}
