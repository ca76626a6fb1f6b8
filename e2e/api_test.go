package e2e

import (
	"encoding/json"
	"net/http"
	"net/url"
	"testing"
	"time"

	"github.com/kakou/kakou/cloud/collector"
	"github.com/kakou/kakou/firmware/wire"
)

// Reading what the collector stored through its HTTP API, as the
// dashboard and an operator do.

// cloudEntries reads a unit's entries through the public API.
func cloudEntries(t *testing.T, c *collector.Collector, site, unitID string) []wire.Entry {
	t.Helper()
	var body struct {
		Entries []wire.Entry `json:"entries"`
	}
	getJSON(t, c.HTTPURL()+"/api/v1/entries?limit=1000&site="+url.QueryEscape(site)+"&unit="+url.QueryEscape(unitID), &body)
	return body.Entries
}

type fleetUnit struct {
	ID           string    `json:"id"`
	Site         string    `json:"site"`
	Online       bool      `json:"online"`
	LastSeen     time.Time `json:"last_seen"`
	EntriesToday int       `json:"entries_today"`
}

func fleet(t *testing.T, c *collector.Collector) []fleetUnit {
	t.Helper()
	var body struct {
		Units []fleetUnit `json:"units"`
	}
	getJSON(t, c.HTTPURL()+"/api/v1/units", &body)
	return body.Units
}

func getJSON(t testing.TB, u string, v any) {
	t.Helper()
	resp, err := http.Get(u)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("GET %s: %s", u, resp.Status)
	}
	if err := json.NewDecoder(resp.Body).Decode(v); err != nil {
		t.Fatalf("GET %s: %v", u, err)
	}
}

// apiEntries reads what the cloud stored for a unit, named with its site
// as the API asks: the unit's site is read from the fleet view, where these
// tests give every unit id one site.
func apiEntries(t *testing.T, httpURL, unit string) []wire.Entry {
	t.Helper()
	var fleet struct {
		Units []struct{ ID, Site string } `json:"units"`
	}
	getJSON(t, httpURL+"/api/v1/units", &fleet)
	var body struct {
		Entries []wire.Entry `json:"entries"`
	}
	for _, u := range fleet.Units {
		if u.ID == unit {
			getJSON(t, httpURL+"/api/v1/entries?limit=1000&site="+u.Site+"&unit="+unit, &body)
		}
	}
	return body.Entries
}

var httpClient = &http.Client{Timeout: 5 * time.Second}

func httpGet(url string) (int, error) {
	r, err := httpClient.Get(url)
	if err != nil {
		return 0, err
	}
	r.Body.Close()
	return r.StatusCode, nil
}
