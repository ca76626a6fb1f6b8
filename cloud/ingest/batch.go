package ingest

import (
	"context"
	"math"
	"time"

	"github.com/kakou/kakou/cloud/store"
	"github.com/kakou/kakou/firmware/wire"
)

// maxBatch bounds how many messages one transaction stores. Large,
// because a batch from many units pays per unit (its row, its watermark,
// its rollups): with 100 units sending at once, 4,096 stored 2.5 times
// faster than 256 (BenchmarkIngestThroughput; docs/performance.md "Ingest").
const maxBatch = 4096

// queueSize is the queue between handle and the writer: room for every
// message a broker can have in flight to one client (MQTT's packet ids
// are 16-bit), about 6 MB, so handle never blocks paho's reading. The
// backpressure is the PUBACKs the writer withholds until a message is
// stored; a broker whose subscriber stops reading its socket drops
// messages instead (mochi, past 8,192 waiting writes, after it has
// PUBACKed the unit), which only the unit's ack timeout would repair.
const queueSize = math.MaxUint16

// Store retries back off from retryFirst to retryMax while the store fails
// (a locked or full disk): nothing is acknowledged meanwhile, so the broker
// keeps the messages and the units keep their outboxes.
var (
	// While messages are flowing (the last batch held more than one), the
	// writer keeps filling a batch until none has come for fillGap, or
	// for fillBudget in all. Taking only what queued while the last batch
	// was stored, a fast store made a small batch, which stored fast and
	// left the next one small: at 100 units sending at once, half the
	// batches held under 200 entries, each paying every unit's rollups
	// and watermark. A lone live message never waits.
	fillGap    = 3 * time.Millisecond
	fillBudget = 50 * time.Millisecond
	retryFirst = 200 * time.Millisecond
	retryMax   = 10 * time.Second
)

// write is the writer: it stores queued messages in batches and then
// hands them to pubackStored, in the order they came, until ctx ends.
//
// A batch is whatever queued up while the previous one was being stored
// (group commit), topped up while messages keep flowing (fillGap): a lone
// message is stored at once, and a backlog pouring in is stored up to
// maxBatch entries per transaction, which is what lets a unit's
// 100,000-entry backlog through at the store's batch speed rather than
// one transaction per entry.
func (in *Ingest) write(ctx context.Context) {
	stored := make(chan []incoming, pubackDepth)
	free := make(chan []incoming, pubackDepth+1)
	for range pubackDepth + 1 {
		free <- make([]incoming, 0, maxBatch)
	}
	pubacked := make(chan struct{})
	go func() {
		defer close(pubacked)
		pubackStored(stored, free)
	}()
	defer func() {
		close(stored)
		<-pubacked
		close(in.writerDone)
	}()
	flowing := false
	for {
		var batch []incoming
		select {
		case <-ctx.Done():
			return
		case batch = <-free:
		}
		select {
		case <-ctx.Done():
			return
		case it := <-in.queue:
			batch = append(batch, it)
		}
		batch = drain(in.queue, batch)
		if flowing {
			batch = fill(in.queue, batch, fillGap, fillBudget)
		}
		flowing = len(batch) > 1
		if !in.storeBatch(ctx, batch) {
			return // stopping: left unacknowledged, so it is delivered again
		}
		stored <- batch
	}
}

// pubackDepth is how many stored batches may wait for their PUBACKs.
const pubackDepth = 2

// pubackStored PUBACKs each stored batch, in the order stored, and hands
// its slice back. It runs beside the writer because paho passes every
// PUBACK through a chain of unbuffered channels to its socket writer, some
// 16 µs an ack on two busy cores: done by the writer, that was a quarter
// of its time, and the next batch waited for it (BenchmarkIngestThroughput;
// docs/performance.md "Ingest").
// PUBACKs still leave only after their batch is committed.
func pubackStored(stored <-chan []incoming, free chan<- []incoming) {
	for batch := range stored {
		for _, it := range batch {
			it.m.Ack()
		}
		clear(batch) // the messages can be collected while the slice waits
		free <- batch[:0]
	}
}

// drain adds what is already queued, up to maxBatch, without waiting.
func drain(queue <-chan incoming, batch []incoming) []incoming {
	for len(batch) < maxBatch {
		select {
		case it := <-queue:
			batch = append(batch, it)
		default:
			return batch
		}
	}
	return batch
}

// fill adds what keeps arriving, up to maxBatch: it stops once nothing
// has come for gap, or after budget in all.
func fill(queue <-chan incoming, batch []incoming, gap, budget time.Duration) []incoming {
	deadline := time.NewTimer(budget)
	defer deadline.Stop()
	idle := time.NewTimer(gap)
	defer idle.Stop()
	for len(batch) < maxBatch {
		select {
		case it := <-queue:
			batch = drain(queue, append(batch, it))
			idle.Reset(gap)
		case <-idle.C:
			return batch
		case <-deadline.C:
			return batch
		}
	}
	return batch
}

