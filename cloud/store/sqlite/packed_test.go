package sqlite

import (
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/kakou/kakou/cloud/store"
	"github.com/kakou/kakou/firmware/wire"
)

// TestUnitsReadBackAnyText: the fleet view's rows are packed by SQLite and
// taken apart in Go (packed.go), so every text a status may carry
// must come back as it went in, separators, digits, NULs and all.
func TestUnitsReadBackAnyText(t *testing.T) {
	s := openTemp(t)
	texts := []string{"", ":", " ", "12:ab", "3 4", "诊所 : 门诊", "a\x00b", "\n\t", strings.Repeat("9", 256)}
	want := map[string]store.Unit{}
	for i, txt := range texts {
		st := status("u"+string(rune('a'+i)), wire.Online)
		st.Facility, st.Firmware, st.PolicyVersion = txt, txt+"f", "p"+txt
		st.Devices = []wire.Device{{Name: txt, OK: i%2 == 0, Detail: txt}}
		backlog, oldest := i*7, t0.Add(-time.Duration(i)*time.Minute)
		st.Backlog, st.OldestUnacked, st.DiskAlarm = backlog, &oldest, i%2 == 1
		putStatus(t, s, st, received)
		want[st.Unit] = store.Unit{ID: st.Unit, Site: st.Site, Facility: txt, Lane: st.Lane,
			Online: true, LastSeen: received, Firmware: txt + "f", PolicyVersion: "p" + txt,
			Devices: st.Devices, Backlog: backlog, OldestUnacked: oldest, DiskAlarm: i%2 == 1}
		if txt == "" {
			w := want[st.Unit]
			w.Facility = "" // an empty facility keeps the earlier one: there is none
			want[st.Unit] = w
		}
	}
	got := units(t, s, t0)
	for id, w := range want {
		if g := got[id]; !reflect.DeepEqual(g, w) {
			t.Errorf("unit %s:\n got %+v\nwant %+v", id, g, w)
		}
	}
}

func TestPackedRowRefusesBrokenRows(t *testing.T) {
	for _, row := range []string{"", "5:abc", "x:abc", "-1:", "3:abc12", "3:abc1x ", "3:abc 1 "} {
		r := packedRow{rest: row}
		r.text()
		r.int()
		if err := r.done(); err == nil {
			t.Errorf("%q read as a text and an integer without error", row)
		}
	}
	r := packedRow{rest: "3:abc12  "}
	if txt, n, null := r.text(), r.nullInt(), r.nullInt(); txt != "abc" || n.Int64 != 12 || !n.Valid || null.Valid || r.done() != nil {
		t.Fatalf("read %q, %+v, %+v, %v", txt, n, null, r.done())
	}
}
