package storetest

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/kakou/kakou/cloud/store"
	"github.com/kakou/kakou/firmware/wire"
)

// WatchStore is what a backend keeps of the centre's watch roster.
type WatchStore interface {
	PutWatchEntries(context.Context, []store.WatchEntry) ([]store.WatchEntry, error)
	WatchEntries(context.Context, store.WatchQuery) ([]store.WatchEntry, error)
	WatchPushed(context.Context) (store.WatchPush, error)
	PutWatchPushed(context.Context, store.WatchPush) error
}

// Watch holds a backend to the roster's contract: what the publisher
// pushes to every unit must be the same from SQLite and PostgreSQL.
func Watch(t *testing.T, open func(*testing.T) WatchStore) {
	for _, bh := range []struct {
		name string
		run  func(*testing.T, WatchStore)
	}{
		{"roster entries round-trip, every field", behaveWatchRoundTrip},
		{"every change takes the roster's next version; an import is one", behaveWatchVersions},
		{"ended entries leave the list but stay in the changes", behaveWatchEnded},
		{"a query is held to its sites, pass and household", behaveWatchQuery},
		{"an entry no unit could match is refused", behaveWatchShape},
		{"the last push round-trips", behaveWatchPush},
	} {
		t.Run(bh.name, func(t *testing.T) {
			t.Parallel()
			bh.run(t, open(t))
		})
	}
}

var watchAt = time.Date(2022, 4, 2, 8, 0, 0, 123, time.UTC)

// WatchEntry is a valid roster entry of site for tests.
func WatchEntry(site, id string) store.WatchEntry {
	return store.WatchEntry{Site: site, UpdatedAt: watchAt, UpdatedBy: "official", WatchEntry: wire.WatchEntry{
		ID: id, Pass: "P-" + id, IDHash: wire.PersonHash(PeopleKey, "id", "110105194912310011"),
		PhoneHash: wire.PersonHash(PeopleKey, "phone", "13800000000"), Household: "3-2-501",
		Kind: wire.WatchHomeQuarantine, Start: watchAt.Truncate(time.Hour), Plan: "14+7+7",
		Tests: []string{"24h", "7d", "14d"}, Outcome: wire.Refer, Note: "居家隔离"}}
}

func putWatch(t *testing.T, s WatchStore, es ...store.WatchEntry) []store.WatchEntry {
	t.Helper()
	got, err := s.PutWatchEntries(ctx, es)
	if err != nil {
		t.Fatal(err)
	}
	return got
}

func listWatch(t *testing.T, s WatchStore, q store.WatchQuery) []store.WatchEntry {
	t.Helper()
	got, err := s.WatchEntries(ctx, q)
	if err != nil {
		t.Fatal(err)
	}
	return got
}

func behaveWatchRoundTrip(t *testing.T, s WatchStore) {
	want := WatchEntry("s1", "w1")
	put := putWatch(t, s, want)
	got := listWatch(t, s, store.WatchQuery{})
	want.Version = put[0].Version
	if len(got) != 1 || fmt.Sprint(got[0]) != fmt.Sprint(want) || !got[0].Start.Equal(want.Start) {
		t.Fatalf("got %+v\nwant %+v", got, want)
	}
}

func behaveWatchVersions(t *testing.T, s WatchStore) {
	a := putWatch(t, s, WatchEntry("s1", "w1"))[0].Version
	batch := putWatch(t, s, WatchEntry("s1", "w2"), WatchEntry("s2", "w3"))
	if a == 0 || batch[0].Version != a+1 || batch[1].Version != a+1 {
		t.Fatalf("versions %d then %d, %d", a, batch[0].Version, batch[1].Version)
	}
	changed := WatchEntry("s1", "w1")
	changed.Kind = wire.WatchReturnee
	if v := putWatch(t, s, changed)[0].Version; v != a+2 {
		t.Fatalf("a change got version %d, want %d", v, a+2)
	}
	since := listWatch(t, s, store.WatchQuery{AfterVersion: a + 1})
	if len(since) != 1 || since[0].ID != "w1" || since[0].Kind != wire.WatchReturnee {
		t.Fatalf("changes after %d: %+v", a+1, since)
	}
}

