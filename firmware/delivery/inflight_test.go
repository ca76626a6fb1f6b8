package delivery

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"
)

// token is a publish whose PUBACK the test decides: mqtt.Token's three
// methods the Inflight uses, and a close.
type token struct {
	done chan struct{}
	err  error
}

func newToken() *token                            { return &token{done: make(chan struct{})} }
func (t *token) ack()                             { close(t.done) }
func (t *token) Wait() bool                       { <-t.done; return true }
func (t *token) WaitTimeout(d time.Duration) bool { return t.Wait() }
func (t *token) Done() <-chan struct{}            { return t.done }
func (t *token) Error() error                     { return t.err }
func newInflight(max int, timeout time.Duration) *Inflight {
	return &Inflight{Max: max, Timeout: timeout, Prefix: "test"}
}

func TestInflightHarvestsPubackedPublishesInOrderWithoutWaiting(t *testing.T) {
	f := newInflight(10, time.Hour)
	now := time.Now()
	toks := []*token{newToken(), newToken(), newToken()}
	for i, tok := range toks {
		f.Add(tok, uint64(i+1), now)
	}
	toks[1].ack() // behind an outstanding one: stays counted
	if err := f.Harvest(now); err != nil || f.Len() != 3 {
		t.Fatalf("Harvest: %v, %d outstanding, want 3", err, f.Len())
	}
	toks[0].ack()
	if err := f.Harvest(now); err != nil || f.Len() != 1 {
		t.Fatalf("Harvest: %v, %d outstanding, want 1", err, f.Len())
	}
	if d, ok := f.Due(now); !ok || d != time.Hour {
		t.Fatalf("Due = %v, %v; want an hour", d, ok)
	}
}

func TestInflightFailsOnceTheOldestHasWaitedItsTimeoutNamingIt(t *testing.T) {
	f := newInflight(10, time.Second)
	start := time.Now()
	f.Add(newToken(), 7, start)
	f.AddOther(newToken(), "online status", start.Add(time.Minute))
	if err := f.Harvest(start.Add(999 * time.Millisecond)); err != nil {
		t.Fatalf("Harvest before the timeout: %v", err)
	}
	err := f.Harvest(start.Add(time.Second))
	if !errors.Is(err, ErrNoPuback) || !strings.Contains(err.Error(), "test: publish seq 7") {
		t.Fatalf("Harvest at the timeout: %v, want seq 7 unacknowledged", err)
	}
}

func TestInflightReportsAPublishPahoFailed(t *testing.T) {
	f := newInflight(10, time.Hour)
	tok := newToken()
	tok.err = errors.New("connection lost before publish completed")
	tok.ack()
	f.AddOther(tok, "online status", time.Now())
	if err := f.Harvest(time.Now()); err == nil || !strings.Contains(err.Error(), "publish online status: connection lost") {
		t.Fatalf("Harvest: %v", err)
	}
}

// Room returns at once below Max and otherwise waits for the oldest's
// PUBACK; the test acknowledges it from another goroutine.
func TestInflightRoomWaitsForTheOldestOnlyWhenFull(t *testing.T) {
	f := newInflight(2, time.Hour)
	l := &Link{down: make(chan struct{})}
	a, b := newToken(), newToken()
	f.Add(a, 1, time.Now())
	if err := f.Room(context.Background(), l); err != nil {
		t.Fatal(err)
	}
	f.Add(b, 2, time.Now())
	go a.ack()
	if err := f.Room(context.Background(), l); err != nil || f.Len() != 1 {
		t.Fatalf("Room: %v, %d outstanding, want 1", err, f.Len())
	}
	f.Add(newToken(), 3, time.Now())
	l.lose(errors.New("EOF"))
	if err := f.Room(context.Background(), l); err == nil || !strings.Contains(err.Error(), "publish seq 2: connection lost") {
		t.Fatalf("Room on a lost connection: %v", err)
	}
}
