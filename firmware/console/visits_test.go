package console

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/kakou/kakou/drivers/sim"
	"github.com/kakou/kakou/firmware/credential"
	"github.com/kakou/kakou/firmware/ledger"
	"github.com/kakou/kakou/firmware/policy"
	"github.com/kakou/kakou/firmware/screening"
	"github.com/kakou/kakou/firmware/visit"
	"github.com/kakou/kakou/firmware/wire"
)

// visitLane is one lane of a site as the unit wires it: a real ledger,
// the visit book in front of it, the pipeline writing through the book,
// and the console over both. visits.go in firmware/unit is the same glue.
type visitLane struct {
	c    *Console
	l    lane
	book *visit.Book
}

var entryIDs atomic.Int64

func newVisitLane(t *testing.T, unit string, dir wire.Lane, prefix int) visitLane {
	t.Helper()
	led, err := ledger.Open(filepath.Join(t.TempDir(), "ledger.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { led.Close() })
	priv, err := credential.NewPrivacy(tracingKey, nil)
	if err != nil {
		t.Fatal(err)
	}
	pol := policy.Default()
	pol.Checks.Visitor.MaxStay = "4h"
	newID := func() string { return fmt.Sprintf("%s-%d", unit, entryIDs.Add(1)) }
	now := func() (time.Time, bool) { return time.Now(), true }
	book, err := visit.Open(context.Background(), led, visit.Options{Site: "sunshine-garden", Unit: unit, Lane: dir,
		Prefix: prefix, Key: priv.VisitKey(), MaxStay: pol.Checks.Visitor.MaxStayDuration, Now: now, NewID: newID,
		Hash: func(kind, n string) string {
			if kind == "phone" {
				return priv.PhoneHash(n)
			}
			return priv.IDHash(n)
		}})
	if err != nil {
		t.Fatal(err)
	}
	p, err := screening.New(workingThermometer{}, sim.Must(nil), book, screening.Options{
		Site: "sunshine-garden", Unit: unit, Lane: dir, Policy: func() policy.Policy { return pol },
		Credentials: &credential.Verifier{}, Now: now, NewID: newID,
	})
	if err != nil {
		t.Fatal(err)
	}
	vl := visitLane{l: lane{p, led}, book: book}
	c := New(vl.l, Options{Site: "sunshine-garden", Unit: unit, Lane: dir, Privacy: priv,
		Visits: unitVisits{book: book, record: func(wire.Entry) {}}})
	c.SetRoster(testRoster(t, 1))
	vl.c = c
	return vl
}

// unitVisits is firmware/unit's Visits, without a printer.
type unitVisits struct {
	book   *visit.Book
	record func(wire.Entry)
}

func (u unitVisits) Inside(ctx context.Context) ([]wire.Entry, error) { return u.book.Inside(ctx) }
func (u unitVisits) CloseOut(ctx context.Context, x visit.Exit) (visit.Closed, error) {
	c, err := u.book.Close(ctx, x)
	if err == nil {
		u.record(c.Entry)
	}
	return c, err
}
func (u unitVisits) Visit(id string) (wire.Entry, string, bool) {
	v, ok := u.book.VisitOf(id)
	if !ok {
		return v, "", false
	}
	return v, u.book.QR(v), true
}
func (u unitVisits) HasPrinter() bool { return false }
func (u unitVisits) PrintVisit(context.Context, string) error {
	return errors.New("未配置小票打印机")
}

// registerVisitor scans an unknown code and posts the registration form.
func (vl visitLane) registerVisitor(t *testing.T, phone string) wire.Entry {
	t.Helper()
	scanned, err := vl.l.Screen(context.Background(), []byte("https://example.com/not-a-pass"))
	if err != nil {
		t.Fatal(err)
	}
	w := postTo(t, vl.c, "/api/register", fmt.Sprintf(`{"entry": %q, "name": "张三", "phone": %q, "destination": "3-2-501"}`, scanned.ID, phone))
	var e wire.Entry
	if w.Code != 200 || json.Unmarshal(w.Body.Bytes(), &e) != nil || e.Decision != wire.Allow {
		t.Fatalf("registration: %d %s", w.Code, w.Body)
	}
	return e
}

func get(t *testing.T, h http.Handler, path string) *httptest.ResponseRecorder {
	t.Helper()
	w := httptest.NewRecorder()
	h.ServeHTTP(w, httptest.NewRequest("GET", path, nil))
	return w
}

// postTo posts body as a signed-in guard on c's own page.
func postTo(t *testing.T, c *Console, path, body string) *httptest.ResponseRecorder {
	t.Helper()
	w := httptest.NewRecorder()
	r := httptest.NewRequest("POST", "http://unit.local"+path, strings.NewReader(body))
	r.Header.Set("Origin", "http://unit.local")
	asGuard(t, c, r)
	c.Handler().ServeHTTP(w, r)
	return w
}

func TestTheEntranceShowsTheCodeAndQROfTheVisitARegistrationOpened(t *testing.T) {
	in := newVisitLane(t, "north-gate", wire.LaneIn, 3)
	e := in.registerVisitor(t, "13812345678")
	if e.Visit == nil || !strings.HasPrefix(e.Visit.Code, "3") {
		t.Fatalf("the registration's entry carries visit %+v, want a code with the lane's prefix 3", e.Visit)
	}
	h := in.c
	w := get(t, h.Handler(), "/api/visit/"+e.ID)
	var got struct {
		Visit   visitJSON `json:"visit"`
		QR      string    `json:"qr"`
		Printer bool      `json:"printer"`
	}
	if w.Code != 200 || json.Unmarshal(w.Body.Bytes(), &got) != nil || got.Visit.Code != e.Visit.Code ||
		got.Visit.Phone != "138****5678" || got.Printer {
		t.Fatalf("GET /api/visit: %d %s", w.Code, w.Body)
	}
	if c, err := wire.ParseVisitCode(got.QR); err != nil || c.Seq != e.Seq || c.Code != e.Visit.Code {
		t.Fatalf("QR %q: %+v %v", got.QR, c, err)
	}
	if w := get(t, h.Handler(), "/api/visit/"+e.ID+"/qr"); w.Code != 200 || w.Header().Get("Content-Type") != "image/svg+xml" ||
		!strings.Contains(w.Body.String(), "<path") {
		t.Fatalf("GET qr: %d %s %.80s", w.Code, w.Header().Get("Content-Type"), w.Body)
	}
	if w := get(t, h.Handler(), "/api/visit/nobody/qr"); w.Code != 404 {
		t.Errorf("QR of no visit: %d, want 404", w.Code)
	}
	if w := postTo(t, h, "/api/visit/"+e.ID+"/print", ""); w.Code != 409 || !strings.Contains(w.Body.String(), "打印机") {
		t.Errorf("print without a printer: %d %s, want 409 saying so", w.Code, w.Body)
	}
	w = get(t, h.Handler(), "/api/inside")
	if !strings.Contains(w.Body.String(), `"count":1`) || !strings.Contains(w.Body.String(), e.Visit.Code) {
		t.Fatalf("GET /api/inside: %s", w.Body)
	}
	if w := postTo(t, h, "/api/exit", `{"code": "`+e.Visit.Code+`"}`); w.Code != 400 {
		t.Errorf("a close-out at the entrance: %d %s, want 400", w.Code, w.Body)
	}
}

func TestTheExitAsksTheGuardToConfirmACodeItCannotMatchThenRecordsIt(t *testing.T) {
	in := newVisitLane(t, "north-gate", wire.LaneIn, 3)
	e := in.registerVisitor(t, "13812345678")
	out := newVisitLane(t, "north-exit", wire.LaneOut, 5)
	h := out.c
	w := postTo(t, h, "/api/exit", `{"code": "`+e.Visit.Code+`"}`)
	if w.Code != 409 || !strings.Contains(w.Body.String(), `"confirm":true`) {
		t.Fatalf("unconfirmed: %d %s, want 409 asking to confirm", w.Code, w.Body)
	}
	w = postTo(t, h, "/api/exit", `{"code": "`+e.Visit.Code+`", "confirm": true}`)
	var got struct{ Entry wire.Entry }
	if w.Code != 200 || json.Unmarshal(w.Body.Bytes(), &got) != nil || got.Entry.CloseOut == nil ||
		got.Entry.CloseOut.Code != e.Visit.Code || got.Entry.Lane != wire.LaneOut {
		t.Fatalf("confirmed: %d %s", w.Code, w.Body)
	}
	if w := postTo(t, h, "/api/exit", `{"phone": "13812345678", "confirm": true}`); w.Code != 200 ||
		strings.Contains(w.Body.String(), "13812345678") {
		t.Fatalf("by phone: %d %s, want it recorded by hash only", w.Code, w.Body)
	}
	if w := postTo(t, h, "/api/exit", `{"code": "12"}`); w.Code != 400 {
		t.Errorf("a malformed code: %d, want 400", w.Code)
	}
}

func TestScanningTheVisitQRAtTheExitClosesTheVisitItNames(t *testing.T) {
	in := newVisitLane(t, "north-gate", wire.LaneIn, 3)
	e := in.registerVisitor(t, "13812345678")
	_, qr, _ := in.c.opts.Visits.Visit(e.ID)
	out := newVisitLane(t, "north-exit", wire.LaneOut, 5)
	x, err := out.l.Screen(context.Background(), []byte(qr))
	if err != nil {
		t.Fatal(err)
	}
	if c := x.CloseOut; c == nil || c.Unit != "north-gate" || c.Seq != e.Seq || c.EnteredAt == nil {
		t.Fatalf("exit entry %+v closes %+v, want north-gate's seq %d with its start", x, x.CloseOut, e.Seq)
	}
}
