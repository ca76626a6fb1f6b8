package kakou

import (
	"fmt"
	"path/filepath"
	"syscall"
	"testing"
	"time"
)

const faultPeople = 500

// waitUntil polls cond for up to two minutes; it waits for progress and
// asserts nothing about speed.
func waitUntil(t *testing.T, what string, cond func() bool) {
	t.Helper()
	for deadline := time.Now().Add(2 * time.Minute); !cond(); time.Sleep(100 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("gave up waiting: %s", what)
		}
	}
}

// brokers are the two ways a collector meets its units: its own embedded
// broker, or Debian's mosquitto beside it.
var brokers = []struct {
	name  string
	start func(t *testing.T) (brokerTOML, url string)
}{
	{"embedded", func(t *testing.T) (string, string) {
		addr := freePort(t)
		return fmt.Sprintf("[broker]\nembedded = true\nlisten = %q\n", addr), "tcp://" + addr
	}},
	{"mosquitto", func(t *testing.T) (string, string) {
		_, addr := startMosquittoProc(t)
		return fmt.Sprintf("[broker]\nembedded = false\nurl = \"tcp://%s\"\n", addr), "tcp://" + addr
	}},
}

func TestUnitKilledMidBurstLosesAndDuplicatesNothingIntegration(t *testing.T) {
	for _, br := range brokers {
		t.Run(br.name, func(t *testing.T) { unitKilledMidBurst(t, br.start) })
	}
}

func unitKilledMidBurst(t *testing.T, startBroker func(*testing.T) (string, string)) {
	unitBin, cloudBin := binaries(t)
	dir := t.TempDir()
	brokerTOML, brokerURL := startBroker(t)
	c := startCloudProc(t, cloudBin, dir, brokerTOML, brokerURL)
	u := startUnitProc(t, unitBin, dir, "site-k", "unit-k", c.brokerURL, faultPeople)
	path := filepath.Join(dir, "unit-k", "ledger.db")
	waitUntil(t, "a burst under way", func() bool { return ledgerCount(t, path) >= faultPeople/3 })
	u.kill(syscall.SIGKILL)
	before := ledgerCount(t, path)
	u.restart()
	total := before + faultPeople
	waitUntil(t, "the restarted unit logged its crowd", func() bool { return ledgerCount(t, path) == total })
	waitUntil(t, "the cloud caught up", func() bool { return len(apiEntries(t, c.httpURL, "unit-k")) >= total })
	u.kill(syscall.SIGTERM)
	assertExactlyOnce(t, ledgerEntries(t, path), apiEntries(t, c.httpURL, "unit-k"))
}

// With the embedded broker the collector takes the broker down with it, so
// this also covers the embedded broker stopping and restarting.
func TestCollectorKilledMidBatchLosesAndDuplicatesNothingIntegration(t *testing.T) {
	for _, br := range brokers {
		t.Run(br.name, func(t *testing.T) { collectorKilledMidBatch(t, br.start) })
	}
}

func collectorKilledMidBatch(t *testing.T, startBroker func(*testing.T) (string, string)) {
	unitBin, cloudBin := binaries(t)
	brokerTOML, brokerURL := startBroker(t)
	dir := t.TempDir()
	c := startCloudProc(t, cloudBin, dir, brokerTOML, brokerURL)
	u := startUnitProc(t, unitBin, dir, "site-c", "unit-c", c.brokerURL, faultPeople)
	path := filepath.Join(dir, "unit-c", "ledger.db")
	waitUntil(t, "entries stored", func() bool { return len(apiEntries(t, c.httpURL, "unit-c")) >= faultPeople/4 })
	c.kill(syscall.SIGKILL)
	down := ledgerCount(t, path)
	waitUntil(t, "the unit keeps logging while the collector is dead", func() bool { return ledgerCount(t, path) >= down+50 })
	c.restart()
	c.awaitHTTP()
	waitUntil(t, "the unit logged its crowd", func() bool { return ledgerCount(t, path) == faultPeople })
	waitUntil(t, "the cloud caught up", func() bool { return len(apiEntries(t, c.httpURL, "unit-c")) >= faultPeople })
	u.kill(syscall.SIGTERM)
	assertExactlyOnce(t, ledgerEntries(t, path), apiEntries(t, c.httpURL, "unit-c"))
}

func TestBrokerStoppedAndRestartedLosesAndDuplicatesNothingIntegration(t *testing.T) {
	unitBin, cloudBin := binaries(t)
	broker, mqttAddr := startMosquittoProc(t)
	dir := t.TempDir()
	c := startCloudProc(t, cloudBin, dir, fmt.Sprintf("[broker]\nembedded = false\nurl = \"tcp://%s\"\n", mqttAddr), "tcp://"+mqttAddr)
	u := startUnitProc(t, unitBin, dir, "site-b", "unit-b", c.brokerURL, faultPeople)
	path := filepath.Join(dir, "unit-b", "ledger.db")
	waitUntil(t, "entries stored", func() bool { return len(apiEntries(t, c.httpURL, "unit-b")) >= faultPeople/4 })
	broker.kill(syscall.SIGKILL)
	down := ledgerCount(t, path)
	waitUntil(t, "the unit keeps logging while the broker is down", func() bool { return ledgerCount(t, path) >= down+50 })
	broker.restart()
	awaitListen(t, mqttAddr)
	waitUntil(t, "the unit logged its crowd", func() bool { return ledgerCount(t, path) == faultPeople })
	waitUntil(t, "the cloud caught up", func() bool { return len(apiEntries(t, c.httpURL, "unit-b")) >= faultPeople })
	u.kill(syscall.SIGTERM)
	assertExactlyOnce(t, ledgerEntries(t, path), apiEntries(t, c.httpURL, "unit-b"))
}
