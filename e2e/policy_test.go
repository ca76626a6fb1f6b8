package e2e

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"path/filepath"
	"testing"
	"time"

	"github.com/kakou/kakou/internal/testenv"
)

// TestPolicyChosenCentrallyRunsAtTheGate: central monitoring puts a site
// under closed management from the API; the unit there, already running,
// switches within seconds, its status says so, the fleet view shows it
// runs what was chosen, and the entries it makes afterwards record the
// new version (docs/architecture.md "Policy is data").
func TestPolicyChosenCentrallyRunsAtTheGate(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	policies := filepath.Join(testenv.RepoRoot(t), "configs", "policies")
	c := startCollector(t, ctx, fmt.Sprintf("policies_dir = %q\n", policies)+"[broker]\nembedded = true\nlisten = \"127.0.0.1:0\"\n")
	startUnitWith(t, ctx, "estate", "gate-1", "in", c.BrokerURL(), 100000, "20ms")
	testenv.Await(t, "the unit online", patience, func() bool { return unitPolicy(t, c.HTTPURL(), "gate-1") != nil })
	if p := unitPolicy(t, c.HTTPURL(), "gate-1"); p.PolicyVersion == "community-closed-1" || p.Wanted != "" {
		t.Fatalf("before the choice: %+v", p)
	}
	body, _ := json.Marshal(map[string]string{"scope": "site", "target": "estate",
		"profile": "community-closed", "by": "街道指挥部"})
	resp, err := http.Post(c.HTTPURL()+"/api/v1/policies/assign", "application/json", bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 200 {
		t.Fatalf("assign: %d", resp.StatusCode)
	}
	testenv.Await(t, "the unit runs the chosen policy", patience, func() bool {
		p := unitPolicy(t, c.HTTPURL(), "gate-1")
		return p.PolicyVersion == "community-closed-1" && p.Wanted == "community-closed-1"
	})
	testenv.Await(t, "entries decided under it", patience, func() bool {
		for _, e := range cloudEntries(t, c, "estate", "gate-1") {
			if e.PolicyVersion == "community-closed-1" {
				return true
			}
		}
		return false
	})
}

type unitPolicyView struct {
	ID            string `json:"id"`
	PolicyVersion string `json:"policy_version"`
	Wanted        string `json:"wanted_version"`
}

func unitPolicy(t *testing.T, httpURL, id string) *unitPolicyView {
	var body struct {
		Units []unitPolicyView `json:"units"`
	}
	getJSON(t, httpURL+"/api/v1/policies", &body)
	for _, u := range body.Units {
		if u.ID == id && u.PolicyVersion != "" {
			return &u
		}
	}
	return nil
}
