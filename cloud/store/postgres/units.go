package postgres

import (
	"context"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgtype"

	"github.com/kakou/kakou/cloud/store"
	"github.com/kakou/kakou/firmware/wire"
)

// PutStatus records a unit's birth or last-will message and raises or
// resolves its device alerts, with SQLite's rules (see sqlite.Store.PutStatus
// and deviceAlerts). The unit's row is written first, which locks it, so
// two collectors handling statuses of one unit check for an open device
// alert one after the other and raise it once. The statements travel as
// one batch: one round trip, one implicit transaction.
func (p *Store) PutStatus(ctx context.Context, st wire.Status, receivedAt time.Time) error {
	backlog, oldest, alarm := store.LiveBacklog(st)
	b := &pgx.Batch{}
	b.Queue(pgPutStatus, st.Site, st.Unit, st.Facility, string(st.Lane), string(st.State),
		st.Firmware, st.PolicyVersion, st.BootID, pgNanos(receivedAt), store.DevicesJSON(st.Devices),
		pgtype.Int8{Int64: backlog.Int64, Valid: backlog.Valid}, pgNanos(oldest), alarm, store.ReportedAcked(st), st.Role,
		st.SiteName, st.UnitName)
	queueArch(b, st.Site, st.Unit, st.Arch) // rollouts.go
	queueOccupancy(b, st, receivedAt)
	if st.State == wire.Online && !receivedAt.IsZero() {
		for _, d := range st.Devices {
			if d.OK {
				b.Queue(pgResolveDevice, receivedAt.UnixNano(), st.Site, st.Unit, store.LikePrefix(d.Name+":"))
			} else {
				b.Queue(pgRaiseDevice, store.DeviceAlertID(st.Site, st.Unit, d.Name, receivedAt), st.Site, st.Unit,
					receivedAt.UnixNano(), d.Name+": "+d.Detail, store.LikePrefix(d.Name+":"))
			}
		}
	}
	if err := p.pool.SendBatch(ctx, b).Close(); err != nil {
		return fmt.Errorf("store: put status of %s: %w", st.Unit, err)
	}
	return nil
}

// pgPutStatus is putUnitStatus's upsert: fields a status leaves empty keep
// their value, the backlog and devices come from live statuses only, and
// last_seen only moves forward; what the unit says of its acknowledgement
// is kept apart from the watermark.
const pgPutStatus = `INSERT INTO units AS u (site, unit, facility, lane,
	state, firmware, policy_version, boot_id, last_seen, devices,
	backlog, oldest_unacked, disk_alarm, reported_acked, role, site_name, unit_name)
	VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17)
	ON CONFLICT (site, unit) DO UPDATE SET
	site_name = coalesce(nullif(excluded.site_name, ''), u.site_name),
	unit_name = coalesce(nullif(excluded.unit_name, ''), u.unit_name),
	facility = coalesce(nullif(excluded.facility, ''), u.facility),
	lane = coalesce(nullif(excluded.lane, ''), u.lane),
	role = coalesce(nullif(excluded.role, ''), u.role),
	state = excluded.state,
	firmware = coalesce(nullif(excluded.firmware, ''), u.firmware),
	policy_version = coalesce(nullif(excluded.policy_version, ''), u.policy_version),
	boot_id = coalesce(nullif(excluded.boot_id, ''), u.boot_id),
	last_seen = CASE WHEN excluded.last_seen IS NULL THEN u.last_seen
		ELSE greatest(coalesce(u.last_seen, 0), excluded.last_seen) END,
	devices = CASE WHEN excluded.state = 'online' THEN excluded.devices ELSE u.devices END,
	backlog = CASE WHEN excluded.state = 'online' THEN excluded.backlog ELSE u.backlog END,
	oldest_unacked = CASE WHEN excluded.state = 'online' THEN excluded.oldest_unacked ELSE u.oldest_unacked END,
	disk_alarm = CASE WHEN excluded.state = 'online' THEN excluded.disk_alarm ELSE u.disk_alarm END,
	reported_acked = CASE WHEN excluded.state = 'online' THEN excluded.reported_acked ELSE u.reported_acked END`

// A device alert is known by its unit and the device name that starts its
// detail ("thermometer: ..."); see deviceAlerts.
const (
	pgResolveDevice = `UPDATE alerts SET resolved_at = $1
		WHERE site = $2 AND unit = $3 AND kind = 'device' AND entry_id = '' AND resolved_at IS NULL
		AND detail LIKE $4 ESCAPE '\'`
	pgRaiseDevice = `INSERT INTO alerts (id, site, unit, kind, raised_at, detail, severity)
		SELECT $1, $2, $3, 'device', $4, $5, '` + store.SeverityMedium + `' WHERE NOT EXISTS (SELECT FROM alerts
		WHERE site = $2 AND unit = $3 AND kind = 'device' AND resolved_at IS NULL AND detail LIKE $6 ESCAPE '\')
		ON CONFLICT DO NOTHING`
)

// Units lists every known unit by site and id, with how many entries each
// has made since dayStart, from the hourly rollups (see sqlite.Store.Units).
func (p *Store) Units(ctx context.Context, dayStart time.Time) ([]store.Unit, error) {
	rows, err := p.pool.Query(ctx, `SELECT u.unit, u.site, u.facility, u.lane, u.role,
		u.state, u.last_seen, u.firmware, u.policy_version, u.devices,
		u.acked_seq, u.reported_acked, coalesce(u.backlog, 0), u.oldest_unacked, u.disk_alarm,
		(SELECT coalesce(sum(n), 0)::bigint FROM unit_totals t WHERE t.site = u.site AND t.unit = u.unit AND t.hour >= $1),
		u.site_name, u.unit_name
		FROM units u ORDER BY u.site, u.unit`, dayStart.Truncate(time.Hour).Unix())
	if err != nil {
		return nil, fmt.Errorf("store: query units: %w", err)
	}
	out, seen := []store.Unit{}, store.DeviceLists{}
	var u store.Unit
	var state, devices string
	var lastSeen, oldest pgtype.Int8
	var acked, reported int64
	_, err = pgx.ForEachRow(rows, []any{&u.ID, &u.Site, &u.Facility, &u.Lane, &u.Role, &state, &lastSeen,
		&u.Firmware, &u.PolicyVersion, &devices, &acked, &reported, &u.Backlog, &oldest,
		&u.DiskAlarm, &u.EntriesToday, &u.SiteName, &u.Name}, func() error {
		var err error
		if u.Devices, err = seen.Decode(devices); err != nil {
			return fmt.Errorf("unit %s devices: %w", u.ID, err)
		}
		u.Online, u.LastSeen = state == string(wire.Online), pgTime(lastSeen)
		u.AckedSeq, u.ReportedAcked, u.OldestUnacked = uint64(acked), uint64(reported), pgTime(oldest)
		out = append(out, u)
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("store: query units: %w", err)
	}
	return out, nil
}

// pgNanos and pgTime convert at the SQL edge; a zero time is stored as
// NULL, as nanos and fromNanos do for SQLite.
func pgNanos(t time.Time) pgtype.Int8 {
	if t.IsZero() {
		return pgtype.Int8{}
	}
	return pgtype.Int8{Int64: t.UnixNano(), Valid: true}
}

func pgTime(n pgtype.Int8) time.Time {
	if !n.Valid {
		return time.Time{}
	}
	return time.Unix(0, n.Int64).UTC()
}
