package api

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"net/url"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/kakou/kakou/cloud/store/sqlite"
	"github.com/kakou/kakou/firmware/wire"
)

// TestTraceMasksUnlessTracerAndAuditsEveryQuery: a resident came in and
// left 75 minutes later; a monitor sees the stay with the credential
// masked, a tracer sees it in full, and both queries are in the audit
// trail with who asked.
func TestTraceMasksUnlessTracerAndAuditsEveryQuery(t *testing.T) {
	st, err := sqlite.Open(filepath.Join(t.TempDir(), "cloud.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	h, err := New(st, Options{Location: cst, Now: func() time.Time { return now },
		Tokens: map[string]Caller{"t0ken": {User: "李四", Role: RoleTracer}}})
	if err != nil {
		t.Fatal(err)
	}
	in := entry("mart", "door-in", 1, now.Add(-3*time.Hour))
	in.Credential = wire.Credential{Kind: wire.CredentialHealthCode, Result: "green", Subject: "110101199001011234"}
	out := entry("mart", "door-out", 1, now.Add(-3*time.Hour+75*time.Minute))
	out.Lane, out.Credential = wire.LaneOut, in.Credential
	if _, err := st.PutEntries(context.Background(), []wire.Entry{in, out}, now); err != nil {
		t.Fatal(err)
	}
	q := "/api/v1/trace?site=mart&since=" + url.QueryEscape(now.Add(-24*time.Hour).Format(time.RFC3339)) +
		"&until=" + url.QueryEscape(now.Format(time.RFC3339))
	for _, tt := range []struct {
		token, subject string
		masked         bool
	}{
		{"", "110***********1234", true},
		{"t0ken", "110101199001011234", false},
	} {
		var body struct {
			Masked bool
			Visits []visitJSON
		}
		req, _ := http.NewRequest("GET", q, nil)
		if tt.token != "" {
			req.Header.Set("Authorization", "Bearer "+tt.token)
		}
		if code := serve(t, h, req, &body); code != 200 || len(body.Visits) != 1 {
			t.Fatalf("token %q: %d %+v", tt.token, code, body)
		}
		v := body.Visits[0]
		if body.Masked != tt.masked || v.Subject != tt.subject || v.StaySeconds == nil || *v.StaySeconds != 75*60 {
			t.Errorf("token %q: masked %v, visit %+v (stay %v)", tt.token, body.Masked, v, v.StaySeconds)
		}
	}
	audit, err := st.Audit(context.Background(), 10)
	if err != nil || len(audit) != 2 {
		t.Fatalf("audit = %+v, %v; want both queries", audit, err)
	}
	if audit[0].User != "李四" || audit[0].Role != RoleTracer || !strings.Contains(audit[0].Detail, `"unmasked":true`) ||
		audit[1].User != "anonymous" {
		t.Fatalf("audit = %+v", audit)
	}
}

func TestTraceRefusesOpenEndedQueries(t *testing.T) {
	f := newFixture(t)
	var body map[string]string
	if code := f.get(t, "/api/v1/trace?site=mart", &body); code != 400 || !strings.Contains(body["error"], "required") {
		t.Fatalf("%d %v", code, body)
	}
	if audit, _ := f.store.Audit(context.Background(), 10); len(audit) != 0 {
		t.Fatalf("a refused query was audited as run: %+v", audit)
	}
}

// serve runs req through h and decodes the JSON answer into v.
func serve(t *testing.T, h http.Handler, req *http.Request, v any) int {
	t.Helper()
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	if err := json.Unmarshal(rec.Body.Bytes(), v); err != nil {
		t.Fatalf("%s %s: %v: %s", req.Method, req.URL, err, rec.Body)
	}
	return rec.Code
}
