package postgres

import (
	"cmp"
	"context"
	"encoding/json"
	"fmt"
	"math"
	"slices"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgtype"

	"github.com/kakou/kakou/cloud/store"
	"github.com/kakou/kakou/firmware/wire"
)

// PutEntries stores entries received at receivedAt, counts the new ones
// into the rollups, raises their alerts and advances the watermarks, with
// exactly SQLite's results (see sqlite.Store.PutEntries and Watermark).
//
// Several collectors may store entries of the same unit at once, so the
// three statements keep to one order: the units' rows are locked first,
// in sorted order (no two collectors wait on each other in a cycle), then
// the entries go in, then the watermarks move. Under READ COMMITTED each
// statement sees what the collector that held a lock before committed, so
// a watermark walks over every stored entry and never past a gap; every
// write to a unit's entries, rollups and watermark happens under its row
// lock. The statements travel as one pgx batch: one round trip, and one
// implicit transaction that commits at the batch's end or not at all. Should
// PostgreSQL still break a deadlock (entries of two units clashing on one
// id, say), the batch fails whole: nothing is acknowledged, and the units
// send again.
func (p *Store) PutEntries(ctx context.Context, entries []wire.Entry, receivedAt time.Time) (store.PutResult, error) {
	if len(entries) == 0 {
		return store.PutResult{}, nil
	}
	res, err := p.putEntries(ctx, entries, receivedAt)
	if err != nil {
		return store.PutResult{}, fmt.Errorf("store: put %d entries: %w", len(entries), err)
	}
	return res, nil
}

func (p *Store) putEntries(ctx context.Context, entries []wire.Entry, receivedAt time.Time) (store.PutResult, error) {
	cols, err := newPGColumns(entries, receivedAt)
	if err != nil {
		return store.PutResult{}, err
	}
	first := firstOfUnits(entries)
	ids := make([]store.UnitID, 0, len(first))
	for u := range first {
		ids = append(ids, u)
	}
	slices.SortFunc(ids, func(a, b store.UnitID) int { return cmp.Or(cmp.Compare(a.Site, b.Site), cmp.Compare(a.Unit, b.Unit)) })
	sites, units := make([]string, len(ids)), make([]string, len(ids))
	for i, u := range ids {
		sites[i], units[i] = u.Site, u.Unit
	}
	b := &pgx.Batch{}
	b.Queue(pgLockUnits, sites, units, receivedAt.UnixNano())
	b.Queue(pgInsertEntries, cols.args()...)
	b.Queue(pgAdvance, sites, units)
	br := p.pool.SendBatch(ctx, b)
	res, fresh, err := readPut(br, entries, first)
	if cerr := br.Close(); err == nil && cerr != nil {
		err = cerr // the implicit transaction failed to commit
	}
	if err != nil {
		return store.PutResult{}, err
	}
	res.Conflicts, err = p.setAside(ctx, entries, fresh, receivedAt)
	return res, err
}

// firstOfUnits maps each unit in the batch to its first entry, so the
// watermarks come out in the order the units first appear, as in SQLite.
func firstOfUnits(entries []wire.Entry) map[store.UnitID]*wire.Entry {
	first := map[store.UnitID]*wire.Entry{}
	for i := range entries {
		id := store.UnitID{Site: entries[i].Site, Unit: entries[i].Unit}
		if _, ok := first[id]; !ok {
			first[id] = &entries[i]
		}
	}
	return first
}

