package api

import (
	"encoding/binary"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/kakou/kakou/firmware/wire"
)

// FuzzStaffBookingBody: whatever a member of staff's browser sends, the
// check either refuses it or leaves a booking the site's schedule and the
// wire's bounds accept, and never panics.
func FuzzStaffBookingBody(f *testing.F) {
	next := slotAt(10, 30)
	for _, seed := range []string{
		bookingBody(next, 1), bookingBody(next, 7), bookingBody(slotAt(9, 0), 1),
		`{"visitor":{"name":"李","phone":"13800000001"}}`, `{"visitor":{"name":"李","phone":"13800000001"},"party":2}`,
		`{"visitor":{"name":"","phone":"1"},"slot":{"s":-1,"e":9223372036854775807}}`,
		`{"visitor":{"name":"李\u200b","phone":"13800000001","id":"X"}}`, `null`, `[]`, `{`, ``,
	} {
		f.Add(seed)
	}
	vs := VenueSite{Fields: []string{"name", "phone"}, Required: []string{"name", "phone"}, Appointments: testSchedule()}
	f.Fuzz(func(t *testing.T, body string) {
		var req staffBooking
		dec := json.NewDecoder(strings.NewReader(body))
		dec.DisallowUnknownFields()
		if dec.Decode(&req) != nil || checkStaffBooking(&req, vs, now) != nil {
			return
		}
		if req.Slot != nil && (!vs.Appointments.Has(*req.Slot) || req.Party < 1 || req.Party > wire.MaxParty) {
			t.Fatalf("accepted %q: slot %+v party %d", body, req.Slot, req.Party)
		}
		if req.Visitor.Validate() != nil || req.Visitor.Phone == "" || req.Visitor.IDNumber != "" {
			t.Fatalf("accepted %q: visitor %+v", body, req.Visitor)
		}
	})
}

// FuzzViewDay: ?day= is refused or a local midnight within the reach.
func FuzzViewDay(f *testing.F) {
	for _, seed := range []string{"", "2022-04-02", "9999-12-31", "0000-01-01", "2022-02-29", "2022-4-2", "4月2日"} {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, v string) {
		d, err := parseViewDay(v, now, cst)
		if err != nil {
			return
		}
		if d.Hour() != 0 || d.Minute() != 0 || d.Sub(now).Abs() > (maxDayViewReach+1)*24*time.Hour {
			t.Fatalf("day %q read as %v", v, d)
		}
	})
}

// FuzzRealignFace: a font file from [venue] poster_font, however broken,
// is refused or copied, never read out of bounds.
func FuzzRealignFace(f *testing.F) {
	one := make([]byte, 12+16+8)
	copy(one, "\x00\x01\x00\x00")
	binary.BigEndian.PutUint16(one[4:], 1)
	copy(one[12:], "cmap")
	binary.BigEndian.PutUint32(one[20:], 29) // unaligned, as in wqy-zenhei
	binary.BigEndian.PutUint32(one[24:], 7)
	ttc := append([]byte("ttcf\x00\x01\x00\x00\x00\x00\x00\x01\x00\x00\x00\x10"), one...)
	for _, seed := range [][]byte{one, ttc, []byte("ttcf"), {}, []byte("not a font at all")} {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, src []byte) {
		out, err := realignFace(src, 0)
		if err != nil {
			return
		}
		num := int(binary.BigEndian.Uint16(out[4:]))
		for k := range num {
			off := binary.BigEndian.Uint32(out[12+16*k+8:])
			if off%4 != 0 || int(off)+int(binary.BigEndian.Uint32(out[12+16*k+12:])) > len(out) {
				t.Fatalf("table %d at %d of %d bytes", k, off, len(out))
			}
		}
	})
}
