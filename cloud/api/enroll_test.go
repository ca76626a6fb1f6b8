package api

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/kakou/kakou/cloud/devicepass"
	"github.com/kakou/kakou/cloud/store"
)

func (f *fixture) token(t *testing.T, tok, site, unit string, expires time.Time) {
	t.Helper()
	err := f.store.PutEnrollmentToken(context.Background(), store.EnrollmentToken{Token: tok,
		Site: site, Unit: unit, Role: store.RoleUnit, CreatedAt: now.Add(-time.Hour), ExpiresAt: expires})
	if err != nil {
		t.Fatal(err)
	}
}

func (f *fixture) enroll(t *testing.T, body string) (int, map[string]string) {
	t.Helper()
	resp, err := http.Post(f.srv.URL+"/api/v1/enroll", "application/json", strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var out map[string]string
	json.NewDecoder(resp.Body).Decode(&out)
	return resp.StatusCode, out
}

func enrollBody(site, unit, tok string) string {
	b, _ := json.Marshal(EnrollRequest{Site: site, Unit: unit, Token: tok})
	return string(b)
}

func TestEnrollTradesATokenForACredentialOnce(t *testing.T) {
	f := newFixture(t)
	f.token(t, "token-0123456789abcdef", "s1", "u1", now.Add(time.Hour))
	code, got := f.enroll(t, enrollBody("s1", "u1", "token-0123456789abcdef"))
	if code != http.StatusOK || got["username"] != "s1/u1" || got["role"] != "unit" || len(got["password"]) < 32 {
		t.Fatalf("enroll: %d %v", code, got)
	}
	cred, err := f.store.DeviceCredential(context.Background(), store.UnitID{Site: "s1", Unit: "u1"})
	if err != nil || !devicepass.Check(cred.PasswordHash, got["password"]) || strings.Contains(cred.PasswordHash, got["password"]) {
		t.Fatalf("stored credential %+v (err %v) does not hash the password handed out", cred, err)
	}
	code, again := f.enroll(t, enrollBody("s1", "u1", "token-0123456789abcdef"))
	if code != http.StatusConflict || !strings.Contains(again["error"], "already used") {
		t.Fatalf("second use: %d %v, want 409 already used", code, again)
	}
	if c2, _ := f.store.DeviceCredential(context.Background(), store.UnitID{Site: "s1", Unit: "u1"}); c2 != cred {
		t.Fatal("the refused second use changed the credential")
	}
}

func TestEnrollRefusesAndAuditsBadTokens(t *testing.T) {
	f := newFixture(t)
	f.token(t, "token-expired-0123456", "s1", "u1", now.Add(-time.Minute))
	f.token(t, "token-for-u2-01234567", "s1", "u2", now.Add(time.Hour))
	cases := []struct {
		name, body string
		code       int
		says       string
	}{
		{"expired", enrollBody("s1", "u1", "token-expired-0123456"), 401, "expired"},
		{"unknown", enrollBody("s1", "u1", "token-never-issued-00"), 401, "unknown"},
		{"another unit's", enrollBody("s1", "u1", "token-for-u2-01234567"), 401, "another site or unit"},
		{"bad id", enrollBody("S1/#", "u1", "token-for-u2-01234567"), 400, "valid ids"},
		{"no token", enrollBody("s1", "u1", ""), 400, "token"},
		{"not JSON", "site=s1", 400, "want"},
		{"unknown field", `{"site":"s1","unit":"u2","token":"token-for-u2-01234567","owner":"x"}`, 400, "want"},
		{"a unit's token for a gateway", `{"site":"s1","unit":"u2","token":"token-for-u2-01234567","role":"gateway"}`, 401, "other role"},
		{"an unknown role", `{"site":"s1","unit":"u2","token":"token-for-u2-01234567","role":"admin"}`, 400, "want"},
		{"oversize", `{"site":"s1","unit":"u1","token":"` + strings.Repeat("a", 8<<10) + `"}`, 400, "want"},
	}
	for _, c := range cases {
		code, got := f.enroll(t, c.body)
		if code != c.code || !strings.Contains(got["error"], c.says) {
			t.Errorf("%s: %d %q, want %d saying %q", c.name, code, got["error"], c.code, c.says)
		}
	}
	if creds, _ := f.store.DeviceCredentials(context.Background()); len(creds) != 0 {
		t.Fatalf("refused enrollments stored credentials: %+v", creds)
	}
	audit, err := f.store.Audit(context.Background(), 100)
	if err != nil {
		t.Fatal(err)
	}
	refused := 0
	for _, a := range audit {
		if a.Action == "enroll_refused" && a.Role == "device" {
			refused++
		}
		if bytes.Contains([]byte(a.Detail), []byte("token-")) {
			t.Fatalf("audit detail holds a token: %s", a.Detail)
		}
	}
	if refused != 4 {
		t.Fatalf("%d refusals audited, want 4 (expired, unknown, mismatched, other role): %+v", refused, audit)
	}
}
