package sqlite

import (
	"context"
	"database/sql"
	"fmt"
	"time"

	jsonv2 "github.com/go-json-experiment/json"
	jsonv1 "github.com/go-json-experiment/json/v1"

	"github.com/kakou/kakou/cloud/store"
)

// migrateReports holds the named reports' runs and delivery attempts
// (store/reports.go). lease_until and done_at are unix nanoseconds;
// done_at is NULL until every recipient has the report.
const migrateReports = `CREATE TABLE report_runs (
		report      TEXT NOT NULL,
		date        TEXT NOT NULL,
		holder      TEXT NOT NULL,
		lease_until INTEGER NOT NULL,
		done_at     INTEGER,
		PRIMARY KEY (report, date)
	);
	CREATE TABLE report_deliveries (
		id        INTEGER PRIMARY KEY,
		report    TEXT NOT NULL,
		date      TEXT NOT NULL,
		recipient TEXT NOT NULL,
		attempt   INTEGER NOT NULL,
		at        INTEGER NOT NULL,
		ok        INTEGER NOT NULL,
		error     TEXT NOT NULL,
		by_name   TEXT NOT NULL
	);
	CREATE INDEX report_deliveries_report ON report_deliveries (report, date, id);`

// migrateOverrideAdmit counts, for the entries already stored, the
// overrides that let someone in (store.MetricOverrideAdmit), which
// ingest counts from now on: without it a report over a period from
// before the upgrade would show no 人工放行 at all. Entries already
// purged by retention are not counted; their rollups keep "override".
const migrateOverrideAdmit = `CREATE TEMP TABLE override_admit AS
		SELECT site, unit, ts / 1000000000 - ((ts / 1000000000) % 3600 + 3600) % 3600 AS hour, count(*) AS n
		FROM entries
		WHERE decision = 'allow' AND lane = 'in' AND instr(detail, '"override":{') > 0
		GROUP BY site, unit, hour;
	INSERT INTO rollups (unit, site, hour, metric, n)
		SELECT unit, site, hour, 'override_admit', n FROM override_admit WHERE true
		ON CONFLICT (site, unit, metric, hour) DO UPDATE SET n = n + excluded.n;
	INSERT INTO site_rollups (site, hour, metric, n)
		SELECT site, hour, 'override_admit', sum(n) FROM override_admit GROUP BY site, hour
		ON CONFLICT (site, hour, metric) DO UPDATE SET n = n + excluded.n;
	INSERT INTO site_rollups (site, hour, metric, n)
		SELECT '', hour, 'override_admit', sum(n) FROM override_admit GROUP BY hour
		ON CONFLICT (site, hour, metric) DO UPDATE SET n = n + excluded.n;
	DROP TABLE override_admit;`

