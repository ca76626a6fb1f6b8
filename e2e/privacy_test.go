package e2e

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http/httptest"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/kakou/kakou/cloud/api"
	"github.com/kakou/kakou/cloud/store/sqlite"
	"github.com/kakou/kakou/firmware/credential"
	"github.com/kakou/kakou/firmware/wire"
)

// A visitor's numbers from the gate to a tracer's export (visitor privacy): the
// unit's hashes are the ones the centre computes from the typed number,
// the unit's sealed box opens at the centre, and the cloud database file
// never holds a full number.
func TestVisitorNumbersFromGateToExport(t *testing.T) {
	const id, phone = "11010519491231002X", "13812345678"
	tracing, seal := bytes.Repeat([]byte("t"), 32), bytes.Repeat([]byte("s"), 32)
	priv, err := credential.NewPrivacy(tracing, seal)
	if err != nil {
		t.Fatal(err)
	}
	v, err := priv.Minimise(wire.Visitor{Name: "李四"}, phone, id, true)
	if err != nil {
		t.Fatal(err)
	}
	e := wire.Entry{Schema: wire.SchemaVersion, ID: "e-1", Site: "care-home", Unit: "gate-1", Seq: 1,
		BootID: "b", Lane: wire.LaneIn, Time: time.Now(), ClockSynced: true, Decision: wire.Allow,
		Credential: wire.Credential{Kind: wire.CredentialVisitor, Result: "registered", Subject: "V-1"},
		Reasons:    []wire.Reason{{Code: "ok", ZH: "通过", EN: "pass"}}, PolicyVersion: "p-1", Visitor: &v}
	dbPath := filepath.Join(t.TempDir(), "cloud.db")
	st, err := sqlite.Open(dbPath)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := st.PutEntries(context.Background(), []wire.Entry{e}, time.Now()); err != nil {
		t.Fatal(err)
	}
	h, err := api.New(st, api.Options{Privacy: api.Privacy{TracingKey: tracing, SealKey: seal},
		Tokens: map[string]api.Caller{"tr": {User: "tracer-1", Role: api.RoleTracer}}})
	if err != nil {
		t.Fatal(err)
	}
	req := httptest.NewRequest("GET", "/api/v1/people/export?phone="+phone, nil)
	req.Header.Set("Authorization", "Bearer tr")
	w := httptest.NewRecorder()
	h.ServeHTTP(w, req)
	var body struct {
		Entries []struct {
			Sealed string `json:"sealed"`
			IDFull string `json:"id_full"`
		}
	}
	if w.Code != 200 || json.Unmarshal(w.Body.Bytes(), &body) != nil || len(body.Entries) != 1 {
		t.Fatalf("%d %s", w.Code, w.Body)
	}
	if got := body.Entries[0]; got.Sealed != "opened" || got.IDFull != id {
		t.Fatalf("export row %+v: the unit's sealed box did not open at the centre", got)
	}
	st.Close()
	files, _ := filepath.Glob(dbPath + "*")
	for _, f := range files {
		b, _ := os.ReadFile(f)
		if bytes.Contains(b, []byte(id)) || bytes.Contains(b, []byte(phone)) {
			t.Errorf("%s holds a full number", f)
		}
	}
}
