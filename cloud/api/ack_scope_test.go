package api

import (
	"net/http"
	"testing"
	"time"

	"github.com/kakou/kakou/cloud/store"
	"github.com/kakou/kakou/firmware/wire"
)

// A district's monitor acknowledges a fever older than the district's
// newest thousand alerts: the alert is found by its id, not searched for
// among a page of the latest. One outside the district stays unknown.
func TestADistrictMonitorAcknowledgesAnOldAlertFoundByItsID(t *testing.T) {
	f := newRegionFixture(t)
	old := feverAt("site-a", "gate-1", 100, now.Add(-48*time.Hour))
	batch := []wire.Entry{old}
	for i := range store.MaxLimit + 5 {
		batch = append(batch, feverAt("site-a", "gate-2", uint64(100+i), now.Add(-time.Duration(i)*time.Second)))
	}
	f.put(t, batch...)
	ack := func(id string) (int, string) {
		return f.raw(t, "district", "POST", "/api/v1/alerts/"+id+"/ack", `{"action": "已送发热门诊"}`)
	}
	if code, body := ack(old.ID); code != http.StatusOK {
		t.Fatalf("acknowledging the district's fever of two days ago: %d %.200s, want 200", code, body)
	}
	if code, body := ack("door-1-1"); code != http.StatusNotFound {
		t.Fatalf("acknowledging Liyang's alert from Wujin: %d %.200s, want 404", code, body)
	}
	if code, _ := ack("no-such-alert"); code != http.StatusNotFound {
		t.Fatalf("an unknown alert: %d, want 404", code)
	}
}
