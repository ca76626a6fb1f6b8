package delivery

import (
	"context"
	"encoding/json"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"sync/atomic"
	"testing"
)

func TestEnrollmentKeepsAndReusesTheUsernameTheCentreChose(t *testing.T) {
	var calls atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		calls.Add(1)
		var req map[string]string
		json.NewDecoder(r.Body).Decode(&req)
		json.NewEncoder(w).Encode(map[string]string{"site": req["site"], "unit": req["unit"],
			"username": req["site"] + "/" + req["unit"], "password": "secret"})
	}))
	defer srv.Close()
	e := Enrollment{URL: srv.URL, Token: "t", Site: "s1", Unit: "gw1", Role: "gateway",
		File: filepath.Join(t.TempDir(), "state", "credential.json")}
	log := slog.New(slog.DiscardHandler)
	for range 2 {
		c, ok, err := e.Credential(context.Background(), log)
		if err != nil || !ok || c.Username != "s1/gw1" || c.Password != "secret" {
			t.Fatalf("Credential = %+v, %v, %v; want the centre's s1/gw1", c, ok, err)
		}
	}
	if n := calls.Load(); n != 1 {
		t.Fatalf("%d enrollment requests, want 1: the saved credential is reused", n)
	}
}

func TestEnrollmentWithoutURLOrSavedCredentialLeavesTheConfigsOwn(t *testing.T) {
	e := Enrollment{Site: "s1", Unit: "u1", Role: "unit", File: filepath.Join(t.TempDir(), "credential.json")}
	if _, ok, err := e.Credential(context.Background(), slog.New(slog.DiscardHandler)); ok || err != nil {
		t.Fatalf("Credential = %v, %v; want none and no error", ok, err)
	}
}