// readPut reads the batch's three results into a PutResult whose
// watermarks are in the order the units first appear in entries.
func readPut(br pgx.BatchResults, entries []wire.Entry, first map[store.UnitID]*wire.Entry) (store.PutResult, map[store.RowKey]bool, error) {
	if _, err := br.Exec(); err != nil {
		return store.PutResult{}, nil, fmt.Errorf("lock units: %w", err)
	}
	var res store.PutResult
	fresh, err := readFresh(br)
	if err != nil {
		return store.PutResult{}, nil, fmt.Errorf("entries %s to %s: %w", entries[0].ID, entries[len(entries)-1].ID, err)
	}
	res.Inserted = len(fresh)
	rows, err := br.Query()
	if err != nil {
		return store.PutResult{}, nil, fmt.Errorf("watermarks: %w", err)
	}
	marks := map[store.UnitID]store.Watermark{}
	var id store.UnitID
	var acked, w int64
	_, err = pgx.ForEachRow(rows, []any{&id.Site, &id.Unit, &acked, &w}, func() error {
		marks[id] = store.Watermark{Site: id.Site, Unit: id.Unit, Seq: uint64(w), Moved: w != acked}
		return nil
	})
	if err != nil {
		return store.PutResult{}, nil, fmt.Errorf("watermarks: %w", err)
	}
	for i := range entries {
		e := &entries[i]
		id := store.UnitID{Site: e.Site, Unit: e.Unit}
		if m, ok := marks[id]; ok && first[id] == e {
			res.Watermarks = append(res.Watermarks, m)
		}
	}
	return res, fresh, nil
}

// readFresh reads the keys of the rows pgInsertEntries inserted.
func readFresh(br pgx.BatchResults) (map[store.RowKey]bool, error) {
	rows, err := br.Query()
	if err != nil {
		return nil, err
	}
	fresh := map[store.RowKey]bool{}
	var k store.RowKey
	var seq int64
	_, err = pgx.ForEachRow(rows, []any{&k.ID, &k.Site, &k.Unit, &seq}, func() error {
		k.Seq = uint64(seq)
		fresh[k] = true
		return nil
	})
	return fresh, err
}

// pgLockUnits creates or touches each unit's row, in sorted order: the
// row locks it takes are what orders collectors storing the same unit.
// A unit's clock may be in 1970, so last_seen is the cloud's receive time.
const pgLockUnits = `INSERT INTO units AS u (site, unit, last_seen)
	SELECT site, unit, $3 FROM unnest($1::text[], $2::text[]) AS t (site, unit) ORDER BY site, unit
	ON CONFLICT (site, unit) DO UPDATE SET
	last_seen = greatest(coalesce(u.last_seen, 0), excluded.last_seen)`

// pgAdvance moves each unit's watermark over what is now stored, and
// returns it before and after. Where it starts (acked_seq 0) follows
// Watermark's rules; the walk probes the (site, unit, seq) index one seq at a
// time and stops at the first gap, as SQLite's does, so a watermark held
// at a gap costs one probe however much is stored above it. The probe is
// a LATERAL subquery with LIMIT, which the planner cannot turn into a join:
// as an EXISTS it became a hash join that read the whole table per step.
const pgAdvance = `WITH RECURSIVE cur AS (
	SELECT u.site, u.unit, u.acked_seq AS acked,
		CASE WHEN u.acked_seq > 0 THEN u.acked_seq
			WHEN lo.seq = 1 THEN 0
			WHEN u.backlog = 0 THEN least(lo.seq - 1, u.reported_acked) END AS start
	FROM units u, LATERAL (SELECT min(seq) AS seq FROM entries e WHERE e.site = u.site AND e.unit = u.unit) lo
	WHERE (u.site, u.unit) IN (SELECT * FROM unnest($1::text[], $2::text[]))
), walk (site, unit, w) AS (
	SELECT site, unit, start FROM cur WHERE start IS NOT NULL
	UNION ALL
	SELECT walk.site, walk.unit, step.seq FROM walk, LATERAL (SELECT e.seq FROM entries e
		WHERE e.site = walk.site AND e.unit = walk.unit AND e.seq = walk.w + 1 LIMIT 1) step
), top AS (
	SELECT site, unit, max(w) AS w FROM walk GROUP BY site, unit
), moved AS (
	UPDATE units u SET acked_seq = top.w FROM top
	WHERE u.site = top.site AND u.unit = top.unit AND top.w > u.acked_seq
)
SELECT cur.site, cur.unit, cur.acked, coalesce(top.w, cur.acked) FROM cur LEFT JOIN top USING (site, unit)`