func behaveWatchEnded(t *testing.T, s WatchStore) {
	putWatch(t, s, WatchEntry("s1", "w1"), WatchEntry("s1", "w2"))
	end := WatchEntry("s1", "w1")
	end.Ended = true
	v := putWatch(t, s, end)[0].Version
	if got := listWatch(t, s, store.WatchQuery{}); len(got) != 1 || got[0].ID != "w2" {
		t.Fatalf("list after ending w1: %+v", got)
	}
	if got := listWatch(t, s, store.WatchQuery{Ended: true}); len(got) != 2 {
		t.Fatalf("with ended: %d", len(got))
	}
	if got := listWatch(t, s, store.WatchQuery{AfterVersion: v - 1}); len(got) != 1 || !got[0].Ended {
		t.Fatalf("the end is not among the changes: %+v", got)
	}
}

func behaveWatchQuery(t *testing.T, s WatchStore) {
	b := WatchEntry("s2", "w2")
	b.Pass, b.Household = "P-OTHER", "9-9-909"
	putWatch(t, s, WatchEntry("s1", "w1"), b, WatchEntry("s3", "w3"))
	for name, c := range map[string]struct {
		q    store.WatchQuery
		want string
	}{
		"sites":                  {store.WatchQuery{Sites: []string{"s1", "s3"}}, "[w1 w3]"},
		"no sites at all":        {store.WatchQuery{Sites: []string{}}, "[]"},
		"pass":                   {store.WatchQuery{Pass: "P-OTHER"}, "[w2]"},
		"household within sites": {store.WatchQuery{Household: "3-2-501", Sites: []string{"s3"}}, "[w3]"},
		"limit":                  {store.WatchQuery{Limit: 1}, "[w1]"},
	} {
		var ids []string
		for _, e := range listWatch(t, s, c.q) {
			ids = append(ids, e.ID)
		}
		if got := fmt.Sprint(ids); got != c.want && !(c.want == "[]" && ids == nil) {
			t.Errorf("%s: %s, want %s", name, got, c.want)
		}
	}
}

func behaveWatchShape(t *testing.T, s WatchStore) {
	for name, f := range map[string]func(*store.WatchEntry){
		"no site":     func(e *store.WatchEntry) { e.Site = "" },
		"no one":      func(e *store.WatchEntry) { e.Pass, e.IDHash, e.PhoneHash, e.Household = "", "", "", "" },
		"raw number":  func(e *store.WatchEntry) { e.IDHash = "110105194912310011" },
		"who changed": func(e *store.WatchEntry) { e.UpdatedBy = "" },
		"bad plan":    func(e *store.WatchEntry) { e.Plan = "forever" },
	} {
		e := WatchEntry("s1", "w1")
		f(&e)
		if _, err := s.PutWatchEntries(ctx, []store.WatchEntry{WatchEntry("s1", "ok"), e}); !errors.Is(err, store.ErrWatchShape) {
			t.Errorf("%s: %v", name, err)
		}
	}
	if got := listWatch(t, s, store.WatchQuery{}); len(got) != 0 {
		t.Fatalf("a refused import stored %d entries", len(got))
	}
}

func behaveWatchPush(t *testing.T, s WatchStore) {
	if p, err := s.WatchPushed(ctx); err != nil || p.Head != nil {
		t.Fatalf("before any push: %+v %v", p, err)
	}
	want := store.WatchPush{Head: []byte(`{"version":3}`), Names: []string{"i3-0", "s3-0"}}
	for range 2 {
		if err := s.PutWatchPushed(ctx, want); err != nil {
			t.Fatal(err)
		}
	}
	got, err := s.WatchPushed(ctx)
	if err != nil || string(got.Head) != string(want.Head) || fmt.Sprint(got.Names) != fmt.Sprint(want.Names) {
		t.Fatalf("got %+v %v", got, err)
	}
}
