package api

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/base64"
	"encoding/csv"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/kakou/kakou/cloud/store/sqlite"
	"github.com/kakou/kakou/firmware/wire"
)

const (
	tracedID    = "11010519491231002X"
	tracedPhone = "13812345678"
)

var (
	fleetTracingKey = bytes.Repeat([]byte("t"), 32)
	fleetSealKey    = bytes.Repeat([]byte("s"), sealKeySize)
)

// sealForTest seals as a unit does (firmware/credential; the root test
// checks the two against each other).
func sealForTest(t *testing.T, n sealedNumbers) string {
	t.Helper()
	aead, err := newSealOpener(fleetSealKey)
	if err != nil {
		t.Fatal(err)
	}
	plain, _ := json.Marshal(n)
	nonce := make([]byte, aead.NonceSize())
	rand.Read(nonce)
	return base64.StdEncoding.EncodeToString(aead.Seal(nonce, nonce, plain, sealAAD))
}

// peopleFixture is an API over a temp-dir SQLite store holding one
// person's visits at two sites (one sealed under a care-home policy) and
// someone else's.
type peopleFixture struct {
	h  http.Handler
	st *sqlite.Store
}

func newPeopleFixture(t *testing.T, priv Privacy) peopleFixture {
	t.Helper()
	st, err := sqlite.Open(filepath.Join(t.TempDir(), "cloud.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	h, err := New(st, Options{Location: cst, Now: func() time.Time { return now }, Privacy: priv,
		Tokens: map[string]Caller{"tr": {User: "王五", Role: RoleTracer}, "mo": {User: "赵六", Role: RoleMonitor}}})
	if err != nil {
		t.Fatal(err)
	}
	visitor := func(site, unit string, seq uint64, id, phone string, sealed bool) wire.Entry {
		e := entry(site, unit, seq, now.Add(-time.Duration(seq)*time.Hour))
		e.Visitor = &wire.Visitor{Name: "李四", ID: wire.MaskID(id), Phone: wire.MaskPhone(phone),
			Destination: "=HYPERLINK(\"x\")", IDHash: wire.PersonHash(fleetTracingKey, "id", id),
			PhoneHash: wire.PersonHash(fleetTracingKey, "phone", phone)}
		if sealed {
			e.Visitor.Sealed = sealForTest(t, sealedNumbers{ID: id, Phone: phone})
		}
		return e
	}
	es := []wire.Entry{visitor("mart", "door-1", 1, tracedID, tracedPhone, false),
		visitor("care-home", "gate-1", 2, tracedID, "13900000000", true),
		visitor("mart", "door-1", 3, "110105194912310011", "13700000000", false)}
	if _, err := st.PutEntries(context.Background(), es, now); err != nil {
		t.Fatal(err)
	}
	return peopleFixture{h: h, st: st}
}

func (f peopleFixture) get(t *testing.T, token, path string) *httptest.ResponseRecorder {
	t.Helper()
	req := httptest.NewRequest("GET", path, nil)
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	w := httptest.NewRecorder()
	f.h.ServeHTTP(w, req)
	return w
}

func TestExportFindsAPersonAcrossSitesAndOpensSealedNumbersForTracers(t *testing.T) {
	f := newPeopleFixture(t, Privacy{TracingKey: fleetTracingKey, SealKey: fleetSealKey})
	w := f.get(t, "tr", "/api/v1/people/export?id_number="+strings.ToLower(tracedID))
	var body struct{ Entries []exportRow }
	if w.Code != 200 || json.Unmarshal(w.Body.Bytes(), &body) != nil || len(body.Entries) != 2 {
		t.Fatalf("%d %s", w.Code, w.Body)
	}
	sites := map[string]exportRow{}
	for _, r := range body.Entries {
		sites[r.Site] = r
	}
	if r := sites["care-home"]; r.Sealed != "opened" || r.IDFull != tracedID || r.PhoneFull != "13900000000" {
		t.Errorf("care-home row %+v", r)
	}
	if r := sites["mart"]; r.Sealed != "none" || r.IDFull != "" || r.IDMasked != "110***********002X" {
		t.Errorf("mart row %+v", r)
	}
	audit, err := f.st.Audit(context.Background(), 10)
	if err != nil || len(audit) != 1 || audit[0].Action != "people_export" || audit[0].User != "王五" ||
		!strings.Contains(audit[0].Detail, `"sealed_opened":1`) {
		t.Fatalf("audit %+v, %v", audit, err)
	}
	if strings.Contains(audit[0].Detail, tracedID) {
		t.Errorf("the audit trail holds the full ID number: %s", audit[0].Detail)
	}
}

func TestExportAsCSVDefusesFormulas(t *testing.T) {
	f := newPeopleFixture(t, Privacy{TracingKey: fleetTracingKey, SealKey: fleetSealKey})
	w := f.get(t, "tr", "/api/v1/people/export?phone="+tracedPhone+"&format=csv")
	if w.Code != 200 || !strings.HasPrefix(w.Header().Get("Content-Type"), "text/csv") {
		t.Fatalf("%d %s", w.Code, w.Body)
	}
	rows, err := csv.NewReader(w.Body).ReadAll()
	if err != nil || len(rows) != 2 || rows[0][0] != "entry_id" || rows[1][1] != "mart" {
		t.Fatalf("rows %q, %v", rows, err)
	}
	if dest := rows[1][12]; !strings.HasPrefix(dest, "'=") {
		t.Errorf("destination cell %q would run as a formula", dest)
	}
}