// storeBatch stores a batch in the order it came: each run of entries in
// one transaction, each status on its own. The order matters to the
// watermark: a unit's birth status, which says whether it holds a
// backlog, comes before its entries and decides where its watermark
// starts (store.Watermark). It reports whether everything was stored;
// false means Stop was called.
func (in *Ingest) storeBatch(ctx context.Context, batch []incoming) bool {
	var run entryRun
	for _, it := range batch {
		switch {
		case it.rejected:
			if !in.putDeadLetter(ctx, it) {
				return false
			}
		case it.msg.entry != nil:
			run.add(it)
		default:
			if !in.putRun(ctx, &run) {
				return false
			}
			if !in.putStatus(ctx, it) {
				return false
			}
		}
	}
	return in.putRun(ctx, &run)
}

func (in *Ingest) putStatus(ctx context.Context, it incoming) bool {
	at := it.receivedAt
	if it.msg.replayed {
		at = time.Time{} // the store's "state only" signal
	}
	ok := in.untilDone(ctx, func(ctx context.Context) error { return in.store.PutStatus(ctx, *it.msg.status, at) })
	if ok && !at.IsZero() {
		in.putStaffRound(ctx, *it.msg.status, at)
		in.putUpdateReport(ctx, *it.msg.status, at)
	}
	if ok {
		in.accepted.Add(1)
	}
	return ok
}

// putEntries stores entries and hands the watermarks to the acker. echo
// says they came through the durable consumer while the live path is on
// (jetstream_live.go): those the live path stored already count as echoes,
// not as entries or duplicates, give no lag sample, and move no re-ack.
func (in *Ingest) putEntries(ctx context.Context, entries []wire.Entry, receivedAt time.Time, echo bool) bool {
	var res store.PutResult
	start := time.Now()
	ok := in.untilDone(ctx, func(ctx context.Context) (err error) {
		res, err = in.store.PutEntries(ctx, entries, receivedAt)
		return err
	})
	if !ok {
		return false
	}
	dups := len(entries) - res.Inserted - len(res.Conflicts)
	counted, countedDups := len(entries), dups
	if echo {
		counted, countedDups = len(entries)-dups, 0
		in.echoes.Add(uint64(dups))
	}
	if counted > 0 {
		in.opts.Observer.Stored(counted, countedDups, time.Since(start))
	}
	for _, c := range res.Conflicts {
		// Kept as a dead letter with an alert by the store (store.Conflict).
		in.conflicts.Add(1)
		in.opts.Observer.DeadLettered()
		in.log.Warn("entry set aside: another entry holds its place", "site", c.Entry.Site, "unit", c.Entry.Unit,
			"seq", c.Entry.Seq, "id", c.Entry.ID, "stored_id", c.StoredID, "why", c.Reason)
	}
	for i := range entries {
		// An echo's lag is the stream's, and its live copy was sampled.
		if e := &entries[i]; !e.Historical && e.ClockSynced && (!echo || dups == 0) {
			in.opts.Observer.Lag(receivedAt.Sub(e.Time))
		}
	}
	in.accepted.Add(uint64(counted))
	in.duplicates.Add(uint64(countedDups))
	oldest := lowestSeqs(entries)
	for _, w := range res.Watermarks {
		low := oldest[store.UnitID{Site: w.Site, Unit: w.Unit}]
		if echo {
			low = math.MaxUint64 // not a re-send by the unit: ack only a watermark that moved
		}
		in.acknowledge(w, low)
	}
	return true
}

// lowestSeqs is the lowest seq each unit sent in a batch.
func lowestSeqs(entries []wire.Entry) map[store.UnitID]uint64 {
	low := map[store.UnitID]uint64{}
	for _, e := range entries {
		id := store.UnitID{Site: e.Site, Unit: e.Unit}
		if l, ok := low[id]; !ok || e.Seq < l {
			low[id] = e.Seq
		}
	}
	return low
}

// acknowledge hands a unit's watermark to the acker when it moved, and when
// the unit re-sent an entry the watermark already covers (oldest is the
// lowest seq it sent): the unit evidently missed the ack, perhaps lost with
// a broker restart, and nothing else would tell it again until its next new
// entry.
func (in *Ingest) acknowledge(w store.Watermark, oldest uint64) {
	if w.Seq > 0 && (w.Moved || oldest <= w.Seq) {
		in.acks.offer(w.Site, w.Unit, w.Seq, w.Moved)
	}
}

// untilDone runs put until it succeeds or ctx ends, backing off between
// failures; it reports whether put succeeded.
func (in *Ingest) untilDone(ctx context.Context, put func(context.Context) error) bool {
	for delay := retryFirst; ; delay = min(2*delay, retryMax) {
		err := put(ctx)
		if err == nil {
			return true
		}
		if ctx.Err() != nil {
			return false
		}
		in.log.Error("store failed, retrying before acknowledging", "err", err, "retry_in", delay)
		select {
		case <-ctx.Done():
			return false
		case <-time.After(delay):
		}
	}
}
