package credential

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"sync/atomic"
	"testing"
	"time"
)

// healthService is a real HTTP server playing the health authority.
func healthService(t *testing.T, answer func(w http.ResponseWriter, r *http.Request)) (*httptest.Server, *atomic.Int32) {
	t.Helper()
	var calls atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		calls.Add(1)
		var q healthQuery
		if err := json.NewDecoder(r.Body).Decode(&q); err != nil || r.Method != http.MethodPost ||
			r.Header.Get("Content-Type") != "application/json" {
			http.Error(w, "bad query", http.StatusBadRequest)
			return
		}
		answer(w, r)
	}))
	t.Cleanup(srv.Close)
	return srv, &calls
}

func reply(body string) func(http.ResponseWriter, *http.Request) {
	return func(w http.ResponseWriter, _ *http.Request) { io.WriteString(w, body) }
}

func TestOnlineHealthAnswers(t *testing.T) {
	nat := testNow.Add(-20 * time.Hour)
	cases := []struct {
		name    string
		answer  func(http.ResponseWriter, *http.Request)
		status  Status
		wantErr bool
	}{
		{"green", reply(`{"status": "green", "nat": ` + itoa(nat.Unix()) + `, "trv": true}`), StatusGreen, false},
		{"red", reply(`{"status": "red"}`), StatusRed, false},
		{"expired", reply(`{"status": "expired"}`), StatusExpired, false},
		{"not found", reply(`{"status": "not_found"}`), StatusNotFound, false},
		{"slow server times out", func(w http.ResponseWriter, r *http.Request) {
			<-r.Context().Done() // answers only once the unit has given up
		}, StatusTimeout, true},
		{"server error", func(w http.ResponseWriter, _ *http.Request) {
			http.Error(w, "database down", http.StatusInternalServerError)
		}, StatusVerifyFailed, true},
		{"garbage JSON", reply(`{"status": "gre`), StatusVerifyFailed, true},
		{"unknown status", reply(`{"status": "blue"}`), StatusVerifyFailed, true},
		{"HTML error page with 200", reply(`<html>维护中</html>`), StatusVerifyFailed, true},
		{"negative sampling time", reply(`{"status": "green", "nat": -5}`), StatusVerifyFailed, true},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			srv, _ := healthService(t, c.answer)
			// Only the slow server should time out: the others get a
			// ceiling that a test run under qemu cannot hit by accident.
			timeout := 10 * time.Second
			if c.status == StatusTimeout {
				timeout = 200 * time.Millisecond
			}
			o := &OnlineHealth{URL: srv.URL, Timeout: timeout}
			p, err := o.Verify(context.Background(), []byte(HealthQueryPrefix+"dG9rZW4"))
			if p.Status != c.status || p.Wire.Kind != "health_code" || (err != nil) != c.wantErr {
				t.Fatalf("got %s %s err=%v, want health_code %s err=%v", p.Wire.Kind, p.Status, err, c.status, c.wantErr)
			}
		})
	}
}

func TestOnlineHealthGreenCarriesFacts(t *testing.T) {
	srv, _ := healthService(t, reply(`{"status": "green", "nat": 1772300000, "trv": false, "extra": 1}`))
	v := testVerifier(t, syncedClock)
	v.Health = HealthRouter{Online: &OnlineHealth{URL: srv.URL}}
	code := []byte(HealthQueryPrefix + "dG9rZW4")
	p := v.Check(context.Background(), code)
	checkContract(t, code, p)
	if p.Status != StatusGreen || !p.NucleicAcidAt.Equal(time.Unix(1772300000, 0)) ||
		p.TravelCardOK == nil || *p.TravelCardOK || len(p.Wire.Subject) != 8 {
		t.Fatalf("got %+v", p)
	}
}

func TestOnlineHealthRefusesBadTokensWithoutAsking(t *testing.T) {
	srv, calls := healthService(t, reply(`{"status": "green"}`))
	o := &OnlineHealth{URL: srv.URL}
	for _, code := range []string{HealthQueryPrefix, HealthQueryPrefix + "a b", HealthQueryPrefix + "é", HealthCodePrefix + "x"} {
		if p, _ := o.Verify(context.Background(), []byte(code)); p.Status != StatusMalformed {
			t.Errorf("Verify(%q) = %s, want malformed", code, p.Status)
		}
	}
	if n := calls.Load(); n != 0 {
		t.Fatalf("service asked %d times about malformed codes", n)
	}
}

func TestOnlineHealthWithoutURLSaysNoVerifier(t *testing.T) {
	p, _ := (&OnlineHealth{}).Verify(context.Background(), []byte(HealthQueryPrefix+"dG9rZW4"))
	if p.Status != StatusVerifyFailed || p.Detail != "no verifier" {
		t.Fatalf("got %+v", p)
	}
}

func itoa(n int64) string {
	b, _ := json.Marshal(n)
	return string(b)
}