// pgColumns is a batch as the arrays pgInsertEntries unnests: one element
// per entry, plus one per (entry, metric) for the rollups.
type pgColumns struct {
	id, site, unit, bootID, lane, unitTime, kind, result, subject []string
	decision, reasons, policy, detail, alert, alertDetail         []string
	severity                                                      []string // the alert's, store.SeverityOf
	seq, ts, received, hour                                       []int64
	synced, historical                                            []bool
	raw, corrected                                                []pgtype.Float8
	idHash, phoneHash                                             []pgtype.Text // NULL but for visitors
	metricOf                                                      []int64       // 1-based index of the entry
	metric                                                        []string
}

// newPGColumns lays the batch out in columns. An entry repeated with the
// same id, site, unit and seq is left out: it could never be stored, and
// leaving it out keeps (id, site, unit, seq) unique in the batch, which is how the
// statement knows which of the batch's entries went in.
func newPGColumns(entries []wire.Entry, receivedAt time.Time) (*pgColumns, error) {
	c := &pgColumns{}
	seen := map[store.RowKey]bool{}
	for i := range entries {
		e := &entries[i]
		if e.Seq > math.MaxInt64 {
			return nil, fmt.Errorf("entry %s: seq %d does not fit PostgreSQL's BIGINT", e.ID, e.Seq)
		}
		if k := store.KeyOf(e); seen[k] {
			continue
		} else {
			seen[k] = true
		}
		if err := c.add(e, receivedAt); err != nil {
			return nil, err
		}
	}
	return c, nil
}

func (c *pgColumns) add(e *wire.Entry, receivedAt time.Time) error {
	reasons := []byte("[]")
	if len(e.Reasons) > 0 {
		var err error
		if reasons, err = json.Marshal(e.Reasons); err != nil {
			return fmt.Errorf("entry %s reasons: %w", e.ID, err)
		}
	}
	ts := store.EntryTS(e, receivedAt)
	var raw, corrected pgtype.Float8
	if t := e.Temperature; t != nil {
		raw, corrected = pgtype.Float8{Float64: t.RawC, Valid: true}, pgtype.Float8{Float64: t.CorrectedC, Valid: true}
	}
	c.id, c.site, c.unit = append(c.id, e.ID), append(c.site, e.Site), append(c.unit, e.Unit)
	c.seq, c.bootID, c.lane = append(c.seq, int64(e.Seq)), append(c.bootID, e.BootID), append(c.lane, string(e.Lane))
	c.unitTime, c.synced = append(c.unitTime, e.Time.Format(time.RFC3339Nano)), append(c.synced, e.ClockSynced)
	c.ts, c.received = append(c.ts, ts.UnixNano()), append(c.received, receivedAt.UnixNano())
	c.raw, c.corrected = append(c.raw, raw), append(c.corrected, corrected)
	c.kind, c.result = append(c.kind, string(e.Credential.Kind)), append(c.result, e.Credential.Result)
	c.subject, c.decision = append(c.subject, e.Credential.Subject), append(c.decision, string(e.Decision))
	c.reasons, c.policy = append(c.reasons, string(reasons)), append(c.policy, e.PolicyVersion)
	c.historical, c.detail = append(c.historical, e.Historical), append(c.detail, store.DetailJSON(e))
	c.hour, c.alert = append(c.hour, ts.Truncate(time.Hour).Unix()), append(c.alert, e.Alert)
	c.alertDetail = append(c.alertDetail, store.AlertDetail(e))
	c.severity = append(c.severity, store.SeverityOf(e.Alert))
	idHash, phoneHash := store.VisitorHashes(e)
	c.idHash = append(c.idHash, pgtype.Text{String: idHash.String, Valid: idHash.Valid})
	c.phoneHash = append(c.phoneHash, pgtype.Text{String: phoneHash.String, Valid: phoneHash.Valid})
	for _, m := range store.EntryMetrics(e) {
		c.metricOf, c.metric = append(c.metricOf, int64(len(c.id))), append(c.metric, m)
	}
	return nil
}

