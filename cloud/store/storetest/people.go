package storetest

import (
	"bytes"
	"testing"
	"time"

	"github.com/kakou/kakou/cloud/store"
	"github.com/kakou/kakou/firmware/wire"
)

// PeopleKey is the fleet tracing key the people fixtures hash with.
var PeopleKey = bytes.Repeat([]byte("k"), 32)

const (
	PersonID    = "11010519491231002X"
	PersonPhone = "13812345678"
)

// Visiting is entry seq of unit at site with a registered visitor, as the
// unit sends it: masked numbers and their keyed hashes, never the numbers.
func Visiting(site, unit string, seq uint64, id, phone string) wire.Entry {
	e := Entry(site, unit, seq)
	e.Credential = wire.Credential{Kind: wire.CredentialVisitor, Result: "registered", Subject: "V-1"}
	e.Visitor = &wire.Visitor{Name: "李四", ID: wire.MaskID(id), Phone: wire.MaskPhone(phone),
		IDHash: wire.PersonHash(PeopleKey, "id", id), PhoneHash: wire.PersonHash(PeopleKey, "phone", phone)}
	return e
}

// People holds a backend to finding one person's entries by hash and
// to retention.
func People(t *testing.T, open func(*testing.T) Store) {
	for _, bh := range []struct {
		name string
		run  func(*testing.T, Store)
	}{
		{"a person's entries found by ID or phone hash across sites", behavePersonAcrossSites},
		{"an ID card holder nobody registered is found by the card's hash", behaveCardHolderTraced},
		{"purge deletes old entries, keeps recent ones, unacknowledged ones and rollups", behavePurge},
		{"a synced clock outside what the store holds counts by receive time", behaveUnbelievableClock},
	} {
		t.Run(bh.name, func(t *testing.T) {
			t.Parallel()
			bh.run(t, open(t))
		})
	}
}

func behavePersonAcrossSites(t *testing.T, s Store) {
	mine := []wire.Entry{Visiting("mart", "door-1", 1, PersonID, PersonPhone),
		Visiting("clinic", "gate-1", 1, PersonID, "13900000000")}
	other := Visiting("mart", "door-1", 2, "110105194912310011", "13700000000")
	plain := Entry("mart", "door-1", 3) // no visitor
	if _, err := s.PutEntries(ctx, append(mine, other, plain), Received); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name string
		q    store.PersonQuery
		want []string
	}{
		{"by ID", store.PersonQuery{IDHash: wire.PersonHash(PeopleKey, "id", PersonID)}, []string{"door-1-1", "gate-1-1"}},
		{"by phone", store.PersonQuery{PhoneHash: wire.PersonHash(PeopleKey, "phone", PersonPhone)}, []string{"door-1-1"}},
		{"ID or phone", store.PersonQuery{IDHash: wire.PersonHash(PeopleKey, "id", "110105194912310011"),
			PhoneHash: wire.PersonHash(PeopleKey, "phone", PersonPhone)}, []string{"door-1-1", "door-1-2"}},
		{"nobody", store.PersonQuery{IDHash: wire.PersonHash(PeopleKey, "id", "110105194912319999")}, nil},
	}
	for _, tt := range tests {
		got, err := s.Person(ctx, tt.q)
		if err != nil {
			t.Fatalf("%s: %v", tt.name, err)
		}
		var ids []string
		for _, r := range got {
			ids = append(ids, r.ID)
		}
		if len(ids) != len(tt.want) || len(ids) > 0 && (ids[0] != tt.want[0] || ids[len(ids)-1] != tt.want[len(tt.want)-1]) {
			t.Errorf("%s: got %v, want %v", tt.name, ids, tt.want)
		}
	}
	if _, err := s.Person(ctx, store.PersonQuery{}); err == nil {
		t.Error("a query without a hash was answered")
	}
}

func behavePurge(t *testing.T, s Store) {
	// door-1 seq 1-3 at T0+minutes, seq 4 a day later; seq 6 arrives
	// above a gap at 5, so the watermark stays at 4 and 6 must stay.
	late := Visiting("mart", "door-1", 4, PersonID, PersonPhone)
	late.Time = T0.Add(24 * time.Hour)
	gap := Visiting("mart", "door-1", 6, PersonID, PersonPhone)
	batch := []wire.Entry{Visiting("mart", "door-1", 1, PersonID, PersonPhone),
		Visiting("mart", "door-1", 2, PersonID, PersonPhone), Visiting("mart", "door-1", 3, PersonID, PersonPhone), late, gap}
	if _, err := s.PutEntries(ctx, batch, Received); err != nil {
		t.Fatal(err)
	}
	rollupsBefore := rollupTotal(t, s)
	n, err := s.PurgeEntries(ctx, T0.Add(time.Hour))
	if err != nil || n != 3 {
		t.Fatalf("PurgeEntries = %d, %v; want the 3 old acknowledged entries", n, err)
	}
	left, err := s.Entries(ctx, store.Query{Site: "mart"})
	if err != nil || len(left) != 2 {
		t.Fatalf("left %d entries, %v; want seq 4 (recent) and 6 (above the watermark)", len(left), err)
	}
	if got := rollupTotal(t, s); got != rollupsBefore || got != 5 {
		t.Errorf("rollup total %d after the purge, %d before; want 5 both times", got, rollupsBefore)
	}
	if found, _ := s.Person(ctx, store.PersonQuery{IDHash: wire.PersonHash(PeopleKey, "id", PersonID)}); len(found) != 2 {
		t.Errorf("person has %d entries after the purge, want 2", len(found))
	}
}

func rollupTotal(t *testing.T, s Store) int {
	t.Helper()
	rows, err := s.Rollups(ctx, store.RollupQuery{Site: "mart", By: "site", Since: T0.Add(-time.Hour),
		Until: T0.Add(48 * time.Hour), Whole: true})
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for _, r := range rows {
		n += r.Counts["total"]
	}
	return n
}
