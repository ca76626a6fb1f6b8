package wire

import (
	"crypto/ed25519"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"
)

func sampleStaffRoster() StaffRoster {
	return StaffRoster{Schema: SchemaVersion, Site: "sunshine-school", Unit: "main-gate", Version: 3,
		IssuedAt: time.Date(2026, 11, 23, 7, 0, 0, 0, time.UTC), IssuedBy: "教务处",
		Members: []StaffMember{{ID: "T-001", Name: "王**", Group: GroupTeacher, Class: "三年级2班"},
			{ID: "P2026000123", Name: "李*", Group: GroupPupil, Class: "三年级2班"},
			{ID: "W-17", Name: "赵**", Group: GroupWorker, Class: "后勤"}}}
}

// staffSeedEntries are a scanned staff check and a roll-call tick, for the
// entry fuzz targets.
func staffSeedEntries() []Entry {
	scan := sampleEntry()
	scan.StaffCheck = &StaffCheck{ID: "P-0012", Round: "晨检", Day: "2026-11-23"}
	tick := sampleDutyEntry()
	tick.Record = &Record{Kind: RecordStaffCheck, GuardName: "王老师"}
	tick.Temperature = &Temperature{RawC: 37.6, CorrectedC: 37.6, Source: SourceManual}
	tick.Alert = "fever"
	tick.StaffCheck = &StaffCheck{ID: "P2026000123", Round: "午检", Day: "2026-11-23"}
	return []Entry{scan, tick}
}

func TestSignedStaffRosterVerifiesAndTamperingIsRefused(t *testing.T) {
	pub, priv, _ := ed25519.GenerateKey(nil)
	other, otherPriv, _ := ed25519.GenerateKey(nil)
	r := sampleStaffRoster()
	if err := VerifyStaffRoster(&r, pub); !errors.Is(err, ErrStaffUnsigned) {
		t.Fatalf("unsigned: %v, want ErrStaffUnsigned", err)
	}
	SignStaffRoster(&r, priv)
	if err := VerifyStaffRoster(&r, other, pub); err != nil {
		t.Fatalf("signed roster refused: %v", err)
	}
	tamper := []func(*StaffRoster){
		func(r *StaffRoster) { r.Members[1].Class = "三年级3班" },
		func(r *StaffRoster) { r.Members[0].Group = GroupPupil },
		func(r *StaffRoster) { r.Members = r.Members[:2] },
		func(r *StaffRoster) { r.Unit = "side-gate" },
		func(r *StaffRoster) { r.Version++ },
		func(r *StaffRoster) { r.IssuedAt = r.IssuedAt.Add(time.Nanosecond) },
		func(r *StaffRoster) { r.Signature = "AAAA" },
	}
	for i, f := range tamper {
		q := r
		q.Members = append([]StaffMember(nil), r.Members...)
		f(&q)
		if err := VerifyStaffRoster(&q, pub); !errors.Is(err, ErrStaffBadSignature) {
			t.Errorf("tampering %d: %v, want ErrStaffBadSignature", i, err)
		}
	}
	// Neither a guard roster's nor a policy's signature by the same key passes.
	g := GuardRoster{Schema: 1, Site: r.Site, Unit: r.Unit, Version: r.Version, IssuedAt: r.IssuedAt, IssuedBy: r.IssuedBy}
	SignRoster(&g, otherPriv)
	p := samplePush()
	SignPolicy(&p, otherPriv)
	for _, sig := range []string{g.Signature, p.Signature} {
		q := r
		q.Signature = sig
		if VerifyStaffRoster(&q, other) == nil {
			t.Fatal("another document's signature passed as a staff roster's")
		}
	}
}

func TestStaffRosterRefusesUnmaskedNamesBadGroupsAndDuplicates(t *testing.T) {
	for name, f := range map[string]func(*StaffRoster){
		"full name":     func(r *StaffRoster) { r.Members[0].Name = "王小明" },
		"only a star":   func(r *StaffRoster) { r.Members[0].Name = "*" },
		"no mask":       func(r *StaffRoster) { r.Members[0].Name = "王" },
		"group":         func(r *StaffRoster) { r.Members[0].Group = "parent" },
		"id":            func(r *StaffRoster) { r.Members[0].ID = "a/b" },
		"duplicate":     func(r *StaffRoster) { r.Members[1].ID = r.Members[0].ID },
		"long class":    func(r *StaffRoster) { r.Members[0].Class = strings.Repeat("班", 17) },
		"control class": func(r *StaffRoster) { r.Members[0].Class = "a\nb" },
		"version 0":     func(r *StaffRoster) { r.Version = 0 },
	} {
		r := sampleStaffRoster()
		f(&r)
		if err := r.Validate(); err == nil {
			t.Errorf("%s: accepted", name)
		}
	}
}

// A school of 3,000 pupils fits one message; a payload beyond the cap is
// refused before it is decoded.
func TestStaffRosterOfASchoolFitsAndBeyondTheCapIsRefused(t *testing.T) {
	r := sampleStaffRoster()
	r.Members = nil
	for i := range 3000 {
		r.Members = append(r.Members, StaffMember{ID: fmt.Sprintf("P2026%06d", i), Name: "张**",
			Group: GroupPupil, Class: fmt.Sprintf("%d年级%d班", i%6+1, i%12+1)})
	}
	b := mustJSON(t, r)
	if len(b) > MaxStaffRosterPayload/2 {
		t.Fatalf("3,000 pupils take %d bytes, more than half the %d cap", len(b), MaxStaffRosterPayload)
	}
	if _, err := DecodeStaffRoster(b); err != nil {
		t.Fatal(err)
	}
	big := append(b[:len(b)-1:len(b)-1], []byte(`,"x":"`+strings.Repeat("a", MaxStaffRosterPayload)+`"}`)...)
	if _, err := DecodeStaffRoster(big); err == nil || !strings.Contains(err.Error(), "limit") {
		t.Fatalf("oversized roster: %v", err)
	}
	r.Members = append(r.Members, make([]StaffMember, MaxStaff)...)
	if err := r.Validate(); err == nil {
		t.Fatal("more than MaxStaff members accepted")
	}
}

