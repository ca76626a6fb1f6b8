package e2e

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/kakou/kakou/firmware/unit"
	"github.com/kakou/kakou/internal/testenv"
)

// TestAPINResetAtTheCentreReachesTheGateAndTheOldPINStopsWorking: a site
// manager adds a guard through the API; the roster crosses the real
// embedded broker to the running unit, whose console then lets the guard
// sign in. A PIN reset at the centre follows the same way: the old PIN
// is refused at the gate and the new one works.
func TestAPINResetAtTheCentreReachesTheGateAndTheOldPINStopsWorking(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	c := startCollector(t, ctx, "[broker]\nembedded = true\nlisten = \"127.0.0.1:0\"\n")
	u := startUnitWith(t, ctx, "estate", "gate-1", "in", c.BrokerURL(), 100000, "50ms")
	testenv.Await(t, "the unit online", patience, func() bool { return len(fleet(t, c)) == 1 })

	guards := c.HTTPURL() + "/api/v1/sites/estate/guards"
	post(t, guards, `{"id": "wang", "name": "王师傅", "pin": "2468"}`)
	testenv.Await(t, "the roster at the gate", patience, func() bool { return strings.Contains(consoleGuards(u), "王师傅") })
	if !consoleSignIn(t, u, "wang", "2468") {
		t.Fatal("the guard the centre added cannot sign in")
	}

	post(t, guards+"/wang/reset-pin", `{"pin": "1357"}`)
	post(t, guards, `{"id": "wang", "name": "王建国"}`) // a later change, to see the roster arrive
	testenv.Await(t, "the new roster at the gate", patience, func() bool { return strings.Contains(consoleGuards(u), "王建国") })
	if consoleSignIn(t, u, "wang", "2468") {
		t.Fatal("the old PIN still works after the reset")
	}
	if !consoleSignIn(t, u, "wang", "1357") {
		t.Fatal("the new PIN does not work")
	}
}

func post(t *testing.T, url, body string) {
	t.Helper()
	resp, err := http.Post(url, "application/json", strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("POST %s: %s", url, resp.Status)
	}
}

func consoleGuards(u *unit.Unit) string {
	w := httptest.NewRecorder()
	u.ConsoleHandler().ServeHTTP(w, httptest.NewRequest("GET", "/api/guards", nil))
	return w.Body.String()
}

func consoleSignIn(t *testing.T, u *unit.Unit, guard, pin string) bool {
	t.Helper()
	r := httptest.NewRequest("POST", "http://127.0.0.1/api/sign-in", strings.NewReader(`{"guard":"`+guard+`","pin":"`+pin+`"}`))
	w := httptest.NewRecorder()
	u.ConsoleHandler().ServeHTTP(w, r)
	return w.Code == http.StatusOK
}
