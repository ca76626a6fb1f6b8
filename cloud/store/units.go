package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"time"

	"github.com/kakou/kakou/firmware/wire"
)

// Unit is one checkpoint unit as the fleet view shows it.
type Unit struct {
	ID            string
	Site          string
	Facility      string
	Lane          wire.Lane
	Online        bool      // its retained status says "online"
	LastSeen      time.Time // zero if never heard from live
	Firmware      string
	PolicyVersion string
	EntriesToday  int // entries with ts at or after the day start asked for
	// Devices is the sensors' health from the unit's last live status.
	Devices []wire.Device
}

// touchUnits makes sure every unit that sent entries has a row and moves
// its last_seen forward. A unit's clock may be in 1970, so last_seen is the
// cloud's receive time, never the unit's.
func touchUnits(ctx context.Context, tx *sql.Tx, entries []wire.Entry, receivedAt time.Time) error {
	seen := map[string]bool{}
	for _, e := range entries {
		if seen[e.Unit] {
			continue
		}
		seen[e.Unit] = true
		_, err := tx.ExecContext(ctx, `INSERT INTO units (unit, site, last_seen) VALUES (?, ?, ?)
			ON CONFLICT (unit) DO UPDATE SET site = excluded.site,
			last_seen = max(coalesce(last_seen, 0), excluded.last_seen)`,
			e.Unit, e.Site, receivedAt.UnixNano())
		if err != nil {
			return fmt.Errorf("unit %s: %w", e.Unit, err)
		}
	}
	return nil
}

// PutStatus records a unit's birth or last-will message. Fields the message
// leaves empty keep their earlier value, since a will is composed before the
// unit knows everything about itself.
//
// A zero receivedAt means the message is a retained copy the broker replayed
// on subscribe: it tells the unit's state but not when the unit was last
// heard from, so last_seen is left as it was.
func (s *SQLite) PutStatus(ctx context.Context, st wire.Status, receivedAt time.Time) error {
	_, err := s.db.ExecContext(ctx, `INSERT INTO units (unit, site, facility, lane,
		state, firmware, policy_version, boot_id, last_seen, devices)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
		ON CONFLICT (unit) DO UPDATE SET
		site = excluded.site,
		facility = coalesce(nullif(excluded.facility, ''), facility),
		lane = coalesce(nullif(excluded.lane, ''), lane),
		state = excluded.state,
		firmware = coalesce(nullif(excluded.firmware, ''), firmware),
		policy_version = coalesce(nullif(excluded.policy_version, ''), policy_version),
		boot_id = coalesce(nullif(excluded.boot_id, ''), boot_id),
		last_seen = CASE WHEN excluded.last_seen IS NULL THEN last_seen
			ELSE max(coalesce(last_seen, 0), excluded.last_seen) END,
		-- a last will was written at connect time; keep the newer live report
		devices = CASE WHEN excluded.state = 'online' THEN excluded.devices ELSE devices END`,
		st.Unit, st.Site, st.Facility, string(st.Lane), string(st.State), st.Firmware,
		st.PolicyVersion, st.BootID, nanos(receivedAt), devicesJSON(st.Devices))
	if err != nil {
		return fmt.Errorf("store: put status of %s: %w", st.Unit, err)
	}
	return nil
}

// Units lists every known unit by site and id, with how many entries each
// has made since dayStart (the caller's local midnight).
func (s *SQLite) Units(ctx context.Context, dayStart time.Time) ([]Unit, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT u.unit, u.site, u.facility, u.lane,
		u.state, u.last_seen, u.firmware, u.policy_version, u.devices,
		(SELECT count(*) FROM entries e WHERE e.unit = u.unit AND e.ts >= ?)
		FROM units u ORDER BY u.site, u.unit`, dayStart.UnixNano())
	if err != nil {
		return nil, fmt.Errorf("store: query units: %w", err)
	}
	defer rows.Close()
	out := []Unit{}
	for rows.Next() {
		var u Unit
		var state string
		var lastSeen sql.NullInt64
		var devices string
		err := rows.Scan(&u.ID, &u.Site, &u.Facility, &u.Lane, &state, &lastSeen,
			&u.Firmware, &u.PolicyVersion, &devices, &u.EntriesToday)
		if err == nil {
			err = json.Unmarshal([]byte(devices), &u.Devices)
		}
		if err != nil {
			return nil, fmt.Errorf("store: read unit: %w", err)
		}
		u.Online, u.LastSeen = state == string(wire.Online), fromNanos(lastSeen)
		out = append(out, u)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("store: query units: %w", err)
	}
	return out, nil
}

func devicesJSON(d []wire.Device) string {
	if d == nil {
		d = []wire.Device{}
	}
	b, _ := json.Marshal(d) // plain structs of strings and bools: cannot fail
	return string(b)
}
