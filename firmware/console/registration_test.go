package console

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/kakou/kakou/firmware/credential"
	"github.com/kakou/kakou/firmware/wire"
)

// formRefusal is a 400 from /api/register.
type formRefusal struct {
	Error  string                  `json:"error"`
	Fields map[string]fieldProblem `json:"fields"`
}

// postRegistration screens a visitor, then posts body as the guard's form
// for the visitor's entry.
func (pl privateLane) postRegistration(t *testing.T, body string) *httptest.ResponseRecorder {
	t.Helper()
	v, err := pl.l.Screen(context.Background(), []byte("KAKOU1:VISIT:V-1"))
	if err != nil {
		t.Fatal(err)
	}
	if b, ok := strings.CutPrefix(body, "{"); ok {
		body = fmt.Sprintf(`{"entry": %q, `, v.ID) + b
	}
	r := httptest.NewRequest("POST", "http://unit.local/api/register", strings.NewReader(body))
	asGuard(t, pl.c, r)
	w := httptest.NewRecorder()
	pl.c.Handler().ServeHTTP(w, r)
	return w
}

func keyedLane(t *testing.T) privateLane {
	t.Helper()
	priv, err := credential.NewPrivacy(tracingKey, nil)
	if err != nil {
		t.Fatal(err)
	}
	return newPrivateLane(t, priv, false)
}

func TestRegisterRefusesTheBadNumbersOfTheFieldReportFieldByField(t *testing.T) {
	cases := []struct{ name, body, field, zh string }{
		{"a 5-digit phone", `{"name": "张三", "phone": "12345"}`, "phone", "11 位"},
		{"eleven nines", `{"name": "张三", "phone": "99999999999"}`, "phone", "不是手机号"},
		{"a wrong check digit", `{"name": "张三", "id": "110101199003071234"}`, "id", "校验位不符"},
		{"a first-generation card", `{"name": "张三", "phone": "13812345678", "id": "110105491231002"}`, "id", "第一代"},
		{"a landline", `{"name": "张三", "phone": "010-12345678"}`, "phone", "固定电话"},
		{"nothing to trace by", `{"name": "张三", "destination": "3-2-501"}`, "phone", "至少填一项"},
		{"an unknown document", `{"name": "张三", "id_kind": "library_card", "id": "123456"}`, "id_kind", "证件类型"},
	}
	for _, c := range cases {
		pl := keyedLane(t)
		w := pl.postRegistration(t, c.body)
		var got formRefusal
		if err := json.Unmarshal(w.Body.Bytes(), &got); err != nil || w.Code != 400 {
			t.Errorf("%s: %d %s", c.name, w.Code, w.Body)
			continue
		}
		p, ok := got.Fields[c.field]
		if !ok || !strings.Contains(p.ZH, c.zh) || p.EN == "" {
			t.Errorf("%s: fields %+v; want %s saying %q in Chinese, and English", c.name, got.Fields, c.field, c.zh)
		}
		if !strings.HasPrefix(got.Error, "请改正：") || !strings.Contains(got.Error, p.ZH) {
			t.Errorf("%s: error %q does not tell an old page what to fix", c.name, got.Error)
		}
		if stored, _ := pl.l.Entries(context.Background(), 0, 10); len(stored) != 1 {
			t.Errorf("%s: %d entries; a refused form must add none", c.name, len(stored))
		}
	}
}

func TestRegisterNamesEveryBadFieldAtOnce(t *testing.T) {
	pl := keyedLane(t)
	w := pl.postRegistration(t, `{"name": " ", "phone": "12345", "id": "110101199003071234", "trip": "G12\u0007"}`)
	var got formRefusal
	if err := json.Unmarshal(w.Body.Bytes(), &got); err != nil || w.Code != 400 {
		t.Fatalf("%d %s", w.Code, w.Body)
	}
	for _, f := range []string{"name", "phone", "id", "trip"} {
		if _, ok := got.Fields[f]; !ok {
			t.Errorf("no problem for %s in %s", f, w.Body)
		}
	}
	if strings.Contains(w.Body.String(), "12345\"") || strings.Contains(w.Body.String(), "110101199003071234") {
		t.Errorf("the refusal repeats a number: %s", w.Body)
	}
}

