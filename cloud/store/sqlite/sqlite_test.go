package sqlite

import (
	"fmt"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/kakou/kakou/cloud/store"
	"github.com/kakou/kakou/firmware/wire"
)

func openTemp(t testing.TB) *Store {
	t.Helper()
	s, err := Open(filepath.Join(t.TempDir(), "cloud.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

func put(t testing.TB, s *Store, at time.Time, entries ...wire.Entry) int {
	t.Helper()
	return putResult(t, s, at, entries...).Inserted
}

func putResult(t testing.TB, s *Store, at time.Time, entries ...wire.Entry) store.PutResult {
	t.Helper()
	res, err := s.PutEntries(ctx, entries, at)
	if err != nil {
		t.Fatal(err)
	}
	return res
}

func all(t *testing.T, s *Store, q store.Query) []store.Record {
	t.Helper()
	got, err := s.Entries(ctx, q)
	if err != nil {
		t.Fatal(err)
	}
	return got
}

func TestOpenKeepsDataAndSchemaAcrossReopen(t *testing.T) {
	path := filepath.Join(t.TempDir(), "cloud.db")
	s, err := Open(path)
	if err != nil {
		t.Fatal(err)
	}
	put(t, s, received, entry("site-a", "u1", 1))
	s.Close()
	s, err = Open(path)
	if err != nil {
		t.Fatalf("reopen: %v", err)
	}
	defer s.Close()
	var version int
	var mode string
	s.db.QueryRow("PRAGMA user_version").Scan(&version)
	s.db.QueryRow("PRAGMA journal_mode").Scan(&mode)
	if version != len(migrations) || mode != "wal" {
		t.Fatalf("user_version=%d journal_mode=%q, want %d and wal", version, mode, len(migrations))
	}
	if got := all(t, s, store.Query{}); len(got) != 1 {
		t.Fatalf("after reopen %d entries, want 1", len(got))
	}
}

func TestOpenRefusesDatabaseFromNewerBuild(t *testing.T) {
	path := filepath.Join(t.TempDir(), "cloud.db")
	s, err := Open(path)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.w.Exec(fmt.Sprintf("PRAGMA user_version = %d", len(migrations)+1)); err != nil {
		t.Fatal(err)
	}
	s.Close()
	_, err = Open(path)
	if err == nil || !strings.Contains(err.Error(), "newer than this build") {
		t.Fatalf("Open = %v, want a newer-schema error", err)
	}
}

func TestPutEntriesRoundTripsEveryField(t *testing.T) {
	s := openTemp(t)
	withTemp := entry("site-a", "u1", 1)
	withTemp.Time = withTemp.Time.In(time.FixedZone("CST", 8*3600))
	withTemp.Temperature.Source, withTemp.Temperature.SamplesC = wire.SourceManual, []float64{36.1, 36.2}
	withTemp.Alert = "fever"
	withTemp.Visitor = &wire.Visitor{Name: "张三", Phone: "138****5678", Destination: "3-2-501"}
	withTemp.Override = &wire.Override{By: "guard-1", Reason: "known resident", Replaces: "e-0"}
	noTemp := entry("site-a", "u1", 2)
	noTemp.Temperature, noTemp.Credential = nil, wire.Credential{Kind: wire.CredentialNone, Result: "none"}
	noTemp.Historical = true
	put(t, s, received, withTemp, noTemp)

	got := all(t, s, store.Query{})
	for i, want := range []wire.Entry{noTemp, withTemp} {
		g := got[i]
		if !g.Time.Equal(want.Time) || g.Time.Format(time.RFC3339) != want.Time.Format(time.RFC3339) {
			t.Errorf("entry %s time = %v, want %v as sent", want.ID, g.Time, want.Time)
		}
		g.Time = want.Time
		if !reflect.DeepEqual(g.Entry, want) || !g.ReceivedAt.Equal(received) {
			t.Errorf("entry %s:\n got %+v at %v\nwant %+v at %v", want.ID, g.Entry, g.ReceivedAt, want, received)
		}
	}
}

func TestQueryLimitDefaultsAndCaps(t *testing.T) {
	for _, tt := range []struct{ in, want int }{
		{0, store.DefaultLimit}, {-5, store.DefaultLimit}, {1, 1}, {store.MaxLimit, store.MaxLimit}, {store.MaxLimit + 1, store.MaxLimit},
	} {
		if got := (store.Query{Limit: tt.in}).RowLimit(); got != tt.want {
			t.Errorf("limit %d -> %d, want %d", tt.in, got, tt.want)
		}
	}
}
