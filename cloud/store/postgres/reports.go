package postgres

import (
	"context"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/kakou/kakou/cloud/store"
)

// pgMigrateReports is SQLite's migrateReports (cloud/store/sqlite
// reports.go) in PostgreSQL's words.
const pgMigrateReports = `CREATE TABLE report_runs (
		report      TEXT COLLATE "C" NOT NULL,
		date        TEXT COLLATE "C" NOT NULL,
		holder      TEXT NOT NULL,
		lease_until BIGINT NOT NULL,
		done_at     BIGINT,
		PRIMARY KEY (report, date)
	);
	CREATE TABLE report_deliveries (
		id        BIGSERIAL PRIMARY KEY,
		report    TEXT COLLATE "C" NOT NULL,
		date      TEXT COLLATE "C" NOT NULL,
		recipient TEXT NOT NULL,
		attempt   INT NOT NULL,
		at        BIGINT NOT NULL,
		ok        BOOLEAN NOT NULL,
		error     TEXT NOT NULL,
		by_name   TEXT NOT NULL
	);
	CREATE INDEX report_deliveries_report ON report_deliveries (report, date, id);`

// pgMigrateOverrideAdmit is SQLite's migrateOverrideAdmit: the overrides
// that let someone in, counted for the entries already stored.
const pgMigrateOverrideAdmit = `CREATE TEMP TABLE override_admit ON COMMIT DROP AS
		SELECT site, unit, floor(ts / 1000000000.0 / 3600)::BIGINT * 3600 AS hour, count(*) AS n
		FROM entries
		WHERE decision = 'allow' AND lane = 'in' AND strpos(detail, '"override":{') > 0
		GROUP BY 1, 2, 3;
	INSERT INTO rollups (unit, site, hour, metric, n)
		SELECT unit, site, hour, 'override_admit', n FROM override_admit
		ON CONFLICT (site, unit, metric, hour) DO UPDATE SET n = rollups.n + excluded.n;
	INSERT INTO site_rollups (site, hour, metric, n)
		SELECT site, hour, 'override_admit', sum(n) FROM override_admit GROUP BY site, hour
		ON CONFLICT (site, hour, metric) DO UPDATE SET n = site_rollups.n + excluded.n;
	INSERT INTO site_rollups (site, hour, metric, n)
		SELECT '', hour, 'override_admit', sum(n) FROM override_admit GROUP BY hour
		ON CONFLICT (site, hour, metric) DO UPDATE SET n = site_rollups.n + excluded.n;`

// AllVisitEntries returns every site's visit entries since since, oldest
// first (store.VisitsBySite).
func (p *Store) AllVisitEntries(ctx context.Context, since time.Time) ([]store.Record, error) {
	rows, err := p.pool.Query(ctx, `SELECT `+store.RecordColumns+` FROM entries
		WHERE ts >= $1 AND `+pgVisitRows+` ORDER BY site, ts`, since.UnixNano())
	return collectRecords(rows, err, "visits of every site")
}

// ClaimReportRun: see SQLite's. One statement: PostgreSQL locks the row
// for the conflict's update, so of two collectors claiming at once one
// sees the other's lease and claims nothing.
func (p *Store) ClaimReportRun(ctx context.Context, report, date, holder string, now, until time.Time) (bool, error) {
	tag, err := p.pool.Exec(ctx, `INSERT INTO report_runs (report, date, holder, lease_until) VALUES ($1, $2, $3, $4)
		ON CONFLICT (report, date) DO UPDATE SET holder = excluded.holder, lease_until = excluded.lease_until
		WHERE report_runs.done_at IS NULL AND (report_runs.holder = excluded.holder OR report_runs.lease_until <= $5)`,
		report, date, holder, until.UnixNano(), now.UnixNano())
	if err != nil {
		return false, fmt.Errorf("store: claim report %s of %s: %w", report, date, err)
	}
	return tag.RowsAffected() == 1, nil
}

// FinishReportRun marks the run done, if holder holds it.
func (p *Store) FinishReportRun(ctx context.Context, report, date, holder string, at time.Time) error {
	tag, err := p.pool.Exec(ctx, `UPDATE report_runs SET done_at = $1
		WHERE report = $2 AND date = $3 AND holder = $4 AND done_at IS NULL`, at.UnixNano(), report, date, holder)
	if err != nil {
		return fmt.Errorf("store: finish report %s of %s: %w", report, date, err)
	}
	if tag.RowsAffected() != 1 {
		return fmt.Errorf("store: finish report %s of %s: %s does not hold it (its lease ended and another collector took it, or it is done)", report, date, holder)
	}
	return nil
}

// LastReportRun is the date of the report's newest finished run.
func (p *Store) LastReportRun(ctx context.Context, report string) (string, error) {
	var date *string
	err := p.pool.QueryRow(ctx, `SELECT max(date) FROM report_runs WHERE report = $1 AND done_at IS NOT NULL`, report).Scan(&date)
	if err != nil {
		return "", fmt.Errorf("store: last run of report %s: %w", report, err)
	}
	if date == nil {
		return "", nil
	}
	return *date, nil
}

// PutDelivery logs one delivery attempt.
func (p *Store) PutDelivery(ctx context.Context, d store.Delivery) error {
	_, err := p.pool.Exec(ctx, `INSERT INTO report_deliveries (report, date, recipient, attempt, at, ok, error, by_name)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8)`, d.Report, d.Date, d.Recipient, d.Attempt, d.At.UnixNano(), d.OK, d.Error, d.By)
	if err != nil {
		return fmt.Errorf("store: log delivery of report %s to %s: %w", d.Report, d.Recipient, err)
	}
	return nil
}

// Deliveries lists a report's delivery attempts, newest first.
func (p *Store) Deliveries(ctx context.Context, q store.DeliveryQuery) ([]store.Delivery, error) {
	rows, err := p.pool.Query(ctx, `SELECT report, date, recipient, attempt, at, ok, error, by_name
		FROM report_deliveries WHERE report = $1 AND ($2 = '' OR date = $2) ORDER BY id DESC LIMIT $3`,
		q.Report, q.Date, store.Query{Limit: q.Limit}.RowLimit())
	if err != nil {
		return nil, fmt.Errorf("store: deliveries of report %s: %w", q.Report, err)
	}
	out := []store.Delivery{}
	var d store.Delivery
	var at int64
	_, err = pgx.ForEachRow(rows, []any{&d.Report, &d.Date, &d.Recipient, &d.Attempt, &at, &d.OK, &d.Error, &d.By}, func() error {
		d.At = time.Unix(0, at)
		out = append(out, d)
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("store: deliveries of report %s: %w", q.Report, err)
	}
	return out, nil
}
