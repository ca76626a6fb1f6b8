package e2e

import (
	"fmt"
	"path/filepath"
	"syscall"
	"testing"

	"github.com/kakou/kakou/internal/testenv"
)

// Real processes killed with SIGKILL, as a power cut or the OOM killer
// would: whatever a unit logged must reach the cloud exactly once.

const faultPeople = 500

func TestUnitKilledMidBurstLosesAndDuplicatesNothingIntegration(t *testing.T) {
	for _, br := range brokers {
		t.Run(br.name, func(t *testing.T) { unitKilledMidBurst(t, br.start) })
	}
}

func unitKilledMidBurst(t *testing.T, startBroker func(*testing.T) (string, string)) {
	bin := binaries(t)
	dir := t.TempDir()
	brokerTOML, brokerURL := startBroker(t)
	c := startCloudProc(t, bin.cloud, dir, brokerTOML, brokerURL)
	u := startUnitProc(t, bin.unit, dir, "site-k", "unit-k", c.brokerURL, faultPeople)
	path := filepath.Join(dir, "unit-k", "ledger.db")
	testenv.Await(t, "a burst under way", patience, func() bool { return ledgerCount(t, path) >= faultPeople/3 })
	u.kill(syscall.SIGKILL)
	before := ledgerCount(t, path)
	u.restart()
	total := before + faultPeople
	testenv.Await(t, "the restarted unit logged its crowd", patience, func() bool { return ledgerCount(t, path) == total })
	testenv.Await(t, "the cloud caught up", patience, func() bool { return len(apiEntries(t, c.httpURL, "unit-k")) >= total })
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
	bin := binaries(t)
	brokerTOML, brokerURL := startBroker(t)
	dir := t.TempDir()
	c := startCloudProc(t, bin.cloud, dir, brokerTOML, brokerURL)
	u := startUnitProc(t, bin.unit, dir, "site-c", "unit-c", c.brokerURL, faultPeople)
	path := filepath.Join(dir, "unit-c", "ledger.db")
	testenv.Await(t, "entries stored", patience, func() bool { return len(apiEntries(t, c.httpURL, "unit-c")) >= faultPeople/4 })
	c.kill(syscall.SIGKILL)
	down := ledgerCount(t, path)
	testenv.Await(t, "the unit keeps logging while the collector is dead", patience, func() bool { return ledgerCount(t, path) >= down+50 })
	c.restart()
	c.awaitHTTP()
	testenv.Await(t, "the unit logged its crowd", patience, func() bool { return ledgerCount(t, path) == faultPeople })
	testenv.Await(t, "the cloud caught up", patience, func() bool { return len(apiEntries(t, c.httpURL, "unit-c")) >= faultPeople })
	u.kill(syscall.SIGTERM)
	assertExactlyOnce(t, ledgerEntries(t, path), apiEntries(t, c.httpURL, "unit-c"))
}

func TestBrokerStoppedAndRestartedLosesAndDuplicatesNothingIntegration(t *testing.T) {
	bin := binaries(t)
	broker, mqttAddr := startMosquittoProc(t)
	dir := t.TempDir()
	c := startCloudProc(t, bin.cloud, dir, fmt.Sprintf("[broker]\nembedded = false\nurl = \"tcp://%s\"\n", mqttAddr), "tcp://"+mqttAddr)
	u := startUnitProc(t, bin.unit, dir, "site-b", "unit-b", c.brokerURL, faultPeople)
	path := filepath.Join(dir, "unit-b", "ledger.db")
	testenv.Await(t, "entries stored", patience, func() bool { return len(apiEntries(t, c.httpURL, "unit-b")) >= faultPeople/4 })
	broker.kill(syscall.SIGKILL)
	down := ledgerCount(t, path)
	testenv.Await(t, "the unit keeps logging while the broker is down", patience, func() bool { return ledgerCount(t, path) >= down+50 })
	broker.restart()
	awaitListen(t, mqttAddr)
	testenv.Await(t, "the unit logged its crowd", patience, func() bool { return ledgerCount(t, path) == faultPeople })
	testenv.Await(t, "the cloud caught up", patience, func() bool { return len(apiEntries(t, c.httpURL, "unit-b")) >= faultPeople })
	u.kill(syscall.SIGTERM)
	assertExactlyOnce(t, ledgerEntries(t, path), apiEntries(t, c.httpURL, "unit-b"))
}
