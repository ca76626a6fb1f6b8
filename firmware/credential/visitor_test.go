package credential

import (
	"context"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/kakou/kakou/firmware/wire"
)

var goodVisitor = Visitor{Name: "李四", Phone: "13800138000", ID: "11010519491231002X",
	Origin: "湖北省武汉市", Destination: "3栋2单元501", Reason: "探亲", Transport: "高铁",
	TrainOrFlight: "G1234", ArrivedAt: time.Date(2026, 3, 1, 9, 30, 0, 0, time.UTC)}

func visitorCode(t testing.TB, mod func(*wire.VenueVisitor)) string {
	t.Helper()
	f := wire.VenueVisitor{Name: "王五", Phone: "02012345", IDNumber: "110105491231002", Reason: "送货"}
	if mod != nil {
		mod(&f)
	}
	js, err := json.Marshal(f)
	if err != nil {
		t.Fatal(err)
	}
	return VisitorFormPrefix + b64.EncodeToString(js)
}

func TestCheckReadsVisitorPreRegistration(t *testing.T) {
	code, err := EncodeVisitor(goodVisitor)
	if err != nil {
		t.Fatal(err)
	}
	p := testVerifier(t, syncedClock).Check(context.Background(), []byte(code))
	checkContract(t, []byte(code), p)
	if p.Wire.Kind != "visitor" || p.Status != StatusValid || p.Wire.Subject != shortRef(code) {
		t.Fatalf("got %+v", p.Wire)
	}
	if p.Visitor == nil || *p.Visitor != goodVisitor {
		t.Fatalf("visitor %+v, want %+v", p.Visitor, goodVisitor)
	}
	if strings.Contains(p.Wire.Subject, "李") || strings.Contains(p.Wire.Subject, "138") {
		t.Fatalf("subject %q carries personal data", p.Wire.Subject)
	}
}

func TestCheckRefusesBadVisitorFields(t *testing.T) {
	cases := []struct {
		name string
		code string
	}{
		{"name only is enough", visitorCode(t, func(f *wire.VenueVisitor) { *f = wire.VenueVisitor{Name: "赵六"} })},
		{"name of 32 characters", visitorCode(t, func(f *wire.VenueVisitor) { f.Name = strings.Repeat("名", 32) })},
		{"ideographic space typed by an input method", visitorCode(t, func(f *wire.VenueVisitor) { f.Origin = "广州\u3000天河" })},
		{"name of 33 characters", visitorCode(t, func(f *wire.VenueVisitor) { f.Name = strings.Repeat("名", 33) })},
		{"no name", visitorCode(t, func(f *wire.VenueVisitor) { f.Name = "" })},
		{"phone with letters", visitorCode(t, func(f *wire.VenueVisitor) { f.Phone = "1380013800a" })},
		{"phone too short", visitorCode(t, func(f *wire.VenueVisitor) { f.Phone = "1234" })},
		{"phone too long", visitorCode(t, func(f *wire.VenueVisitor) { f.Phone = strings.Repeat("1", 16) })},
		{"ID of 16 characters", visitorCode(t, func(f *wire.VenueVisitor) { f.IDNumber = strings.Repeat("1", 16) })},
		{"ID with X inside", visitorCode(t, func(f *wire.VenueVisitor) { f.IDNumber = "1101051949X231002X" })},
		{"ID with lower-case x", visitorCode(t, func(f *wire.VenueVisitor) { f.IDNumber = "11010519491231002x" })},
		{"reason of 65 characters", visitorCode(t, func(f *wire.VenueVisitor) { f.Reason = strings.Repeat("a", 65) })},
		{"bell in the reason", visitorCode(t, func(f *wire.VenueVisitor) { f.Reason = "visit\u0007" })},
		{"newline in the destination", visitorCode(t, func(f *wire.VenueVisitor) { f.Dest = "3栋\n2单元" })},
		{"right-to-left override in the name", visitorCode(t, func(f *wire.VenueVisitor) { f.Name = "\u202e四李" })},
		{"negative arrival", visitorCode(t, func(f *wire.VenueVisitor) { f.Arrival = -1 })},
		{"invalid UTF-8 inside the JSON", VisitorFormPrefix + b64.EncodeToString([]byte("{\"name\":\"\xff\xfe\"}"))},
		{"unknown field", VisitorFormPrefix + b64.EncodeToString([]byte(`{"name":"王五","salary":1}`))},
		{"arrival as text", VisitorFormPrefix + b64.EncodeToString([]byte(`{"name":"王五","arr":"9:30"}`))},
		{"not base64", VisitorFormPrefix + "王五"},
		{"nothing after the prefix", VisitorFormPrefix},
	}
	valid := map[string]bool{"name only is enough": true, "name of 32 characters": true,
		"ideographic space typed by an input method": true}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			p := testVerifier(t, syncedClock).Check(context.Background(), []byte(c.code))
			checkContract(t, []byte(c.code), p)
			want := StatusMalformed
			if valid[c.name] {
				want = StatusValid
			}
			if p.Wire.Kind != "visitor" || p.Status != want {
				t.Fatalf("got %s %s (%s), want visitor %s", p.Wire.Kind, p.Status, p.Detail, want)
			}
			if want == StatusMalformed && (p.Visitor != nil || p.Wire.Subject != "") {
				t.Fatalf("a malformed form still filled %+v", p)
			}
		})
	}
}

func TestEncodeVisitorRefusesWhatCheckWouldRefuse(t *testing.T) {
	v := goodVisitor
	v.Phone = "+86 138"
	if _, err := EncodeVisitor(v); err == nil || !strings.Contains(err.Error(), "phone") {
		t.Fatalf("EncodeVisitor error %v, want one naming the phone", err)
	}
}
