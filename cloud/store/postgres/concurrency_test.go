package postgres

import (
	"errors"
	"fmt"
	"math/rand/v2"
	"sync"
	"testing"

	"github.com/kakou/kakou/cloud/store"
	"github.com/kakou/kakou/cloud/store/pgtest"
	"github.com/kakou/kakou/firmware/wire"
)

// TestPostgresIntegrationCollectorsShareUnits has three collectors, each
// with its own pool, store the same three units' entries at once, round
// after round: each round's next seqs of every unit are dealt to the
// collectors, some also to a second one or again under a new id, in
// shuffled batches stored concurrently. After every round each watermark
// must stand at the unit's last seq: a watermark walked without the unit's
// lock stops at a row another collector has not committed yet, and stays
// there. At the end every entry must be stored and counted once.
func TestPostgresIntegrationCollectorsShareUnits(t *testing.T) {
	const rounds, perRound, collectors = 150, 4, 3
	dsn := pgtest.Start(t)
	check := openPGAt(t, dsn) // creates the schema before the collectors race
	pools := make([]*Store, collectors)
	for i := range pools {
		pools[i] = openPGAt(t, dsn)
	}
	units := []struct{ site, unit string }{{"site-a", "u1"}, {"site-a", "u2"}, {"site-b", "u3"}}
	rng := rand.New(rand.NewPCG(6, 6))
	inserted := 0
	for round := range rounds {
		work := dealEntries(rng, collectors, func(add func(wire.Entry)) {
			for _, u := range units {
				for seq := uint64(round*perRound + 1); seq <= uint64((round+1)*perRound); seq++ {
					add(entry(u.site, u.unit, seq))
				}
			}
		})
		var wg sync.WaitGroup
		results := make([]int, collectors)
		errs := make([]error, collectors)
		for i, p := range pools {
			wg.Go(func() {
				results[i], errs[i] = storeAsCollector(p, work[i], rand.New(rand.NewPCG(uint64(round), uint64(i))))
			})
		}
		wg.Wait()
		if err := errors.Join(errs...); err != nil {
			t.Fatalf("round %d: %v", round, err)
		}
		for _, n := range results {
			inserted += n
		}
		got := unitsByID(t, check)
		for _, u := range units {
			if want := uint64((round + 1) * perRound); got[u.unit].AckedSeq != want {
				t.Fatalf("round %d: %s watermark %d, want %d", round, u.unit, got[u.unit].AckedSeq, want)
			}
		}
	}
	want := len(units) * rounds * perRound
	if inserted != want {
		t.Errorf("collectors inserted %d entries in all, want %d", inserted, want)
	}
	for _, u := range unitsByID(t, check) {
		var stored int
		check.pool.QueryRow(ctx, `SELECT count(DISTINCT seq) FROM entries WHERE unit = $1`, u.ID).Scan(&stored)
		if u.EntriesToday != rounds*perRound || stored != rounds*perRound {
			t.Errorf("%s: %d entries stored, %d counted; want %d", u.ID, stored, u.EntriesToday, rounds*perRound)
		}
	}
}

// unitsByID lists s's units by id, with their entries since t0.
func unitsByID(t *testing.T, s *Store) map[string]store.Unit {
	t.Helper()
	list, err := s.Units(ctx, t0)
	if err != nil {
		t.Fatal(err)
	}
	m := map[string]store.Unit{}
	for _, u := range list {
		m[u.ID] = u
	}
	return m
}

// dealEntries gives each entry made to one collector, one in five also to
// another (a re-send after a lost ack), one in twenty again under a new
// id, and shuffles each collector's share.
func dealEntries(rng *rand.Rand, collectors int, each func(add func(wire.Entry))) [][]wire.Entry {
	work := make([][]wire.Entry, collectors)
	each(func(e wire.Entry) {
		c := rng.IntN(collectors)
		work[c] = append(work[c], e)
		if rng.IntN(5) == 0 {
			work[(c+1)%collectors] = append(work[(c+1)%collectors], e)
		}
		if rng.IntN(20) == 0 {
			e.ID += "-again"
			to := rng.IntN(collectors)
			work[to] = append(work[to], e)
		}
	})
	for _, list := range work {
		rng.Shuffle(len(list), func(a, b int) { list[a], list[b] = list[b], list[a] })
	}
	return work
}

// storeAsCollector stores list in batches of 1 to 8, as one collector would, and
// checks that each watermark it is given never runs ahead of what is
// stored.
func storeAsCollector(p *Store, list []wire.Entry, rng *rand.Rand) (int, error) {
	inserted := 0
	for len(list) > 0 {
		batch := list[:min(len(list), 1+rng.IntN(8))]
		list = list[len(batch):]
		res, err := p.PutEntries(ctx, batch, received)
		if err != nil {
			return inserted, err
		}
		inserted += res.Inserted
		for _, w := range res.Watermarks {
			var below uint64
			err := p.pool.QueryRow(ctx, `SELECT count(*) FROM entries WHERE unit = $1 AND seq <= $2`,
				w.Unit, int64(w.Seq)).Scan(&below)
			if err != nil || below != w.Seq {
				return inserted, fmt.Errorf("%s: watermark %d with %d entries up to it stored (%v)", w.Unit, w.Seq, below, err)
			}
		}
	}
	return inserted, nil
}
