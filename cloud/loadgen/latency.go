package loadgen

import (
	"math"
	"math/rand/v2"
	"slices"
	"sync"
	"time"
)

// sampleSize bounds the latencies kept for PublishP99: 5,000 units at one
// entry a second for an hour would otherwise keep 18 million.
const sampleSize = 100_000

// reservoir keeps a uniform random sample of every latency added
// (Vitter's algorithm R), so a long run's percentile costs bounded memory.
type reservoir struct {
	mu      sync.Mutex
	samples []time.Duration
	seen    uint64
	rng     *rand.Rand
}

func newReservoir(size int, seed uint64) *reservoir {
	return &reservoir{samples: make([]time.Duration, 0, size), rng: rand.New(rand.NewPCG(seed, 99))}
}

func (r *reservoir) add(d time.Duration) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.seen++
	if len(r.samples) < cap(r.samples) {
		r.samples = append(r.samples, d)
		return
	}
	if i := r.rng.Uint64N(r.seen); i < uint64(len(r.samples)) {
		r.samples[i] = d
	}
}

// quantile is the q-quantile (0 < q ≤ 1) of the sample, nearest rank; 0
// when nothing was added.
func (r *reservoir) quantile(q float64) time.Duration {
	r.mu.Lock()
	s := slices.Clone(r.samples)
	r.mu.Unlock()
	if len(s) == 0 {
		return 0
	}
	slices.Sort(s)
	rank := int(math.Ceil(q*float64(len(s)))) - 1
	return s[min(max(rank, 0), len(s)-1)]
}