// AllVisitEntries returns every site's entries at or after since that
// opened or closed a visit, by site and oldest first (store.VisitsBySite).
// In the order of the partial index entries_visits (site, ts): ordered by
// ts alone, SQLite sorted every row, detail and all. Only what matching
// visits reads is scanned (visitColumns), and the detail is decoded with
// JSON v2: decoding it was most of the time of a report over a thousand
// sites (docs/performance.md "Reports").
func (s *Store) AllVisitEntries(ctx context.Context, since time.Time) ([]store.Record, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT `+visitColumns+` FROM entries
		WHERE ts >= ? AND `+visitRows+` ORDER BY site, ts`, since.UnixNano())
	if err != nil {
		return nil, fmt.Errorf("store: visits of every site: %w", err)
	}
	defer rows.Close()
	out := []store.Record{}
	for rows.Next() {
		r, err := scanVisit(rows)
		if err != nil {
			return nil, fmt.Errorf("store: visits of every site: %w", err)
		}
		out = append(out, r)
	}
	return out, rows.Err()
}

// visitColumns are what store.MatchVisits reads of an entry.
const visitColumns = `id, site, unit, seq, time, clock_synced, received_at, credential_subject, detail`

func scanVisit(rows *sql.Rows) (store.Record, error) {
	var r store.Record
	var seq int64
	var unitTime, detail string
	var received sql.NullInt64
	e := &r.Entry
	if err := rows.Scan(&e.ID, &e.Site, &e.Unit, &seq, &unitTime, &e.ClockSynced, &received,
		&e.Credential.Subject, &detail); err != nil {
		return r, err
	}
	var d store.Detail
	if err := jsonv2.Unmarshal([]byte(detail), &d, jsonv1.DefaultOptionsV1()); err != nil {
		return r, fmt.Errorf("entry %s detail: %w", e.ID, err)
	}
	d.Apply(e)
	e.Seq, r.ReceivedAt = uint64(seq), fromNanos(received)
	var err error
	if e.Time, err = time.Parse(time.RFC3339Nano, unitTime); err != nil {
		return r, fmt.Errorf("entry %s time: %w", e.ID, err)
	}
	return r, nil
}

// ClaimReportRun makes holder the run's holder unless it is finished or
// another holds an unexpired lease (store.ReportRuns). One statement on
// the writer: SQLite has one writer, so two claims cannot interleave.
func (s *Store) ClaimReportRun(ctx context.Context, report, date, holder string, now, until time.Time) (bool, error) {
	res, err := s.w.ExecContext(ctx, `INSERT INTO report_runs (report, date, holder, lease_until) VALUES (?, ?, ?, ?)
		ON CONFLICT (report, date) DO UPDATE SET holder = excluded.holder, lease_until = excluded.lease_until
		WHERE report_runs.done_at IS NULL AND (report_runs.holder = excluded.holder OR report_runs.lease_until <= ?)`,
		report, date, holder, until.UnixNano(), now.UnixNano())
	if err != nil {
		return false, fmt.Errorf("store: claim report %s of %s: %w", report, date, err)
	}
	n, err := res.RowsAffected()
	return n == 1, err
}

// FinishReportRun marks the run done, if holder holds it.
func (s *Store) FinishReportRun(ctx context.Context, report, date, holder string, at time.Time) error {
	res, err := s.w.ExecContext(ctx, `UPDATE report_runs SET done_at = ?
		WHERE report = ? AND date = ? AND holder = ? AND done_at IS NULL`, at.UnixNano(), report, date, holder)
	if err != nil {
		return fmt.Errorf("store: finish report %s of %s: %w", report, date, err)
	}
	if n, _ := res.RowsAffected(); n != 1 {
		return fmt.Errorf("store: finish report %s of %s: %s does not hold it (its lease ended and another collector took it, or it is done)", report, date, holder)
	}
	return nil
}

// LastReportRun is the date of the report's newest finished run.
func (s *Store) LastReportRun(ctx context.Context, report string) (string, error) {
	var date sql.NullString
	err := s.db.QueryRowContext(ctx, `SELECT max(date) FROM report_runs WHERE report = ? AND done_at IS NOT NULL`, report).Scan(&date)
	if err != nil {
		return "", fmt.Errorf("store: last run of report %s: %w", report, err)
	}
	return date.String, nil
}

// PutDelivery logs one delivery attempt.
func (s *Store) PutDelivery(ctx context.Context, d store.Delivery) error {
	_, err := s.w.ExecContext(ctx, `INSERT INTO report_deliveries (report, date, recipient, attempt, at, ok, error, by_name)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?)`, d.Report, d.Date, d.Recipient, d.Attempt, d.At.UnixNano(), d.OK, d.Error, d.By)
	if err != nil {
		return fmt.Errorf("store: log delivery of report %s to %s: %w", d.Report, d.Recipient, err)
	}
	return nil
}

// Deliveries lists a report's delivery attempts, newest first.
func (s *Store) Deliveries(ctx context.Context, q store.DeliveryQuery) ([]store.Delivery, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT report, date, recipient, attempt, at, ok, error, by_name
		FROM report_deliveries WHERE report = ? AND (? = '' OR date = ?) ORDER BY id DESC LIMIT ?`,
		q.Report, q.Date, q.Date, store.Query{Limit: q.Limit}.RowLimit())
	if err != nil {
		return nil, fmt.Errorf("store: deliveries of report %s: %w", q.Report, err)
	}
	defer rows.Close()
	out := []store.Delivery{}
	for rows.Next() {
		var d store.Delivery
		var at int64
		if err := rows.Scan(&d.Report, &d.Date, &d.Recipient, &d.Attempt, &at, &d.OK, &d.Error, &d.By); err != nil {
			return nil, fmt.Errorf("store: deliveries of report %s: %w", q.Report, err)
		}
		d.At = time.Unix(0, at)
		out = append(out, d)
	}
	return out, rows.Err()
}
