package storetest

import (
	"errors"
	"testing"
	"time"

	"github.com/kakou/kakou/cloud/store"
)

// Guards holds a backend to the contract of the guard roster: what a unit
// is pushed must be the same from SQLite and PostgreSQL.
func Guards(t *testing.T, open func(*testing.T) Store) {
	for _, bh := range []struct {
		name string
		run  func(*testing.T, Store)
	}{
		{"guards round-trip by site and id, listed by id", behaveGuardsRoundTrip},
		{"every change raises the site's version, and only that site's", behaveGuardVersions},
		{"a guard no unit could use is refused", behaveGuardShape},
	} {
		t.Run(bh.name, func(t *testing.T) {
			t.Parallel()
			bh.run(t, open(t))
		})
	}
}

// pinHash is a valid PIN hash; the store only keeps it.
const pinHash = "pbkdf2-sha256$20000$MDEyMzQ1Njc4OWFiY2RlZg$47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU"

var guardAt = time.Date(2022, 4, 2, 8, 0, 0, 123, time.UTC)

func guard(site, id, name string) store.Guard {
	return store.Guard{Site: site, ID: id, Name: name, PINHash: pinHash, UpdatedAt: guardAt, UpdatedBy: "manager"}
}

func putGuard(t *testing.T, s Store, g store.Guard) store.Guard {
	t.Helper()
	got, err := s.PutGuard(ctx, g)
	if err != nil {
		t.Fatal(err)
	}
	return got
}

func behaveGuardsRoundTrip(t *testing.T, s Store) {
	putGuard(t, s, guard("estate", "wang", "王师傅"))
	putGuard(t, s, guard("estate", "li", "李师傅"))
	putGuard(t, s, guard("mart", "wang", "王经理")) // another site's wang
	dis := guard("estate", "li", "李师傅")
	dis.Disabled, dis.UpdatedBy, dis.UpdatedAt = true, "monitor", guardAt.Add(time.Hour)
	putGuard(t, s, dis)
	got, err := s.Guards(ctx, "estate")
	if err != nil || len(got) != 2 {
		t.Fatalf("Guards(estate) = %+v, %v; want li and wang", got, err)
	}
	li, wang := got[0], got[1]
	if li.ID != "li" || !li.Disabled || li.UpdatedBy != "monitor" || !li.UpdatedAt.Equal(dis.UpdatedAt) || li.Site != "estate" {
		t.Errorf("li = %+v", li)
	}
	if wang.ID != "wang" || wang.Name != "王师傅" || wang.PINHash != pinHash || wang.Disabled {
		t.Errorf("wang = %+v", wang)
	}
	if none, err := s.Guards(ctx, "nowhere"); err != nil || len(none) != 0 {
		t.Errorf("a site without guards: %+v, %v", none, err)
	}
}

func behaveGuardVersions(t *testing.T, s Store) {
	var last uint64
	for i, g := range []store.Guard{guard("estate", "wang", "王"), guard("estate", "li", "李"),
		guard("estate", "wang", "王师傅")} {
		got := putGuard(t, s, g)
		if got.Version <= last {
			t.Fatalf("change %d got version %d, not above %d", i, got.Version, last)
		}
		last = got.Version
	}
	if v := putGuard(t, s, guard("mart", "zhou", "周")).Version; v != 1 {
		t.Errorf("another site's first guard: version %d, want 1", v)
	}
	got, _ := s.Guards(ctx, "estate")
	var high uint64
	for _, g := range got {
		high = max(high, g.Version)
	}
	if high != last {
		t.Errorf("the site's highest version %d, want the last change's %d", high, last)
	}
}

func behaveGuardShape(t *testing.T, s Store) {
	for _, g := range []store.Guard{
		{ID: "wang", Name: "王", PINHash: pinHash, UpdatedAt: guardAt, UpdatedBy: "m"},
		{Site: "estate", ID: "Wang", Name: "王", PINHash: pinHash, UpdatedAt: guardAt, UpdatedBy: "m"},
		{Site: "estate", ID: "wang", PINHash: pinHash, UpdatedAt: guardAt, UpdatedBy: "m"},
		{Site: "estate", ID: "wang", Name: "王", PINHash: "2468", UpdatedAt: guardAt, UpdatedBy: "m"},
		{Site: "estate", ID: "wang", Name: "王", PINHash: pinHash, UpdatedBy: "m"},
	} {
		if _, err := s.PutGuard(ctx, g); !errors.Is(err, store.ErrGuardShape) {
			t.Errorf("PutGuard(%+v) = %v, want ErrGuardShape", g, err)
		}
	}
}
