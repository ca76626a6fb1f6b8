package e2e

import (
	"fmt"
	"path/filepath"
	"syscall"
	"testing"

	"github.com/kakou/kakou/cloud/store/pgtest"
	"github.com/kakou/kakou/internal/testenv"
)

// TestThreeCollectorsShareTheLoadIntegration is the scale-out
// proof: three kakou-cloud processes share Debian's mosquitto through the
// shared subscription group and one PostgreSQL; three units send their
// crowds; one collector is killed with SIGKILL mid-run and never comes
// back. Every logged entry is stored exactly once: the broker drops the
// dead member from the group, and the survivors take the units' re-sends of
// what it held.
func TestThreeCollectorsShareTheLoadIntegration(t *testing.T) {
	bin := binaries(t)
	dsn := pgtest.Start(t)
	_, mqttAddr := startMosquittoProc(t)
	brokerURL := "tcp://" + mqttAddr
	var clouds []*cloudProc
	for i := 1; i <= 3; i++ {
		dir := t.TempDir()
		clouds = append(clouds, startCloudProc(t, bin.cloud, dir, fmt.Sprintf(`[broker]
embedded = false
url = %q
client_id = "kakou-cloud-%d"
shared_group = "kakou-collectors"
[store]
driver = "postgres"
dsn = %q
`, brokerURL, i, dsn), brokerURL))
	}
	dir := t.TempDir()
	units := []string{"unit-1", "unit-2", "unit-3"}
	procs := map[string]*proc{}
	for _, id := range units {
		procs[id] = startUnitProc(t, bin.unit, dir, "city-site", id, brokerURL, faultPeople, `ack_timeout = "3s"`)
	}
	survivor := clouds[0].httpURL
	testenv.Await(t, "entries stored", patience, func() bool { return len(apiEntries(t, survivor, "unit-1")) >= faultPeople/4 })
	clouds[1].kill(syscall.SIGKILL)
	for _, id := range units {
		path := filepath.Join(dir, id, "ledger.db")
		testenv.Await(t, id+" logged its crowd", patience, func() bool { return ledgerCount(t, path) == faultPeople })
		stored := 0
		defer func() { // testenv.Await.s Fatalf runs this: say how far it got
			if t.Failed() {
				t.Logf("%s: %d of %d stored", id, stored, faultPeople)
			}
		}()
		testenv.Await(t, "the cloud has all of "+id, patience, func() bool {
			stored = len(apiEntries(t, survivor, id))
			return stored >= faultPeople
		})
	}
	for _, id := range units {
		procs[id].kill(syscall.SIGTERM)
		logged := ledgerEntries(t, filepath.Join(dir, id, "ledger.db"))
		assertExactlyOnce(t, logged, apiEntries(t, survivor, id))
		assertExactlyOnce(t, logged, apiEntries(t, clouds[2].httpURL, id)) // one database, every replica
		assertAcked(t, survivor, id, faultPeople)
	}
}

// assertAcked checks the unit's watermark covers its whole crowd: the
// acknowledgements came right although three collectors stored its entries.
func assertAcked(t *testing.T, httpURL, id string, want uint64) {
	t.Helper()
	var body struct {
		Units []struct {
			ID       string `json:"id"`
			AckedSeq uint64 `json:"acked_seq"`
		} `json:"units"`
	}
	getJSON(t, httpURL+"/api/v1/units", &body)
	for _, u := range body.Units {
		if u.ID == id && u.AckedSeq == want {
			return
		}
	}
	t.Fatalf("%s not acknowledged up to %d: %+v", id, want, body.Units)
}
