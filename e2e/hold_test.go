package e2e

import (
	"context"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/kakou/kakou/cloud/store"
	"github.com/kakou/kakou/firmware/wire"
	"github.com/kakou/kakou/internal/testenv"
)

// closedPolicy is community-closed as shipped, taking the unsigned passes
// the simulator shows: untested residents are held for sampling.
func closedPolicy(t testing.TB) string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("..", "configs", "policies", "community-closed.toml"))
	if err != nil {
		t.Fatal(err)
	}
	doc := strings.Replace(string(b), `accept = ["valid"]          # signed`, `accept = ["valid", "unverified"] # signed`, 1)
	if doc == string(b) {
		t.Fatal("community-closed.toml's resident_pass accept line changed; update this test")
	}
	path := filepath.Join(t.TempDir(), "closed.toml")
	if err := os.WriteFile(path, []byte(doc), 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

// TestAHoldIsReleasedByANegativeResultRecordedAtTheCentre: a resident
// without a test is held at the gate (待采样); central monitoring records
// a negative result for their pass; it crosses the real broker to the
// unit, which writes the release entry naming the hold; the centre lists
// the hold as released, by that entry.
func TestAHoldIsReleasedByANegativeResultRecordedAtTheCentre(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	c := startCollector(t, ctx, "[broker]\nembedded = true\nlisten = \"127.0.0.1:0\"\n")
	pol := closedPolicy(t)
	runUnit(t, ctx, "gate-1", func(dir string) string {
		return fmt.Sprintf(`site = "estate"
unit = "gate-1"
lane = "in"
data_dir = %q
trust_clock = true
[console]
listen = "127.0.0.1:0"
[mqtt]
broker = %q
[policy]
path = %q
[simulator]
mean_interval = "20ms"
max_people = 30
`, filepath.Join(dir, "data"), c.BrokerURL(), pol)
	})
	var held store.HoldRow
	testenv.Await(t, "a hold at the centre", patience, func() bool {
		rows, err := store.Holds(ctx, c.Store(), "estate", time.Now().Add(-time.Hour))
		if err != nil {
			t.Fatal(err)
		}
		for _, h := range rows {
			if h.Pending() && h.Pass != "" {
				held = h
				return true
			}
		}
		return false
	})
	body := fmt.Sprintf(`{"pass": %q, "result": "negative", "sampled_at": %q}`, held.Pass, time.Now().UTC().Format(time.RFC3339))
	resp, err := http.Post(c.HTTPURL()+"/api/v1/results", "application/json", strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusCreated {
		t.Fatalf("POST /api/v1/results: %s", resp.Status)
	}
	var listed struct {
		Holds []struct {
			EntryID   string `json:"entry_id"`
			Pending   bool   `json:"pending"`
			ReleaseID string `json:"release_id"`
		} `json:"holds"`
	}
	testenv.Await(t, "the hold released at the centre", patience, func() bool {
		getJSON(t, c.HTTPURL()+"/api/v1/holds?site=estate&status=released", &listed)
		for _, h := range listed.Holds {
			if h.EntryID == held.EntryID && !h.Pending && h.ReleaseID != "" {
				return true
			}
		}
		return false
	})
	var release wire.Entry
	for _, e := range cloudEntries(t, c, "estate", "gate-1") {
		if e.Amends == held.EntryID && e.Decision == wire.Allow {
			release = e
		}
	}
	if len(release.Reasons) == 0 || release.Reasons[0].Code != wire.ReasonReleased || release.Credential.Subject != wire.MaskID(held.Pass) {
		t.Fatalf("release entry at the centre: %+v", release)
	}
}
