package api

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"testing"
)

const (
	rosterA = `{"id":"w-a","site":"site-a","pass":"SG-0012","id_hash":"` + hexHash + `","household":"3号楼2单元501",
		"kind":"home_quarantine","start":"2022-03-30","plan":"14+7+7","tests":["24h","7d","14d"],"note":"居家隔离"}`
	rosterB = `{"id":"w-b","site":"site-b","household":"9-9-909","kind":"returnee","start":"2022-04-01","plan":"14"}`
	hexHash = "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"
)

// TestRosterIsKeptWithinEachCallersScopeAndEveryWriteAudited: the city's
// monitor imports entries for two districts' sites; Wujin's monitor sees
// and changes only site-a's; the site's manager only their own; a guard
// changes nothing; the listing counts by kind, finds by household written
// any way, masks the pass and never shows the hash; every write is audited.
func TestRosterIsKeptWithinEachCallersScopeAndEveryWriteAudited(t *testing.T) {
	f := newRegionFixture(t)
	if code, body := f.raw(t, "monitor", "POST", "/api/v1/roster", "["+rosterA+","+rosterB+"]"); code != 200 {
		t.Fatalf("import: %d %s", code, body)
	}
	for _, c := range []struct {
		user, method, path, body string
		want                     int
	}{
		{"district", "POST", "/api/v1/roster", rosterB, 403},
		{"district", "POST", "/api/v1/roster/w-b/end", "", 404},
		{"manager", "POST", "/api/v1/roster", strings.Replace(rosterB, "w-b", "w-c", 1), 403},
		{"manager", "POST", "/api/v1/roster", strings.Replace(rosterB, "site-b", "site-a", 1), 403}, // w-b is site-b's: no taking it over
		{"guard", "POST", "/api/v1/roster", rosterA, 403},
		{"guard", "GET", "/api/v1/roster", "", 403},
		{"district", "POST", "/api/v1/roster", `{"site":"site-a","kind":"returnee","start":"2022-04-01","plan":"14"}`, 400},
		{"district", "POST", "/api/v1/roster", `{"site":"site-a","pass":"P-1","kind":"returnee","start":"2022-04-01","plan":"14","name":"张三"}`, 400},
		{"manager", "POST", "/api/v1/roster", strings.Replace(rosterA, "居家隔离", "改", 1), 200},
	} {
		if code, body := f.raw(t, c.user, c.method, c.path, c.body); code != c.want {
			t.Errorf("%s %s %s: %d %s, want %d", c.user, c.method, c.path, code, body, c.want)
		}
	}
	var list struct {
		Total   int
		Counts  map[string]int
		Entries []map[string]any
	}
	_, body := f.raw(t, "district", "GET", "/api/v1/roster?household="+"3栋2单元501", "")
	if err := json.Unmarshal([]byte(body), &list); err != nil {
		t.Fatal(err)
	}
	if list.Total != 1 || list.Counts["home_quarantine"] != 1 || list.Entries[0]["pass"] != "SG-***0012" && !strings.Contains(list.Entries[0]["pass"].(string), "*") {
		t.Fatalf("district listing: %s", body)
	}
	for _, leak := range []string{hexHash, "site-b", "9-9-909", `"pass":"SG-0012"`} {
		if strings.Contains(body, leak) {
			t.Errorf("the district's listing shows %q: %s", leak, body)
		}
	}
	if _, body := f.raw(t, "tracer", "GET", "/api/v1/roster", ""); !strings.Contains(body, `"pass":"SG-0012"`) || !strings.Contains(body, "w-b") {
		t.Errorf("the city's tracer: %s", body)
	}
	if code, body := f.raw(t, "district", "POST", "/api/v1/roster/w-a/end", ""); code != 200 || !strings.Contains(body, `"ended":true`) {
		t.Fatalf("end: %d %s", code, body)
	}
	if _, body := f.raw(t, "monitor", "GET", "/api/v1/roster", ""); strings.Contains(body, "w-a") {
		t.Errorf("an ended entry is still listed: %s", body)
	}
	audit, err := f.store.Audit(context.Background(), 20)
	if err != nil {
		t.Fatal(err)
	}
	var acts []string
	for _, a := range audit {
		if strings.HasPrefix(a.Action, "roster_") {
			acts = append(acts, a.User+":"+a.Action)
		}
	}
	if got := strings.Join(acts, " "); got != "district:roster_end manager:roster_put monitor:roster_put" {
		t.Errorf("audit %s", got)
	}
}

// TestRosterRefusesAnImportOverItsBoundsWithoutStoringAnything: a body over
// 8 MiB is refused as too large, a list over 10,000 entries says to split
// it, and nothing is stored either way.
func TestRosterRefusesAnImportOverItsBoundsWithoutStoringAnything(t *testing.T) {
	f := newRegionFixture(t)
	huge := `[` + strings.Repeat(rosterA+",", 9<<20/len(rosterA)) + rosterA + `]`
	if code, _ := f.raw(t, "monitor", "POST", "/api/v1/roster", huge); code != 413 {
		t.Errorf("a 9 MiB import: %d, want 413", code)
	}
	var many strings.Builder
	many.WriteString("[")
	for i := range 10_001 {
		if i > 0 {
			many.WriteString(",")
		}
		fmt.Fprintf(&many, `{"site":"site-a","pass":"P-%d","kind":"returnee","start":"2022-04-01","plan":"14"}`, i)
	}
	many.WriteString("]")
	if code, body := f.raw(t, "monitor", "POST", "/api/v1/roster", many.String()); code != 400 || !strings.Contains(body, "split") {
		t.Errorf("10,001 entries: %d %.200s", code, body)
	}
	if _, body := f.raw(t, "monitor", "GET", "/api/v1/roster", ""); !strings.Contains(body, `"total":0`) {
		t.Errorf("something was stored: %.300s", body)
	}
}