func TestRegisterTakesAVisitorWithoutIDByPhoneAndAShortChineseReason(t *testing.T) {
	pl := keyedLane(t)
	w := pl.postRegistration(t, `{"name": "王奶奶", "phone": "+86 138 1234 5678", "id_kind": "none", "no_id_reason": "急诊", "reason": "急诊"}`)
	var e wire.Entry
	if err := json.Unmarshal(w.Body.Bytes(), &e); err != nil || w.Code != 200 || e.Visitor == nil {
		t.Fatalf("%d %s", w.Code, w.Body)
	}
	v := e.Visitor
	if v.IDKind != wire.IDNone || v.NoIDReason != "急诊" || v.Reason != "急诊" || v.ID != "" || v.IDHash != "" {
		t.Errorf("visitor %+v", v)
	}
	// Typed with +86 and spaces, found by the 11 digits a tracer types.
	if v.Phone != "138****5678" || v.PhoneHash != wire.PersonHash(tracingKey, "phone", visitorPhone) {
		t.Errorf("phone %q hash %q", v.Phone, v.PhoneHash)
	}
}

func TestRegisterWithoutIDNeedsAPhoneAndAReason(t *testing.T) {
	pl := keyedLane(t)
	w := pl.postRegistration(t, `{"name": "王奶奶", "id_kind": "none", "no_id_reason": " "}`)
	var got formRefusal
	if err := json.Unmarshal(w.Body.Bytes(), &got); err != nil || w.Code != 400 {
		t.Fatalf("%d %s", w.Code, w.Body)
	}
	if got.Fields["phone"].ZH == "" || got.Fields["no_id_reason"].ZH == "" {
		t.Errorf("fields %+v: want phone and no_id_reason", got.Fields)
	}
}

func TestRegisterStoresOtherDocumentsMaskedAndHashedUnderTheirKind(t *testing.T) {
	cases := []struct{ kind, id, masked, hashed, hashKind string }{
		{wire.IDPassport, "e 1234 5678", "E1****678", "E12345678", "id:passport"},
		{wire.IDHKMOPermit, "H12345678", "H1****678", "H12345678", "id:hkmo_permit"},
		{wire.IDTWPermit, "12345678", "12****78", "12345678", "id:tw_permit"},
		{wire.IDHMTResidence, "810000199408230021", "810***********0021", "810000199408230021", "id"},
		{wire.IDResident, "11010519491231002x", "110***********002X", "11010519491231002X", "id"},
		{"", "11010519491231002X", "110***********002X", "11010519491231002X", "id"}, // a page from before kinds
	}
	for _, c := range cases {
		pl := keyedLane(t)
		body, _ := json.Marshal(map[string]string{"name": "陈大文", "phone": "+852 9123 4567", "id_kind": c.kind, "id": c.id})
		w := pl.postRegistration(t, string(body))
		var e wire.Entry
		if err := json.Unmarshal(w.Body.Bytes(), &e); err != nil || w.Code != 200 || e.Visitor == nil {
			t.Errorf("%s: %d %s", c.kind, w.Code, w.Body)
			continue
		}
		v := e.Visitor
		wantKind := c.kind
		if wantKind == "" {
			wantKind = wire.IDResident
		}
		if v.ID != c.masked || v.IDKind != wantKind || v.IDHash != wire.PersonHash(tracingKey, c.hashKind, c.hashed) {
			t.Errorf("%s: id %q kind %q hash %q", c.kind, v.ID, v.IDKind, v.IDHash)
		}
		if v.Phone != "+85*****4567" || v.PhoneHash != wire.PersonHash(tracingKey, "phone", "+85291234567") {
			t.Errorf("%s: phone %q hash %q", c.kind, v.Phone, v.PhoneHash)
		}
	}
}