func TestPersonEndpointsRefuseAndExplain(t *testing.T) {
	full := newPeopleFixture(t, Privacy{TracingKey: fleetTracingKey, SealKey: fleetSealKey})
	tests := []struct {
		name        string
		priv        *Privacy // nil: the full fixture
		token, path string
		code        int
		want        string
	}{
		{"monitor may not export", nil, "mo", "/api/v1/people/export?id_number=" + tracedID, 403, "tracer"},
		{"anonymous may not export", nil, "", "/api/v1/people/export?id_number=" + tracedID, 403, "tracer"},
		{"monitor may not trace by number", nil, "mo", "/api/v1/trace?phone=" + tracedPhone, 403, "tracer"},
		{"no number", nil, "tr", "/api/v1/people/export", 400, "id_number"},
		{"malformed ID", nil, "tr", "/api/v1/people/export?id_number=12", 400, "5 to 18"},
		{"unknown document", nil, "tr", "/api/v1/people/export?id_number=E1234567&id_kind=library_card", 400, "id_kind"},
		{"bad format", nil, "tr", "/api/v1/people/export?phone=13812345678&format=xml", 400, "json or csv"},
		{"no tracing key", &Privacy{}, "tr", "/api/v1/people/export?id_number=" + tracedID, 503, "tracing_key_file"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := full
			if tt.priv != nil {
				f = newPeopleFixture(t, *tt.priv)
			}
			w := f.get(t, tt.token, tt.path)
			if w.Code != tt.code || !strings.Contains(w.Body.String(), tt.want) {
				t.Fatalf("%d %s; want %d and %q", w.Code, w.Body, tt.code, tt.want)
			}
			if strings.Contains(w.Body.String(), "12345") && tt.name == "malformed ID" {
				t.Error("the refusal repeats the number")
			}
		})
	}
	if audit, _ := full.st.Audit(context.Background(), 10); len(audit) != 0 {
		t.Errorf("refused requests were audited as exports: %+v", audit)
	}
}

func TestExportWithoutSealKeyKeepsNumbersSealed(t *testing.T) {
	f := newPeopleFixture(t, Privacy{TracingKey: fleetTracingKey})
	w := f.get(t, "tr", "/api/v1/people/export?id_number="+tracedID)
	if w.Code != 200 || strings.Contains(w.Body.String(), tracedID) ||
		!strings.Contains(w.Body.String(), "kept sealed: no seal key") {
		t.Fatalf("%d %s", w.Code, w.Body)
	}
}

func TestTraceByNumberListsVisitsMaskedAndAudits(t *testing.T) {
	f := newPeopleFixture(t, Privacy{TracingKey: fleetTracingKey, SealKey: fleetSealKey})
	w := f.get(t, "tr", "/api/v1/trace?id_number="+tracedID)
	var body struct{ Visits []personVisit }
	if w.Code != 200 || json.Unmarshal(w.Body.Bytes(), &body) != nil || len(body.Visits) != 2 {
		t.Fatalf("%d %s", w.Code, w.Body)
	}
	if strings.Contains(w.Body.String(), tracedID) || body.Visits[0].ID != "110***********002X" {
		t.Errorf("trace by number shows the number in full: %s", w.Body)
	}
	if audit, _ := f.st.Audit(context.Background(), 10); len(audit) != 1 || audit[0].Action != "trace_person" {
		t.Errorf("audit %+v", audit)
	}
}

// The unit's form stores a mainland mobile without +86 and hashes other
// documents under their kind (firmware/README.md "The visitor form"): a
// tracer finds them the way they are typed on paper.
func TestTraceFindsAMobileTypedWithItsCountryCodeAndAPassportByKind(t *testing.T) {
	f := newPeopleFixture(t, Privacy{TracingKey: fleetTracingKey, SealKey: fleetSealKey})
	passport := entry("port", "gate-1", 1, time.Now().Add(-time.Hour))
	passport.Visitor = &wire.Visitor{Name: "Smith", IDKind: wire.IDPassport, ID: wire.MaskID("E12345678"),
		IDHash: wire.PersonHash(fleetTracingKey, wire.IDHashKind(wire.IDPassport), "E12345678")}
	if _, err := f.st.PutEntries(context.Background(), []wire.Entry{passport}, time.Now()); err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		query string
		want  int
	}{
		{"phone=%2B86%20" + tracedPhone[:3] + "-" + tracedPhone[3:], 1},
		{"phone=0086" + tracedPhone, 1},
		{"id_number=E12345678&id_kind=passport", 1},
		{"id_number=E12345678", 0}, // an ID card number of that value: nobody
	}
	for _, c := range cases {
		w := f.get(t, "tr", "/api/v1/trace?"+c.query)
		var body struct{ Visits []personVisit }
		if w.Code != 200 || json.Unmarshal(w.Body.Bytes(), &body) != nil || len(body.Visits) != c.want {
			t.Errorf("%s: %d %s, want %d visits", c.query, w.Code, w.Body, c.want)
		}
	}
}
