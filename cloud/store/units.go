package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"math"
	"time"

	"github.com/kakou/kakou/firmware/wire"
)

// Unit is one checkpoint unit as the fleet view shows it.
type Unit struct {
	ID            string
	Site          string
	Facility      string
	Lane          wire.Lane
	Role          string    // wire.RoleGateway for a site gateway, "" for a unit
	Online        bool      // its retained status says "online"
	LastSeen      time.Time // zero if never heard from live
	Firmware      string
	PolicyVersion string
	EntriesToday  int // entries with ts at or after the day start asked for
	// Devices is the sensors' health from the unit's last live status.
	Devices []wire.Device
	// AckedSeq is the unit's watermark: the collector has stored, and
	// acknowledged, its entries up to here (see Watermark).
	AckedSeq uint64
	// ReportedAcked is how far the unit's last live status says it was
	// acknowledged, by whichever collector. It never moves AckedSeq: an
	// operator may start a watermark there (SetWatermark).
	ReportedAcked uint64
	// Backlog, OldestUnacked and DiskAlarm are what the unit's last live
	// status said of the entries it holds unacknowledged; OldestUnacked is
	// zero when it holds none.
	Backlog       int
	OldestUnacked time.Time
	DiskAlarm     bool
}

// PutStatus records a unit's birth or last-will message. Fields the message
// leaves empty keep their earlier value, since a will is composed before the
// unit knows everything about itself. For the same reason the devices and
// the backlog (Backlog, OldestUnacked, DiskAlarm) are taken from an online
// status only: the will would report them as they were at connect time.
//
// A zero receivedAt means the message is a retained copy the broker replayed
// on subscribe: it tells the unit's state but not when the unit was last
// heard from, so last_seen is left as it was.
func (s *SQLite) PutStatus(ctx context.Context, st wire.Status, receivedAt time.Time) error {
	err := s.inTx(ctx, func(tx *sql.Tx) error {
		if err := putUnitStatus(ctx, tx, st, receivedAt); err != nil {
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
	backlog, oldest, alarm := LiveBacklog(st)
	_, err := tx.ExecContext(ctx, `INSERT INTO units (site, unit, facility, lane,
		state, firmware, policy_version, boot_id, last_seen, devices,
		backlog, oldest_unacked, disk_alarm, reported_acked, role)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
		ON CONFLICT (site, unit) DO UPDATE SET
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
		st.PolicyVersion, st.BootID, nanos(receivedAt), DevicesJSON(st.Devices),
		backlog, nanos(oldest), alarm, ReportedAcked(st), st.Role)
	return err
}

// Units lists every known unit by site and id, with how many entries each
// has made since dayStart (the caller's local midnight), counted from the
// hourly totals: a zone whose midnight is not on a UTC hour counts from
// the hour before. For the day SetTimezone's zone is in, the count kept at
// ingest is read instead of summing the unit's hours.
func (s *SQLite) Units(ctx context.Context, dayStart time.Time) ([]Unit, error) {
	rows, err := s.db.QueryContext(ctx, unitsQuery, dayStart.Truncate(time.Hour).Unix())
	if err != nil {
		return nil, fmt.Errorf("store: query units: %w", err)
	}
	defer rows.Close()
	// Sized by the last listing: grown by appending, a fleet's slice of
	// 10,000 units was copied and cleared a dozen times, a tenth of the
	// fleet view's CPU.
	out, seen := make([]Unit, 0, s.fleetSize.Load()), DeviceLists{}
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

// LiveBacklog is what an online status says of the unit's backlog; a will
// says nothing (NULL, see PutStatus), which the watermark's start needs to
// tell from "nothing waits".
func LiveBacklog(st wire.Status) (backlog sql.NullInt64, oldest time.Time, alarm bool) {
	if st.State != wire.Online {
		return sql.NullInt64{}, time.Time{}, false
	}
	if st.OldestUnacked != nil {
		oldest = *st.OldestUnacked
	}
	return sql.NullInt64{Int64: int64(max(st.Backlog, 0)), Valid: true}, oldest, st.DiskAlarm
}

// DeviceLists caches decoded device lists by their JSON: most units of a
// fleet report the same few, and the fleet view reads 10,000 of them.
// Units with the same list share its slice, so callers must not modify
// Unit.Devices in place.
type DeviceLists map[string][]wire.Device

func (c DeviceLists) Decode(s string) ([]wire.Device, error) {
	if d, ok := c[s]; ok {
		return d, nil
	}
	var d []wire.Device
	if err := json.Unmarshal([]byte(s), &d); err != nil {
		return nil, err
	}
	c[s] = d
	return d, nil
}

// unitsQuery lists the units packed (sqlite_packed.go), in unpackUnit's order.
var unitsQuery = `SELECT ` + packed(packText("u.unit"), packText("u.site"), packText("u.facility"),
	packText("u.lane"), packText("u.role"), packText("u.state"), packInt("u.last_seen"),
	packText("u.firmware"), packText("u.policy_version"), packText("u.devices"),
	packInt("u.acked_seq"), packInt("u.reported_acked"), packInt("u.backlog"), packInt("u.oldest_unacked"), packInt("u.disk_alarm"),
	packInt(`CASE WHEN u.today = ?1 THEN u.today_n ELSE
		(SELECT coalesce(sum(n), 0) FROM unit_totals t WHERE t.site = u.site AND t.unit = u.unit AND t.hour >= ?1) END`)) + `
	FROM units u ORDER BY u.site, u.unit`

func unpackUnit(row string, seen DeviceLists) (Unit, error) {
	r := packedRow{rest: row}
	u := Unit{ID: r.text(), Site: r.text(), Facility: r.text(), Lane: wire.Lane(r.text()), Role: r.text()}
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
	if err := r.done(); err != nil {
		return Unit{}, err
	}
	var err error
	if u.Devices, err = seen.Decode(devices); err != nil {
		return Unit{}, err
	}
	return u, nil
}

func DevicesJSON(d []wire.Device) string {
	if d == nil {
		d = []wire.Device{}
	}
	b, _ := json.Marshal(d) // plain structs of strings and bools: cannot fail
	return string(b)
}

// ReportedAcked is the unit's own acknowledged seq, from live statuses only and
// bounded to what SQLite's INTEGER holds.
func ReportedAcked(st wire.Status) int64 {
	if st.State != wire.Online || st.AckedSeq > math.MaxInt64 {
		return 0
	}
	return int64(st.AckedSeq)
}
