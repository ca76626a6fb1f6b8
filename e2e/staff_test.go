package e2e

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/kakou/kakou/firmware/credential"
	"github.com/kakou/kakou/firmware/unit"
	"github.com/kakou/kakou/internal/testenv"
)

// TestRollCallFromScansAndATickReachesTheCentreWithTheOneLeftUnchecked:
// a school's staff roster is imported at the centre and reaches both
// gates of the site; two pupils scan their passes at the two gates, a
// teacher ticks a third on the console with a fever reading, which
// alerts the centre; the centre's roll call lists the fourth, and only
// the fourth, as unchecked in the current round.
func TestRollCallFromScansAndATickReachesTheCentreWithTheOneLeftUnchecked(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	c := startCollector(t, ctx, "[broker]\nembedded = true\nlisten = \"127.0.0.1:0\"\n")
	pub, priv := credential.GenerateIssuer()
	guards := writeGuards(t)
	gate1 := startSchoolUnit(t, ctx, "gate-1", c.BrokerURL(), credential.FormatPublicKey(pub), guards)
	gate2 := startSchoolUnit(t, ctx, "gate-2", c.BrokerURL(), credential.FormatPublicKey(pub), guards)
	testenv.Await(t, "both gates online", patience, func() bool { return len(fleet(t, c)) == 2 })

	post(t, c.HTTPURL()+"/api/v1/sites/school/staff", `{"members":[
		{"id":"P-1","name":"李明","group":"pupil","class":"三年级2班"},
		{"id":"P-2","name":"王芳","group":"pupil","class":"三年级2班"},
		{"id":"P-3","name":"张伟","group":"pupil","class":"三年级3班"},
		{"id":"P-4","name":"赵磊","group":"pupil","class":"三年级3班"}]}`)
	for _, u := range []*unit.Unit{gate1, gate2} {
		testenv.Await(t, "the staff roster at the gate", patience, func() bool {
			return strings.Contains(consoleGet(u, "/api/rollcall"), `"total":4`)
		})
	}

	for i, u := range []*unit.Unit{gate1, gate2} {
		code, err := credential.IssuePass(priv, credential.PassClaims{Issuer: "school", ID: fmt.Sprintf("P-%d", i+1),
			Role: credential.RolePupil, Expires: time.Now().Add(24 * time.Hour).Unix()})
		if err != nil {
			t.Fatal(err)
		}
		e, err := u.Screen(ctx, []byte(code))
		if err != nil || e.StaffCheck == nil {
			t.Fatalf("P-%d scanned at gate-%d: %+v %v", i+1, i+1, e.StaffCheck, err)
		}
	}
	tick := consoleTick(t, gate1, "wang", "2468", `{"id":"P-3","temp_c":38.2}`)
	if !strings.Contains(tick, `"alert":"fever"`) {
		t.Fatalf("a fever typed at roll call did not alert: %s", tick)
	}
	if b := consoleGet(gate1, "/api/rollcall"); !strings.Contains(b, `"checked":2`) {
		t.Errorf("gate-1's panel, which saw P-1 and P-3: %s", b)
	}

	testenv.Await(t, "the fever alert at the centre", patience, func() bool {
		return strings.Contains(apiGet(t, c.HTTPURL()+"/api/v1/alerts?site=school"), `"fever"`)
	})
	var rc struct {
		Sites []struct {
			Round     string
			Open      bool
			Total     int
			Checked   int
			Unchecked []struct{ ID, Name string }
			Fevers    []struct{ ID string }
		}
	}
	testenv.Await(t, "the centre's roll call", patience, func() bool {
		json.Unmarshal([]byte(apiGet(t, c.HTTPURL()+"/api/v1/rollcall?site=school")), &rc)
		return len(rc.Sites) == 1 && rc.Sites[0].Checked == 3
	})
	s := rc.Sites[0]
	if s.Round != "检查" || !s.Open || s.Total != 4 || len(s.Unchecked) != 1 || s.Unchecked[0].ID != "P-4" ||
		s.Unchecked[0].Name != "赵*" || len(s.Fevers) != 1 || s.Fevers[0].ID != "P-3" {
		t.Fatalf("the centre's roll call: %+v", s)
	}
}

// startSchoolUnit runs a unit of site school under the school profile with
// one round of checks, 检查, open from an hour ago to an hour from now.
func startSchoolUnit(t *testing.T, ctx context.Context, id, brokerURL, issuerKey, guards string) *unit.Unit {
	t.Helper()
	pol, err := os.ReadFile(filepath.Join(testenv.RepoRoot(t), "configs", "policies", "school-normal.toml"))
	if err != nil {
		t.Fatal(err)
	}
	now := time.Now()
	round := fmt.Sprintf("rounds = [{ name = \"检查\", from = %q, to = %q }]",
		now.Add(-time.Hour).Format("15:04"), now.Add(time.Hour).Format("15:04"))
	doc := string(pol)
	start := strings.Index(doc, "rounds = [")
	end := strings.Index(doc[start:], "]\n") + start + 2
	doc = doc[:start] + round + "\n" + doc[end:]
	return runUnit(t, ctx, id, func(dir string) string {
		if err := os.WriteFile(filepath.Join(dir, "policy.toml"), []byte(doc), 0o600); err != nil {
			t.Fatal(err)
		}
		return fmt.Sprintf(`site = "school"
unit = %q
lane = "in"
data_dir = %q
trust_clock = true
[console]
listen = "off"
guards_file = %q
[mqtt]
broker = %q
[policy]
path = %q
[credentials.issuers]
school = %q
[simulator]
mean_interval = "10ms"
max_people = 1
fever_ratio = 0.0
visitor_ratio = 0.0
no_code_ratio = 0.0
unreadable_ratio = 0.0
`, id, filepath.Join(dir, "data"), guards, brokerURL, filepath.Join(dir, "policy.toml"), issuerKey)
	})
}

func consoleGet(u *unit.Unit, path string) string {
	w := httptest.NewRecorder()
	u.ConsoleHandler().ServeHTTP(w, httptest.NewRequest("GET", path, nil))
	return w.Body.String()
}

// consoleTick signs guard in at u's console and posts a roll-call tick.
func consoleTick(t *testing.T, u *unit.Unit, guard, pin, body string) string {
	t.Helper()
	r := httptest.NewRequest("POST", "http://127.0.0.1/api/sign-in", strings.NewReader(`{"guard":"`+guard+`","pin":"`+pin+`"}`))
	w := httptest.NewRecorder()
	u.ConsoleHandler().ServeHTTP(w, r)
	var session struct{ CSRF string }
	json.Unmarshal(w.Body.Bytes(), &session)
	if w.Code != http.StatusOK || session.CSRF == "" {
		t.Fatalf("sign-in: %d %s", w.Code, w.Body)
	}
	r = httptest.NewRequest("POST", "http://127.0.0.1/api/rollcall/check", strings.NewReader(body))
	r.Header.Set("Origin", "http://127.0.0.1")
	r.Header.Set("X-CSRF-Token", session.CSRF)
	for _, ck := range w.Result().Cookies() {
		r.AddCookie(ck)
	}
	w = httptest.NewRecorder()
	u.ConsoleHandler().ServeHTTP(w, r)
	if w.Code != http.StatusOK {
		t.Fatalf("roll-call tick: %d %s", w.Code, w.Body)
	}
	return w.Body.String()
}

func apiGet(t *testing.T, url string) string {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return string(b)
}
