package storetest

import (
	"testing"

	"github.com/kakou/kakou/cloud/store"
	"github.com/kakou/kakou/firmware/wire"
)

// behaveCardHolderTraced: a person let through on their ID card alone
// (no visitor registration) is found by a tracer by the hash of the ID
// number, beside the same person registered as a visitor elsewhere; the
// re-sent card entry is the same entry, and reads back with its hash.
func behaveCardHolderTraced(t *testing.T, s Store) {
	hash := wire.PersonHash(PeopleKey, wire.IDHashKind(wire.IDResident), PersonID)
	card := Entry("clinic", "gate-2", 1)
	card.Credential = wire.Credential{Kind: wire.CredentialIDCard, Result: "valid", Subject: "c" + hash[:15], IDHash: hash}
	visit := Visiting("mart", "door-1", 1, PersonID, PersonPhone)
	if _, err := s.PutEntries(ctx, []wire.Entry{card, visit}, Received); err != nil {
		t.Fatal(err)
	}
	if res, err := s.PutEntries(ctx, []wire.Entry{card}, Received); err != nil || res.Inserted != 0 || len(res.Conflicts) != 0 {
		t.Fatalf("re-sent card entry: %+v %v, want nothing inserted and no conflict", res, err)
	}
	got, err := s.Person(ctx, store.PersonQuery{IDHash: hash})
	if err != nil {
		t.Fatal(err)
	}
	ids := map[string]wire.Credential{}
	for _, r := range got {
		ids[r.ID] = r.Credential
	}
	if len(got) != 2 || ids[card.ID] != card.Credential {
		t.Fatalf("traced %v, want the card entry (with its credential as sent) and the visit", ids)
	}
}
