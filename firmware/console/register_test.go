package console

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/kakou/kakou/drivers/sim"
	"github.com/kakou/kakou/firmware/credential"
	"github.com/kakou/kakou/firmware/ledger"
	"github.com/kakou/kakou/firmware/policy"
	"github.com/kakou/kakou/firmware/screening"
	"github.com/kakou/kakou/firmware/wire"
)

const (
	visitorID    = "11010519491231002X"
	visitorPhone = "13812345678"
)

var (
	tracingKey = bytes.Repeat([]byte("k"), 32)
	sealKey    = bytes.Repeat([]byte("s"), credential.SealKeySize)
)

// privateLane is a console over a real pipeline and ledger file, with the
// unit's privacy keys and a policy that may demand full numbers.
type privateLane struct {
	c      *Console
	l      lane
	dir    string
	logged *bytes.Buffer
}

func newPrivateLane(t *testing.T, priv *credential.Privacy, fullNumbers bool) privateLane {
	t.Helper()
	dir := t.TempDir()
	led, err := ledger.Open(filepath.Join(dir, "ledger.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { led.Close() })
	pol := policy.Default()
	pol.Checks.Registration.FullNumbers = fullNumbers
	var c *Console
	n := 0
	p, err := screening.New(workingThermometer{}, sim.Must(nil), led, screening.Options{
		Site: "care-home", Unit: "front-door", Lane: wire.LaneIn,
		Policy: func() policy.Policy { return pol }, Credentials: &credential.Verifier{},
		Now:   func() (time.Time, bool) { return time.Now(), true },
		NewID: func() string { n++; return fmt.Sprintf("id-%d", n) },
	})
	if err != nil {
		t.Fatal(err)
	}
	var logged bytes.Buffer
	l := lane{p, led}
	c = New(l, Options{Site: "care-home", Unit: "front-door", Lane: wire.LaneIn,
		Logger: slog.New(slog.NewTextHandler(&logged, nil)), Privacy: priv,
		FullNumbers: func() bool { return pol.Checks.Registration.FullNumbers }})
	return privateLane{c: c, l: l, dir: dir, logged: &logged}
}

// register screens a visitor and posts the guard's registration form.
func (pl privateLane) register(t *testing.T) wire.Entry {
	t.Helper()
	v, err := pl.l.Screen(context.Background(), []byte("KAKOU1:VISIT:V-1"))
	if err != nil {
		t.Fatal(err)
	}
	body := fmt.Sprintf(`{"entry": %q, "name": "李四", "phone": %q, "id": %q, "destination": "2-101"}`,
		v.ID, visitorPhone, strings.ToLower(visitorID))
	r := httptest.NewRequest("POST", "http://unit.local/api/register", strings.NewReader(body))
	asGuard(t, pl.c, r)
	w := httptest.NewRecorder()
	pl.c.Handler().ServeHTTP(w, r)
	if w.Code != 200 {
		t.Fatalf("register: %d %s", w.Code, w.Body)
	}
	var e wire.Entry
	if err := json.Unmarshal(w.Body.Bytes(), &e); err != nil || e.Visitor == nil {
		t.Fatalf("register answered %s (%v)", w.Body, err)
	}
	return e
}

// assertNowhere fails if either full number is in the ledger's files (the
// database and its WAL, read as bytes), the log, or the answer.
func (pl privateLane) assertNowhere(t *testing.T, answer wire.Entry) {
	t.Helper()
	pl.l.Ledger.Close() // checkpoint the WAL into the file
	files, _ := filepath.Glob(filepath.Join(pl.dir, "ledger.db*"))
	blobs := map[string][]byte{"log": pl.logged.Bytes()}
	blobs["answer"], _ = json.Marshal(answer)
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		blobs[f] = b
	}
	for where, b := range blobs {
		for _, n := range []string{visitorID, strings.ToLower(visitorID), visitorPhone} {
			if bytes.Contains(b, []byte(n)) {
				t.Errorf("%s holds the full number %s", where, n)
			}
		}
	}
}

func TestRegistrationStoresHashesAndMaskedFormsOnly(t *testing.T) {
	priv, err := credential.NewPrivacy(tracingKey, sealKey)
	if err != nil {
		t.Fatal(err)
	}
	pl := newPrivateLane(t, priv, false)
	e := pl.register(t)
	v := e.Visitor
	if v.ID != "110***********002X" || v.Phone != "138****5678" {
		t.Errorf("masked id %q phone %q", v.ID, v.Phone)
	}
	if v.IDHash != wire.PersonHash(tracingKey, "id", visitorID) || v.PhoneHash != wire.PersonHash(tracingKey, "phone", visitorPhone) {
		t.Errorf("hashes %q %q", v.IDHash, v.PhoneHash)
	}
	if v.Sealed != "" {
		t.Error("full numbers sealed though the policy does not ask")
	}
	stored, err := pl.l.Ledger.Entries(context.Background(), 0, 10)
	if err != nil || len(stored) == 0 || stored[len(stored)-1].Visitor == nil ||
		stored[len(stored)-1].Visitor.IDHash != v.IDHash {
		t.Fatalf("ledger: %+v, %v", stored, err)
	}
	pl.assertNowhere(t, e)
}

func TestRegistrationSealsFullNumbersOnlyUnderThePolicy(t *testing.T) {
	priv, err := credential.NewPrivacy(tracingKey, sealKey)
	if err != nil {
		t.Fatal(err)
	}
	pl := newPrivateLane(t, priv, true)
	e := pl.register(t)
	got, err := priv.OpenSealed(e.Visitor.Sealed)
	if err != nil || got.ID != visitorID || got.Phone != visitorPhone {
		t.Fatalf("sealed opens to %+v, %v", got, err)
	}
	pl.assertNowhere(t, e) // sealed, so still nowhere in the clear
}

func TestRegistrationWithoutSealKeyDropsFullNumbersAndSaysWhy(t *testing.T) {
	pl := newPrivateLane(t, nil, true) // no keys at all
	e := pl.register(t)
	if v := e.Visitor; v.Sealed != "" || v.IDHash != "" || v.ID != "110***********002X" {
		t.Errorf("visitor %+v", v)
	}
	if !strings.Contains(pl.logged.String(), "seal_key_file") {
		t.Errorf("log does not say what to set:\n%s", pl.logged)
	}
	pl.assertNowhere(t, e)
}