func (c *pgColumns) args() []any {
	return []any{c.id, c.site, c.unit, c.seq, c.bootID, c.lane, c.unitTime, c.synced,
		c.ts, c.received, c.raw, c.corrected, c.kind, c.result, c.subject, c.decision,
		c.reasons, c.policy, c.historical, c.detail, c.hour, c.alert, c.alertDetail,
		c.metricOf, c.metric, c.idHash, c.phoneHash, c.severity}
}

// pgInsertEntries inserts a batch's new entries (ON CONFLICT DO NOTHING
// with no target covers both the id and the (site, unit, seq) constraints), and,
// for those alone, adds to the unit and site rollups and raises alerts,
// in one statement. Rollup rows are upserted in key order, so collectors
// counting the same site's hour queue rather than deadlock.
const pgInsertEntries = `WITH b AS (
	SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::bigint[], $5::text[],
		$6::text[], $7::text[], $8::boolean[], $9::bigint[], $10::bigint[],
		$11::float8[], $12::float8[], $13::text[], $14::text[], $15::text[],
		$16::text[], $17::text[], $18::text[], $19::boolean[], $20::text[],
		$21::bigint[], $22::text[], $23::text[], $26::text[], $27::text[], $28::text[]) WITH ORDINALITY
	AS b (id, site, unit, seq, boot_id, lane, time, clock_synced, ts, received_at,
		raw_c, corrected_c, credential_kind, credential_result, credential_subject,
		decision, reasons, policy_version, historical, detail, hour, alert, alert_detail,
		id_hash, phone_hash, severity, ord)
), ins AS (
	INSERT INTO entries (` + store.EntryColumns + `)
	SELECT ` + store.EntryColumns + ` FROM b ORDER BY ord
	ON CONFLICT DO NOTHING
	RETURNING id, site, unit, seq
), fresh AS (
	SELECT b.* FROM b JOIN ins USING (id, site, unit, seq)
), hits AS (
	SELECT f.site, f.unit, f.hour, m.metric
	FROM unnest($24::bigint[], $25::text[]) AS m (ord, metric) JOIN fresh f USING (ord)
), unit_counts AS (
	INSERT INTO rollups (site, unit, hour, metric, n)
	SELECT site, unit, hour, metric, count(*) FROM hits
	GROUP BY site, unit, hour, metric ORDER BY site, unit, hour, metric
	ON CONFLICT (site, unit, metric, hour) DO UPDATE SET n = rollups.n + excluded.n
), total_counts AS (
	INSERT INTO unit_totals (site, unit, hour, n)
	SELECT site, unit, hour, count(*) FROM hits WHERE metric = 'total'
	GROUP BY site, unit, hour ORDER BY site, unit, hour
	ON CONFLICT (site, unit, hour) DO UPDATE SET n = unit_totals.n + excluded.n
), site_counts AS (
	INSERT INTO site_rollups (site, hour, metric, n)
	SELECT site, hour, metric, count(*) FROM (
		SELECT site, hour, metric FROM hits
		UNION ALL SELECT '' /* AllSites */, hour, metric FROM hits) AS s
	GROUP BY site, hour, metric ORDER BY site, hour, metric
	ON CONFLICT (site, hour, metric) DO UPDATE SET n = site_rollups.n + excluded.n
), raised AS (
	INSERT INTO alerts (id, site, unit, kind, raised_at, entry_id, detail, historical, severity)
	SELECT id, site, unit, alert, ts, id, alert_detail, historical, severity FROM fresh
	WHERE alert <> '' ORDER BY ord
	ON CONFLICT DO NOTHING
)
SELECT id, site, unit, seq FROM ins`
