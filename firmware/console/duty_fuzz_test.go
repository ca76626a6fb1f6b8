package console

import (
	"context"
	"net/http"
	"testing"
)

// FuzzDutyAndHandOverRequests holds the duty log's and the hand-over's
// POSTs to their contract for any body a page could send: never a 5xx
// (the ledger refusing what the console let through), and every record
// they accept is one the ledger and the centre take.
func FuzzDutyAndHandOverRequests(f *testing.F) {
	for _, b := range []string{`{"duty": "gate-disinfection", "note": "84消毒液"}`, `{"duty": "lift-buttons"}`,
		`{"duty": "../../x"}`, `{"incoming": "g-08", "incoming_name": "李师傅", "note": "无"}`,
		`{"incoming": "g-07"}`, `{"incoming": "` + "\u0000" + `"}`, `{"duty": 7}`, `[]`, `null`, ``} {
		f.Add(true, []byte(b))
		f.Add(false, []byte(b))
	}
	c, lb, _ := newDutyConsole(f, 12, 30)
	f.Fuzz(func(t *testing.T, duty bool, body []byte) {
		path := "/api/handover"
		if duty {
			path = "/api/duty"
		}
		onDuty(t, c, "g-07", "王师傅")
		w := call(t, c, "POST", path, string(body))
		if w.Code >= 500 {
			t.Fatalf("POST %s %q: %d %s", path, body, w.Code, w.Body)
		}
		if w.Code == http.StatusOK {
			es, err := lb.Entries(context.Background(), 0, 1<<20)
			if err != nil || es[len(es)-1].Validate() != nil {
				t.Fatalf("accepted %q but the record is not valid: %v", body, err)
			}
		}
	})
}
