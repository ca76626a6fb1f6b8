package web

import (
	"net/http"
	"strings"
	"testing"
)

// FuzzCorrectionBody: whatever a signed-in page posts as a correction,
// the gateway answers 200 or 400, never fails inside, and never holds a
// count outside 0..1,000,000.
func FuzzCorrectionBody(f *testing.F) {
	for _, seed := range []string{`{"count":0,"reason":"开门"}`, `{"count":-1,"reason":"x"}`, `{"count":1e309,"reason":"x"}`,
		`{"count":1000001,"reason":"x"}`, `{"count":3,"reason":"x","by":"someone"}`, `{"count":null,"reason":"x"}`,
		`{"count":"7","reason":"x"}`, `{"count":2,"reason":"` + strings.Repeat("x", 300) + `"}`, `[]`, ``, `{"count":1}{"count":2}`} {
		f.Add(seed)
	}
	ts := newAPI(f)
	f.Fuzz(func(t *testing.T, body string) {
		c := newClient(t, ts)
		c.signIn()
		code, out := c.post("/api/v1/occupancy/correct", body, "")
		if code != http.StatusOK && code != http.StatusBadRequest {
			t.Fatalf("%q: %d %v", body, code, out)
		}
		var occ struct{ Occupancy int }
		get(t, ts, "/api/v1/occupancy", &occ)
		if occ.Occupancy < 0 || occ.Occupancy > 1_000_000 {
			t.Fatalf("%q left the count at %d", body, occ.Occupancy)
		}
	})
}