func TestStaffCheckRidesOnlyOnAPersonOrATick(t *testing.T) {
	for _, e := range staffSeedEntries() {
		if _, err := DecodeEntry(mustJSON(t, e)); err != nil {
			t.Fatalf("%+v: %v", e.StaffCheck, err)
		}
	}
	tick := staffSeedEntries()[1]
	tick.StaffCheck = nil
	if tick.Validate() == nil {
		t.Error("a staff_check record without its block accepted")
	}
	duty := sampleDutyEntry()
	duty.StaffCheck = &StaffCheck{ID: "P-1", Round: "晨检", Day: "2026-11-23"}
	if duty.Validate() == nil {
		t.Error("a staff check on a duty record accepted")
	}
	for _, sc := range []StaffCheck{{ID: "", Round: "晨检", Day: "2026-11-23"},
		{ID: "P-1", Round: "", Day: "2026-11-23"}, {ID: "P-1", Round: "晨检", Day: "9999-99-99"},
		{ID: "P-1", Round: strings.Repeat("检", 17), Day: "2026-11-23"}} {
		e := sampleEntry()
		e.StaffCheck = &sc
		if e.Validate() == nil {
			t.Errorf("%+v accepted", sc)
		}
	}
}

func TestStatusStaffRoundIsValidated(t *testing.T) {
	s := Status{Schema: 1, Site: "s", Unit: "u", State: Online, Time: time.Unix(0, 0),
		StaffRound: &StaffRound{Day: "2026-11-23", Round: "晨检", Rounds: 3, EndsAt: time.Date(2026, 11, 23, 1, 0, 0, 0, time.UTC)}}
	if _, err := DecodeStatus(mustJSON(t, s)); err != nil {
		t.Fatal(err)
	}
	for _, f := range []func(*StaffRound){func(r *StaffRound) { r.Rounds = 0 },
		func(r *StaffRound) { r.EndsAt = time.Date(9999, 1, 1, 0, 0, 0, 0, time.UTC) },
		func(r *StaffRound) { r.Day = "today" }} {
		q := *s.StaffRound
		f(&q)
		s2 := s
		s2.StaffRound = &q
		if _, err := DecodeStatus(mustJSON(t, s2)); err == nil {
			t.Errorf("%+v accepted", q)
		}
	}
}

func TestStaffTopicIsReadableByItsUnitOnly(t *testing.T) {
	if got := StaffTopic("s1", "u1"); got != "kakou/v1/s1/u1/staff" {
		t.Fatal(got)
	}
	if !(Grant{Site: "s1", Unit: "u1"}).Allows("kakou/v1/s1/u1/staff", false) {
		t.Fatal("unit may not read its staff roster")
	}
	if (Grant{Site: "s1", Unit: "u1"}).Allows("kakou/v1/s1/u2/staff", false) ||
		(Grant{Site: "s1", Unit: "u1"}).Allows("kakou/v1/s1/u1/staff", true) {
		t.Fatal("unit may read another's roster or write its own")
	}
}

func FuzzDecodeStaffRoster(f *testing.F) {
	good, _ := json.Marshal(sampleStaffRoster())
	for _, seed := range []string{string(good), `{}`, `{"schema":1}`, `{"schema":1,"site":"a","unit":"b","version":1,"members":null}`,
		`{"schema":1,"site":"a","unit":"b","version":1,"members":[{"id":"x","name":"王*","group":"pupil"}]}`,
		`{"schema":1,"site":"a","unit":"b","version":1,"members":[{"id":"x","name":"王五","group":"pupil"}]}`,
		strings.Replace(string(good), `"version":3`, `"version":-1`, 1), `[`, ``} {
		f.Add([]byte(seed))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		r, err := DecodeStaffRoster(b)
		if err != nil {
			return
		}
		if r.Validate() != nil {
			t.Fatal("decoded a roster that does not validate")
		}
		if _, err := DecodeStaffRoster(mustJSON(t, r)); err != nil {
			t.Fatalf("re-encoded roster refused: %v", err)
		}
	})
}

// BenchmarkDecodeStaffRoster3000 is a unit taking a school's roster of
// 3,000 pupils (docs/performance.md "The roll call").
func BenchmarkDecodeStaffRoster3000(b *testing.B) {
	r := sampleStaffRoster()
	r.Members = nil
	for i := range 3000 {
		r.Members = append(r.Members, StaffMember{ID: fmt.Sprintf("P2026%06d", i), Name: "张**",
			Group: GroupPupil, Class: fmt.Sprintf("%d年级%d班", i%6+1, i%12+1)})
	}
	pub, priv, _ := ed25519.GenerateKey(nil)
	SignStaffRoster(&r, priv)
	raw := mustJSON(b, r)
	b.SetBytes(int64(len(raw)))
	for b.Loop() {
		got, err := DecodeStaffRoster(raw)
		if err != nil || VerifyStaffRoster(&got, pub) != nil {
			b.Fatal(err)
		}
	}
}
