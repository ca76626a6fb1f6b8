package roster

import (
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"encoding/json"
	"fmt"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/kakou/kakou/cloud/store"
	"github.com/kakou/kakou/cloud/store/sqlite"
	"github.com/kakou/kakou/firmware/wire"
)

var ctx = context.Background()

// retained is what a broker retains: the last payload per topic, an empty
// one clearing it; it counts what was published.
type retained struct {
	mu    sync.Mutex
	msgs  map[string][]byte
	count int
}

func (r *retained) PublishRetained(_ context.Context, topic string, b []byte) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.msgs == nil {
		r.msgs = map[string][]byte{}
	}
	r.count++
	if len(b) == 0 {
		delete(r.msgs, topic)
	} else {
		r.msgs[topic] = b
	}
	return nil
}

// assemble is what a unit does with the retained messages.
func (r *retained) assemble(t *testing.T, pub ed25519.PublicKey) (wire.WatchHead, []wire.WatchEntry) {
	t.Helper()
	r.mu.Lock()
	defer r.mu.Unlock()
	h, err := wire.DecodeWatchHead(r.msgs[wire.WatchTopic(wire.WatchHeadName)])
	if err != nil {
		t.Fatal(err)
	}
	if err := wire.VerifyWatch(&h, pub); err != nil {
		t.Fatal(err)
	}
	es, err := wire.AssembleWatch(&h, func(n string) ([]byte, bool) { b, ok := r.msgs[wire.WatchTopic(n)]; return b, ok })
	if err != nil {
		t.Fatal(err)
	}
	return h, es
}

