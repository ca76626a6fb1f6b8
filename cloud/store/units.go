package store

import (
	"database/sql"
	"encoding/json"
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
	// SiteName and Name are what people call the site and the unit
	// (阳光花园小区, 北门), from its last status that said them.
	SiteName, Name string
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

// Decode is the device list s holds, decoded once per distinct s.
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

// DevicesJSON is d as stored, [] for none.
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