// FuzzRegistrationNeverStoresAWholeNumber: whatever body a page sends,
// the form never panics, a visitor it takes is valid on the wire, and a
// phone or ID it takes leaves masked, never whole, not even in a refusal.
func FuzzRegistrationNeverStoresAWholeNumber(f *testing.F) {
	for _, s := range []string{
		`{"name": "张三", "phone": "13812345678", "id": "11010519491231002X", "destination": "3-2-501"}`,
		`{"name": "张三", "phone": "12345"}`,
		`{"name": "张三", "phone": "99999999999", "id": "110101199003071234"}`,
		`{"name": "王奶奶", "phone": "+86 138 1234 5678", "id_kind": "none", "no_id_reason": "急诊"}`,
		`{"name": "陈大文", "phone": "+852 9123 4567", "id_kind": "hkmo_permit", "id": "H12345678"}`,
		`{"name": "林", "phone": "+886 912 345 678", "id_kind": "tw_permit", "id": "12345678"}`,
		`{"name": "Smith", "phone": "+44 7700 900123", "id_kind": "passport", "id": "E1234"}`,
		`{"name": "x", "id_kind": "foreign_pr", "id": "USA310080010112"}`,
		`{"name": "x", "id_kind": "hmt_residence", "id": "810000199408230021", "trip": "\u0000"}`,
		`{"name": "李四", "phone": "13900139000", "origin": "湖北省武汉市", "destination": "3栋501", "transport": "火车", "trip": "G1234", "returnee": true, "arrived": "2026-06-01T07:30"}`,
		`{"name": "李四", "phone": "13900139000", "origin": "上海", "returnee": true, "arrived": "9999-12-31T23:59"}`,
		`{"name": "李四", "phone": "13900139000", "returnee": true, "arrived": "2022-04-01 07:30"}`,
		`{"name": "李四", "phone": "13900139000", "origin": "x", "returnee": false, "arrived": "garbage"}`,
		`{"name": 1}`, `[]`, `null`, ``,
	} {
		f.Add([]byte(s))
	}
	priv, err := credential.NewPrivacy(tracingKey, sealKey)
	if err != nil {
		f.Fatal(err)
	}
	c := New(nil, Options{Privacy: priv, Now: func() time.Time { return checkedAt }})
	f.Fuzz(func(t *testing.T, body []byte) {
		v, ret, err := c.visitor(body)
		var sent registration
		json.Unmarshal(body, &sent)
		phone, _ := phoneNumber(sent.Phone)
		whole := []string{compact(sent.Phone), compact(sent.ID), phone}
		if err != nil {
			for _, n := range whole {
				if len(n) >= 8 && strings.Contains(err.Error(), n) {
					t.Fatalf("the refusal %q repeats a number", err)
				}
			}
			return
		}
		e := wire.Entry{Schema: wire.SchemaVersion, ID: "id-1", Site: "s", Unit: "u", Seq: 1, Lane: wire.LaneIn,
			Credential: wire.Credential{Kind: wire.CredentialVisitor}, Decision: wire.Allow, Visitor: &v, Returnee: ret}
		if err := e.Validate(); err != nil {
			t.Fatalf("a visitor the form took is not valid on the wire: %v", err)
		}
		if (ret != nil) != sent.Returnee {
			t.Fatalf("returnee ticked %v, block %+v", sent.Returnee, ret)
		}
		if (phone != "") != (v.Phone != "") || strings.Count(v.Phone, "*") < 4 && v.Phone != "" ||
			strings.Count(v.ID, "*") < 4 && v.ID != "" {
			t.Fatalf("phone %q / id %q sent, %q / %q kept", sent.Phone, sent.ID, v.Phone, v.ID)
		}
		for _, n := range whole {
			if len(n) >= 4 && (strings.Contains(v.Phone, n) || strings.Contains(v.ID, n)) {
				t.Fatalf("%q kept whole in %+v", n, v)
			}
		}
	})
}
