package sqlite

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/kakou/kakou/cloud/store"
	"github.com/kakou/kakou/firmware/wire"
)

// The read pool cannot write: a write that strayed there would take the
// write lock behind the writer's back.
func TestReadPoolRefusesWrites(t *testing.T) {
	s := openTemp(t)
	put(t, s, received, entry("site-a", "u1", 1))
	_, err := s.db.ExecContext(ctx, `DELETE FROM entries`)
	if err == nil || !strings.Contains(err.Error(), "readonly") {
		t.Fatalf("DELETE through the read pool = %v, want a readonly error", err)
	}
	if n := len(all(t, s, store.Query{})); n != 1 {
		t.Fatalf("%d entries after the refused DELETE, want 1", n)
	}
}

// A dashboard query left open (a slow client, a large export) holds a read
// snapshot; ingest still stores, and the next read sees what it stored.
func TestWritesGoOnWhileAReadIsOpen(t *testing.T) {
	s := openTemp(t)
	put(t, s, received, entry("site-a", "u1", 1), entry("site-a", "u1", 2))
	rows, err := s.db.QueryContext(ctx, `SELECT id FROM entries`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	if !rows.Next() {
		t.Fatalf("open read returned no row: %v", rows.Err())
	}
	bounded, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	if _, err := s.PutEntries(bounded, []wire.Entry{entry("site-a", "u1", 3)}, received); err != nil {
		t.Fatalf("PutEntries while a read is open: %v", err)
	}
	if err := s.TouchSession(bounded, "no-such-session", received); err != nil {
		t.Fatalf("a write outside a transaction while a read is open: %v", err)
	}
	if n := len(all(t, s, store.Query{})); n != 3 {
		t.Fatalf("%d entries after the write, want 3", n)
	}
}

// Writers from many goroutines queue on the one writer connection, beside
// readers, and every entry is stored once (run with -race).
func TestConcurrentWritersAndReadersShareTheStore(t *testing.T) {
	s := openTemp(t)
	const writers, batches, size = 4, 10, 40
	bounded, cancel := context.WithTimeout(ctx, time.Minute)
	defer cancel()
	var writing, reading sync.WaitGroup
	errs := make(chan error, writers+1)
	for w := range writers {
		writing.Go(func() {
			unit := fmt.Sprintf("u%d", w)
			for b := range batches {
				batch := make([]wire.Entry, size)
				for i := range batch {
					batch[i] = entry("site-a", unit, uint64(b*size+i+1))
				}
				if _, err := s.PutEntries(bounded, batch, received); err != nil {
					errs <- err
					return
				}
			}
		})
	}
	done := make(chan struct{})
	reading.Go(func() {
		for {
			select {
			case <-done:
				return
			default:
			}
			if _, err := s.Units(bounded, t0); err != nil {
				errs <- err
				return
			}
		}
	})
	writing.Wait()
	close(done)
	reading.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
	units := units(t, s, t0)
	for w := range writers {
		if u := units[fmt.Sprintf("u%d", w)]; u.AckedSeq != batches*size {
			t.Fatalf("unit u%d acked to %d, want %d", w, u.AckedSeq, batches*size)
		}
	}
	if n := countRows(t, s.db, `SELECT count(*) FROM entries`); n != writers*batches*size {
		t.Fatalf("%d entries stored, want %d", n, writers*batches*size)
	}
}
