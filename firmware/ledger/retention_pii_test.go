package ledger

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/kakou/kakou/firmware/wire"
)

// visitorEntry is entry i with a registered visitor whose hashes are
// unique to i, so the test can find each one's bytes in the file.
func visitorEntry(i int) wire.Entry {
	e := sampleEntry(i)
	e.Credential = wire.Credential{Kind: wire.CredentialVisitor, Result: "registered", Subject: "V-1"}
	e.Visitor = &wire.Visitor{Name: "李四", Phone: "138****5678", ID: "110***********002X",
		IDHash: fmt.Sprintf("%064x", 0xa000+i), PhoneHash: fmt.Sprintf("%064x", 0xb000+i)}
	return e
}

// Retention of PII (SECURITY.md "PII minimisation"): a visitor's registration leaves the unit's disk with the entry
// 28 days after the collector acknowledged it, and not before; entries
// not acknowledged stay whatever their age. The file's bytes are checked,
// not only the rows: a deleted row must not linger in the database.
func TestRetentionTakesVisitorsPIIWithTheEntries(t *testing.T) {
	l, path := openTemp(t)
	ctx := context.Background()
	for i := 1; i <= 9; i++ {
		e := visitorEntry(i)
		if err := l.Append(ctx, &e); err != nil {
			t.Fatal(err)
		}
	}
	now := time.Now()
	if err := l.markDeliveredUpTo(ctx, 3, now.Add(-29*24*time.Hour)); err != nil { // aged out
		t.Fatal(err)
	}
	if err := l.markDeliveredUpTo(ctx, 6, now.Add(-27*24*time.Hour)); err != nil { // recent
		t.Fatal(err)
	}
	// 7-9: never acknowledged.
	if n, err := l.Purge(ctx, now.Add(-28*24*time.Hour)); err != nil || n != 3 {
		t.Fatalf("Purge(28 days) = %d, %v; want the 3 aged-out entries", n, err)
	}
	left, err := l.Entries(ctx, 0, 100)
	if err != nil {
		t.Fatal(err)
	}
	wantSeqs(t, left, span(4, 9)...)
	if err := l.Close(); err != nil { // checkpoints the WAL into the file
		t.Fatal(err)
	}
	files, _ := filepath.Glob(path + "*")
	var disk []byte
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		disk = append(disk, b...)
	}
	for i := 1; i <= 9; i++ {
		h := visitorEntry(i).Visitor.IDHash
		if found := bytes.Contains(disk, []byte(h)); found != (i > 3) {
			t.Errorf("entry %d: its visitor's hash on disk = %v, want %v", i, found, i > 3)
		}
	}
}
