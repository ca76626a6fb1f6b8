package storetest

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"testing"
	"time"

	"github.com/kakou/kakou/cloud/store"
)

// sessionID is a session id as the API makes it: the hash of a cookie.
func sessionID(cookie string) string {
	sum := sha256.Sum256([]byte(cookie))
	return hex.EncodeToString(sum[:])
}

// Sessions holds a backend to one contract, since a
// session opened on one replica must work on another.
func Sessions(t *testing.T, open func(*testing.T) Store) {
	for _, bh := range []struct {
		name string
		run  func(*testing.T, Store)
	}{
		{"a session round-trips and is found by its id only", behaveSessionRoundTrip},
		{"touch never moves a session back", behaveSessionTouch},
		{"delete ends a session", behaveSessionDelete},
		{"purge removes idle and old sessions", behaveSessionPurge},
		{"a malformed session is refused", behaveSessionShape},
	} {
		t.Run(bh.name, func(t *testing.T) {
			t.Parallel()
			bh.run(t, open(t))
		})
	}
}

var opened = time.Date(2022, 4, 2, 2, 0, 0, 123, time.UTC)

func newSession(cookie string, at time.Time) store.Session {
	return store.Session{ID: sessionID(cookie), User: "zhang", CSRF: "csrf-" + cookie, CreatedAt: at, SeenAt: at}
}

func behaveSessionRoundTrip(t *testing.T, s Store) {
	want := newSession("c1", opened)
	if err := s.PutSession(ctx, want); err != nil {
		t.Fatal(err)
	}
	got, err := s.Session(ctx, want.ID)
	if err != nil || got != want {
		t.Fatalf("Session = %+v, %v; want %+v", got, err, want)
	}
	if _, err := s.Session(ctx, "c1"); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("looked up by the cookie itself: %v, want ErrNotFound", err)
	}
	if err := s.PutSession(ctx, want); err == nil {
		t.Fatal("the same session id was stored twice")
	}
}

func behaveSessionTouch(t *testing.T, s Store) {
	se := newSession("c1", opened)
	if err := s.PutSession(ctx, se); err != nil {
		t.Fatal(err)
	}
	later := opened.Add(5 * time.Minute)
	for _, at := range []time.Time{later, opened.Add(time.Minute)} { // the second is a slower replica
		if err := s.TouchSession(ctx, se.ID, at); err != nil {
			t.Fatal(err)
		}
	}
	got, err := s.Session(ctx, se.ID)
	if err != nil || !got.SeenAt.Equal(later) || !got.CreatedAt.Equal(opened) {
		t.Fatalf("after touches: %+v, %v; want seen %v, created %v", got, err, later, opened)
	}
	if err := s.TouchSession(ctx, sessionID("gone"), later); err != nil {
		t.Fatalf("touching a session that is gone: %v", err)
	}
}

func behaveSessionDelete(t *testing.T, s Store) {
	a, b := newSession("a", opened), newSession("b", opened)
	for _, se := range []store.Session{a, b} {
		if err := s.PutSession(ctx, se); err != nil {
			t.Fatal(err)
		}
	}
	for range 2 { // deleting twice is not an error
		if err := s.DeleteSession(ctx, a.ID); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := s.Session(ctx, a.ID); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("deleted session: %v, want ErrNotFound", err)
	}
	if _, err := s.Session(ctx, b.ID); err != nil {
		t.Fatalf("the other session went too: %v", err)
	}
}

func behaveSessionPurge(t *testing.T, s Store) {
	now := opened.Add(24 * time.Hour)
	idle := newSession("idle", opened.Add(20*time.Hour)) // opened recently, idle for 4 h
	old := newSession("old", opened)                     // opened a day ago, busy until now
	old.SeenAt = now
	live := newSession("live", now.Add(-time.Minute))
	for _, se := range []store.Session{idle, old, live} {
		if err := s.PutSession(ctx, se); err != nil {
			t.Fatal(err)
		}
	}
	n, err := s.PurgeSessions(ctx, now.Add(-30*time.Minute), now.Add(-12*time.Hour))
	if err != nil || n != 2 {
		t.Fatalf("purge removed %d (%v), want the idle and the old one", n, err)
	}
	for _, se := range []store.Session{idle, old} {
		if _, err := s.Session(ctx, se.ID); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("%s outlived the purge: %v", se.CSRF, err)
		}
	}
	if _, err := s.Session(ctx, live.ID); err != nil {
		t.Errorf("the live session was purged: %v", err)
	}
}

func behaveSessionShape(t *testing.T, s Store) {
	for _, se := range []store.Session{
		{ID: "short", User: "zhang", CSRF: "x", CreatedAt: opened, SeenAt: opened},
		{ID: sessionID("x"), CSRF: "x", CreatedAt: opened, SeenAt: opened},
		{ID: sessionID("x"), User: "zhang", CreatedAt: opened, SeenAt: opened},
		{ID: sessionID("x"), User: "zhang", CSRF: "x"},
	} {
		if err := s.PutSession(ctx, se); !errors.Is(err, store.ErrSessionShape) {
			t.Errorf("PutSession(%+v) = %v, want ErrSessionShape", se, err)
		}
	}
}
