package sqlite

import (
	"context"
	"database/sql"
	"fmt"
	"time"

	"github.com/kakou/kakou/cloud/store"
	"github.com/kakou/kakou/firmware/wire"
)

// PutStatus records a unit's birth or last-will message. Fields the message
// leaves empty keep their earlier value, since a will is composed before the
// unit knows everything about itself. For the same reason the devices and
// the backlog (Backlog, OldestUnacked, DiskAlarm) are taken from an online
// status only: the will would report them as they were at connect time.
//
// A zero receivedAt means the message is a retained copy the broker replayed
// on subscribe: it tells the unit's state but not when the unit was last
// heard from, so last_seen is left as it was.
func (s *Store) PutStatus(ctx context.Context, st wire.Status, receivedAt time.Time) error {
	err := s.inTx(ctx, func(tx *sql.Tx) error {
		if err := putUnitStatus(ctx, tx, st, receivedAt); err != nil {
			return err
		}
		if err := putUnitArch(ctx, tx, st.Site, st.Unit, st.Arch); err != nil { // rollouts.go
			return err
		}
		if err := putOccupancy(ctx, tx, st, receivedAt); err != nil {
			return err
		}
		return deviceAlerts(ctx, tx, st, receivedAt)
	})
	if err != nil {
		return fmt.Errorf("store: put status of %s: %w", st.Unit, err)
	}
	return nil
}

func putUnitStatus(ctx context.Context, tx *sql.Tx, st wire.Status, receivedAt time.Time) error {
	backlog, oldest, alarm := store.LiveBacklog(st)
	_, err := tx.ExecContext(ctx, `INSERT INTO units (site, unit, facility, lane,
		state, firmware, policy_version, boot_id, last_seen, devices,
		backlog, oldest_unacked, disk_alarm, reported_acked, role, site_name, unit_name)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
		ON CONFLICT (site, unit) DO UPDATE SET
		site_name = coalesce(nullif(excluded.site_name, ''), site_name),
		unit_name = coalesce(nullif(excluded.unit_name, ''), unit_name),
		facility = coalesce(nullif(excluded.facility, ''), facility),
		lane = coalesce(nullif(excluded.lane, ''), lane),
		role = coalesce(nullif(excluded.role, ''), role),
		state = excluded.state,
		firmware = coalesce(nullif(excluded.firmware, ''), firmware),
		policy_version = coalesce(nullif(excluded.policy_version, ''), policy_version),
		boot_id = coalesce(nullif(excluded.boot_id, ''), boot_id),
		last_seen = CASE WHEN excluded.last_seen IS NULL THEN last_seen
			ELSE max(coalesce(last_seen, 0), excluded.last_seen) END,
		-- a last will was written at connect time; keep the newer live report
		devices = CASE WHEN excluded.state = 'online' THEN excluded.devices ELSE devices END,
		backlog = CASE WHEN excluded.state = 'online' THEN excluded.backlog ELSE backlog END,
		oldest_unacked = CASE WHEN excluded.state = 'online' THEN excluded.oldest_unacked ELSE oldest_unacked END,
		disk_alarm = CASE WHEN excluded.state = 'online' THEN excluded.disk_alarm ELSE disk_alarm END,
		-- shown to the operator, never the watermark: a forged status must
		-- not acknowledge entries the collector never stored (SetWatermark)
		reported_acked = CASE WHEN excluded.state = 'online' THEN excluded.reported_acked ELSE reported_acked END`,
		st.Site, st.Unit, st.Facility, string(st.Lane), string(st.State), st.Firmware,
		st.PolicyVersion, st.BootID, nanos(receivedAt), store.DevicesJSON(st.Devices),
		backlog, nanos(oldest), alarm, store.ReportedAcked(st), st.Role, st.SiteName, st.UnitName)
	return err
}

// Units lists every known unit by site and id, with how many entries each
// has made since dayStart (the caller's local midnight), counted from the
// hourly totals: a zone whose midnight is not on a UTC hour counts from
// the hour before. For the day SetTimezone's zone is in, the count kept at
// ingest is read instead of summing the unit's hours.
func (s *Store) Units(ctx context.Context, dayStart time.Time) ([]store.Unit, error) {
	rows, err := s.db.QueryContext(ctx, unitsQuery, dayStart.Truncate(time.Hour).Unix())
	if err != nil {
		return nil, fmt.Errorf("store: query units: %w", err)
	}
	defer rows.Close()
	// Sized by the last listing: grown by appending, a fleet's slice of
	// 10,000 units was copied and cleared a dozen times, a tenth of the
	// fleet view's CPU.
	out, seen := make([]store.Unit, 0, s.fleetSize.Load()), store.DeviceLists{}
	var row string // one for all: Scan makes what it is given escape
	for rows.Next() {
		if err := rows.Scan(&row); err != nil {
			return nil, fmt.Errorf("store: read unit: %w", err)
		}
		u, err := unpackUnit(row, seen)
		if err != nil {
			return nil, fmt.Errorf("store: read unit: %w", err)
		}
		out = append(out, u)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("store: query units: %w", err)
	}
	s.fleetSize.Store(int64(len(out)))
	return out, nil
}

// unitsQuery lists the units packed (packed.go), in unpackUnit's order.
var unitsQuery = `SELECT ` + packed(packText("u.unit"), packText("u.site"), packText("u.facility"),
	packText("u.lane"), packText("u.role"), packText("u.state"), packInt("u.last_seen"),
	packText("u.firmware"), packText("u.policy_version"), packText("u.devices"),
	packInt("u.acked_seq"), packInt("u.reported_acked"), packInt("u.backlog"), packInt("u.oldest_unacked"), packInt("u.disk_alarm"),
	packInt(`CASE WHEN u.today = ?1 THEN u.today_n ELSE
		(SELECT coalesce(sum(n), 0) FROM unit_totals t WHERE t.site = u.site AND t.unit = u.unit AND t.hour >= ?1) END`),
	packText("u.site_name"), packText("u.unit_name")) + `
	FROM units u ORDER BY u.site, u.unit`

func unpackUnit(row string, seen store.DeviceLists) (store.Unit, error) {
	r := packedRow{rest: row}
	u := store.Unit{ID: r.text(), Site: r.text(), Facility: r.text(), Lane: wire.Lane(r.text()), Role: r.text()}
	u.Online = r.text() == string(wire.Online)
	u.LastSeen = fromNanos(r.nullInt())
	u.Firmware, u.PolicyVersion = r.text(), r.text()
	devices := r.text()
	acked, _ := r.int()
	reported, _ := r.int()
	backlog, _ := r.int()
	u.AckedSeq, u.ReportedAcked, u.Backlog = uint64(acked), uint64(reported), int(backlog)
	u.OldestUnacked = fromNanos(r.nullInt())
	alarm, _ := r.int()
	today, _ := r.int()
	u.DiskAlarm, u.EntriesToday = alarm != 0, int(today)
	u.SiteName, u.Name = r.text(), r.text()
	if err := r.done(); err != nil {
		return store.Unit{}, err
	}
	var err error
	if u.Devices, err = seen.Decode(devices); err != nil {
		return store.Unit{}, err
	}
	return u, nil
}