func openStore(t *testing.T, dir string) *sqlite.Store {
	t.Helper()
	s, err := sqlite.Open(filepath.Join(dir, "cloud.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

func entries(site string, from, n int) []Entry {
	es := make([]Entry, n)
	for i := range es {
		es[i] = Entry{Site: site, UpdatedBy: "official", WatchEntry: wire.WatchEntry{
			ID: fmt.Sprintf("w%05d", from+i), Pass: fmt.Sprintf("P-%05d", from+i), Household: fmt.Sprintf("%d-1-%d", i%9, i),
			Kind: wire.WatchHomeQuarantine, Start: time.Now().UTC().Truncate(time.Hour), Plan: "14+7+7", Note: "居家隔离 14+7+7"}}
	}
	return es
}

func newService(t *testing.T, st Store, r *retained) (*Service, ed25519.PublicKey) {
	pub, key, _ := ed25519.GenerateKey(rand.Reader)
	s := New(st, r, nil)
	s.SignWith(key)
	return s, pub
}

func TestServicePublishesASnapshotThenOnlyDeltas(t *testing.T) {
	st := openStore(t, t.TempDir())
	r := &retained{}
	s, pub := newService(t, st, r)
	if _, err := s.Put(ctx, entries("s1", 0, 1000)); err != nil {
		t.Fatal(err)
	}
	h, es := r.assemble(t, pub)
	if len(es) != 1000 || h.Base != h.Version {
		t.Fatalf("first publication: %d people, base %d version %d", len(es), h.Base, h.Version)
	}
	snapshotMsgs := r.count

	changed := entries("s1", 5, 1)[0]
	changed.Kind = wire.WatchReturnee
	if err := s.Add(ctx, changed); err != nil {
		t.Fatal(err)
	}
	h2, es := r.assemble(t, pub)
	if h2.Version != h.Version+1 || h2.Base != h.Base || len(es) != 1000 || es[5].Kind != wire.WatchReturnee {
		t.Fatalf("after a change: version %d base %d, %d people, %s", h2.Version, h2.Base, len(es), es[5].Kind)
	}
	// The delta, its index part, the head, and the old index cleared.
	if sent := r.count - snapshotMsgs; sent > 4 {
		t.Fatalf("a change of one person sent %d messages; the snapshot's parts went again", sent)
	}
	if _, err := s.End(ctx, "w00007", "official"); err != nil {
		t.Fatal(err)
	}
	if _, es := r.assemble(t, pub); len(es) != 999 {
		t.Fatalf("after ending one: %d people", len(es))
	}
}

func TestServiceCompactsDeltasAndClearsPartsNoHeadNames(t *testing.T) {
	st := openStore(t, t.TempDir())
	r := &retained{}
	s, pub := newService(t, st, r)
	s.Put(ctx, entries("s1", 0, 200))
	first, _ := r.assemble(t, pub)
	for i := range MaxDeltas + 1 {
		e := entries("s1", i, 1)[0]
		e.Note = fmt.Sprint("change ", i)
		if err := s.Add(ctx, e); err != nil {
			t.Fatal(err)
		}
	}
	h, es := r.assemble(t, pub)
	if h.Base == first.Base || len(es) != 200 {
		t.Fatalf("after %d changes base is still %d (%d people)", MaxDeltas+1, h.Base, len(es))
	}
	want := map[string]bool{wire.WatchTopic(wire.WatchHeadName): true}
	for _, n := range wire.WatchNames(&h, func(n string) ([]byte, bool) { b, ok := r.msgs[wire.WatchTopic(n)]; return b, ok }) {
		want[wire.WatchTopic(n)] = true
	}
	for topic := range r.msgs {
		if !want[topic] {
			t.Errorf("%s is still retained though no head names it", topic)
		}
	}
}

func TestRestartedServiceGoesOnFromItsLastVersionAndClearsThePreviousRunsParts(t *testing.T) {
	dir := t.TempDir()
	r := &retained{}
	s, pub1 := newService(t, openStore(t, dir), r)
	s.Put(ctx, entries("s1", 0, 300))
	s.Add(ctx, entries("s1", 7, 1)[0]) // a delta on top
	first, _ := r.assemble(t, pub1)
	before := len(r.msgs) - 1 // less the delta: the snapshot, its index and the head

	s2, pub := newService(t, openStore(t, dir), r)
	if err := s2.Publish(ctx); err != nil {
		t.Fatal(err)
	}
	h, es := r.assemble(t, pub)
	if len(es) != 300 || len(r.msgs) != before || h.Version <= first.Version {
		t.Fatalf("after a restart: %d people, %d retained (want %d), head %d after %d", len(es), len(r.msgs), before, h.Version, first.Version)
	}
}

func TestPutRefusesAnImportWithABadEntryAndStoresNothing(t *testing.T) {
	st := openStore(t, t.TempDir())
	s, _ := newService(t, st, &retained{})
	es := entries("s1", 0, 3)
	es[1].Plan = "forever"
	if _, err := s.Put(ctx, es); err == nil {
		t.Fatal("a bad import was stored")
	}
	if got, _ := st.WatchEntries(ctx, store.WatchQuery{}); len(got) != 0 {
		t.Fatalf("%d stored", len(got))
	}
}

func TestDecodeInputsHashesNumbersAndNamesEveryBadEntry(t *testing.T) {
	key := []byte("0123456789abcdef0123456789abcdef")
	now := time.Date(2026, 3, 1, 9, 0, 0, 0, time.UTC)
	good := `{"site":"s1","id_number":"11010519491231002x","phone":"13800000000","household":"3号楼2单元501",
		"kind":"home_quarantine","start":"2026-03-01","plan":"14+14","tests":["24h","7d","14d"]}`
	es, err := DecodeInputs([]byte(good), key, "official", now)
	if err != nil {
		t.Fatal(err)
	}
	e := es[0]
	if e.IDHash != wire.PersonHash(key, "id", "11010519491231002X") || e.PhoneHash != wire.PersonHash(key, "phone", "13800000000") ||
		e.Household != "3-2-501" || !e.Start.Equal(time.Date(2026, 2, 28, 16, 0, 0, 0, time.UTC)) || e.UpdatedBy != "official" {
		t.Fatalf("got %+v", e)
	}
	b, _ := json.Marshal(e)
	if strings.Contains(string(b), "13800000000") || strings.Contains(string(b), "1231002") {
		t.Fatal("a full number survived into the entry")
	}
	bad := `[` + good + `,{"site":"S 1","kind":"x","start":"x","plan":"x"},{"site":"s1","pass":"P-1","kind":"returnee","start":"2026-03-01","plan":"14","outcome":"allow"},
		{"site":"s1","pass":"P-2","kind":"returnee","start":"9999-12-31","plan":"14"}]`
	_, err = DecodeInputs([]byte(bad), key, "official", now)
	for _, want := range []string{"[1]: site", "[2]: outcome", "[3]: start"} {
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("error does not say %q: %v", want, err)
		}
	}
	if _, err := DecodeInputs([]byte(good), nil, "official", now); err == nil || !strings.Contains(err.Error(), "tracing key") {
		t.Errorf("numbers taken without a key to hash them: %v", err)
	}
	if _, err := DecodeInputs([]byte(`{"site":"s1","pass":"P-1","kind":"returnee","start":"2026-03-01","plan":"14","name":"张三"}`), key, "o", now); err == nil {
		t.Error("an unknown field (a name) was taken")
	}
}

func FuzzDecodeInputs(f *testing.F) {
	for _, s := range []string{`{"site":"s1","pass":"P-1","kind":"returnee","start":"2026-03-01","plan":"14"}`,
		`[{"site":"s1","household":"３号楼","kind":"home_quarantine","start":"2026-03-01T00:00:00Z","plan":"7+7","tests":["7d"]}]`,
		`[]`, `{}`, `[`, `{"site":"s1","phone":"1","kind":"returnee","start":"2026-03-01","plan":"14"}`} {
		f.Add([]byte(s))
	}
	key := []byte("k")
	f.Fuzz(func(t *testing.T, b []byte) {
		es, err := DecodeInputs(b, key, "fuzz", time.Unix(0, 0))
		if err != nil {
			return
		}
		for _, e := range es {
			if err := e.Check(); err != nil {
				t.Fatalf("accepted an entry the store refuses: %v", err)
			}
		}
	})
}
