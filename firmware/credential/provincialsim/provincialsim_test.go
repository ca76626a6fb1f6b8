package provincialsim

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"
)

func ask(t *testing.T, s *Service, method, target, body, key string) (int, map[string]any) {
	t.Helper()
	r := httptest.NewRequest(method, target, strings.NewReader(body))
	r.Header.Set("X-App-Key", key)
	w := httptest.NewRecorder()
	s.ServeHTTP(w, r)
	var v map[string]any
	json.Unmarshal(w.Body.Bytes(), &v)
	return w.Code, v
}

func TestServiceAnswersInItsOwnNestedShape(t *testing.T) {
	s := Demo(time.Date(2026, 12, 7, 9, 0, 0, 0, time.UTC))
	code, v := ask(t, s, "POST", Path, `{"qrToken":"`+DemoGreen+`"}`, DemoAppKey)
	data, _ := v["data"].(map[string]any)
	if code != 200 || data["color"] != float64(Green) || data["xck"] != float64(1) || v["traceId"] == nil {
		t.Fatalf("green token: %d %v", code, v)
	}
	if h, _ := data["hsjc"].(map[string]any); h["sampleTime"] != "2026-12-06T13:00:00Z" {
		t.Errorf("sampling time %v", data["hsjc"])
	}
	if _, v := ask(t, s, "GET", Path+"?idCard="+strings.ToLower(DemoIDRed), "", DemoAppKey); v["data"].(map[string]any)["color"] != float64(Red) {
		t.Errorf("red ID by GET: %v", v)
	}
	if _, v := ask(t, s, "POST", Path, `{"qrToken":"nobody"}`, DemoAppKey); v["data"].(map[string]any)["color"] != float64(NotFound) {
		t.Errorf("unknown token: %v", v)
	}
}

func TestServiceRefusesWhatARealOneRefuses(t *testing.T) {
	s := Demo(time.Now())
	for _, c := range []struct {
		method, target, body, key string
		want                      int
	}{
		{"POST", Path, `{"qrToken":"x"}`, "wrong", http.StatusUnauthorized},
		{"POST", Path, `{"qrToken":"x","idCard":"y"}`, DemoAppKey, http.StatusBadRequest},
		{"POST", Path, `not json`, DemoAppKey, http.StatusBadRequest},
		{"POST", "/other", `{"qrToken":"x"}`, DemoAppKey, http.StatusNotFound},
	} {
		if code, _ := ask(t, s, c.method, c.target, c.body, c.key); code != c.want {
			t.Errorf("%s %s %s key %q: %d, want %d", c.method, c.target, c.body, c.key, code, c.want)
		}
	}
	s.SetMode(Fail)
	if code, _ := ask(t, s, "POST", Path, `{"qrToken":"x"}`, DemoAppKey); code != http.StatusInternalServerError {
		t.Errorf("failing mode: %d", code)
	}
	if s.Calls() != 5 {
		t.Errorf("counted %d calls, want 5", s.Calls())
	}
}
