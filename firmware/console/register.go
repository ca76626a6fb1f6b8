package console

import (
	"net/http"
	"strings"
	"time"

	"github.com/kakou/kakou/firmware/screening"
	"github.com/kakou/kakou/firmware/wire"
)

// registration is the visitor form (登记). Phone and ID arrive in full,
// are checked, and leave visitor masked: they are never stored whole.
type registration struct {
	Name        string `json:"name"`
	Phone       string `json:"phone"`
	IDKind      string `json:"id_kind"` // wire.IDResident, …; empty: a resident ID card
	ID          string `json:"id"`
	NoIDReason  string `json:"no_id_reason"` // why, when IDKind is wire.IDNone
	Origin      string `json:"origin"`
	Destination string `json:"destination"`
	Reason      string `json:"reason"`
	Transport   string `json:"transport"`
	Trip        string `json:"trip"`
	// Returnee ticks 返回人员; Arrived is then required (returnee.go).
	Returnee bool   `json:"returnee"`
	Arrived  string `json:"arrived"`
}

// registrationLabels name the form's fields in the Chinese summary.
var registrationLabels = map[string]string{"name": "姓名", "phone": "手机号", "id_kind": "证件类型",
	"id": "证件号码", "no_id_reason": "无证件原因", "origin": "从何处来", "destination": "到访楼栋/单元",
	"reason": "事由", "transport": "交通方式", "trip": "车次/航班号", "arrived": "到达时间"}

const registrationExample = `{"entry": "…", "name": "张三", "phone": "13812345678", "id_kind": "resident", "id": "11010519491231002X", "destination": "3-2-501"}`

// register takes the form for the visitor whose entry is on screen
// ("entry": its id, beside the form's fields).
func (c *Console) register(r *http.Request, body []byte) (wire.Entry, error) {
	var o on
	if err := decode(body, &o, registrationExample); err != nil {
		return wire.Entry{}, err
	}
	v, ret, err := c.visitorFor(o.Entry, body)
	if err != nil {
		return wire.Entry{}, err
	}
	if err := o.check(); err != nil {
		return wire.Entry{}, err
	}
	return c.lane.Amend(r.Context(), o.Entry, screening.Amend{Visitor: &v, Returnee: ret, By: c.actor(r)})
}

// visitor reads and checks the form in body and returns the visitor as
// the ledger gets it: numbers masked and hashed, sealed where the policy
// demands; and the returnee block when the form marks a returnee.
func (c *Console) visitor(body []byte) (wire.Visitor, *wire.Returnee, error) {
	return c.visitorFor("", body)
}

// visitorFor is visitor for the person whose entry is on, whose ID card,
// if one was read, gives the number the form carries masked (idcard.go).
func (c *Console) visitorFor(on string, body []byte) (wire.Visitor, *wire.Returnee, error) {
	var f registration
	if err := decode(body, &f, registrationExample); err != nil {
		return wire.Visitor{}, nil, err
	}
	if err := c.fromCard(on, &f); err != nil {
		return wire.Visitor{}, nil, err
	}
	now := c.opts.Now()
	f, err := f.checked(now)
	if err != nil {
		return wire.Visitor{}, nil, err
	}
	v, err := c.opts.Privacy.Minimise(wire.Visitor{Name: f.Name, IDKind: f.IDKind, NoIDReason: f.NoIDReason,
		Origin: f.Origin, Destination: f.Destination, Reason: f.Reason, Transport: f.Transport, Trip: f.Trip},
		f.Phone, f.ID, c.fullNumbers())
	if err != nil {
		// The policy wants full numbers the unit cannot seal: register the
		// visitor minimised rather than keep numbers in the clear or stop
		// the gate. The log names the fix, never the numbers.
		c.opts.Logger.Error("visitor registered without full numbers", "err", err)
	}
	return v, f.returnee(now.Location()), nil
}

// fullNumbers reports whether the running policy demands visitors' full
// numbers ([checks.registration] full_numbers).
func (c *Console) fullNumbers() bool {
	return c.opts.FullNumbers != nil && c.opts.FullNumbers()
}

// checked is f with its text trimmed and its numbers in the form they are
// stored and hashed in, or a *formError naming every field to fix.
func (f registration) checked(now time.Time) (registration, error) {
	e := newFormError(registrationLabels)
	for _, t := range []*string{&f.Name, &f.Origin, &f.Destination, &f.Reason, &f.Transport, &f.Trip, &f.NoIDReason} {
		*t = strings.TrimSpace(*t)
	}
	e.add("name", textProblem(f.Name, 1, 32))
	var p *fieldProblem
	f.Phone, p = phoneNumber(f.Phone)
	e.add("phone", p)
	f.checkID(e, now)
	f.checkReturnee(e, now)
	for _, o := range []struct{ key, v string }{{"origin", f.Origin}, {"destination", f.Destination},
		{"reason", f.Reason}, {"transport", f.Transport}, {"trip", f.Trip}} {
		e.add(o.key, textProblem(o.v, 0, 64))
	}
	return f, e.err()
}

// checkID checks the document and that the visitor can be traced: by a
// phone or a document number, or, with no document, by a phone and the
// reason there is none (老人未带证件).
func (f *registration) checkID(e *formError, now time.Time) {
	f.IDKind = strings.TrimSpace(f.IDKind)
	if f.IDKind == wire.IDNone {
		if compact(f.ID) != "" {
			e.add("id", problem("选择了“无证件”：请清空证件号码，或选择证件类型", "no ID chosen: clear the number, or choose its kind of document"))
		}
		f.ID = ""
		e.add("no_id_reason", reasonWithin(f.NoIDReason, 32))
		if f.Phone == "" && e.fields["phone"] == nil {
			e.add("phone", problem("无证件登记必须留手机号", "a visitor without ID must leave a mobile number"))
		}
		return
	}
	f.NoIDReason = ""
	if f.IDKind == "" {
		f.IDKind = wire.IDResident // what the form meant before it offered kinds
	}
	if _, ok := idDocuments[f.IDKind]; !ok {
		e.add("id_kind", problem("请从列表中选择证件类型", "choose the kind of document from the list"))
		return
	}
	var p *fieldProblem
	f.ID, p = idNumber(f.IDKind, f.ID, now)
	e.add("id", p)
	if f.ID == "" && p == nil {
		f.IDKind = ""
		if f.Phone == "" && e.fields["phone"] == nil {
			both := problem("手机号和证件号码至少填一项，或选择“无证件”并说明原因",
				"give a phone or an ID number, or choose no ID and say why")
			e.add("phone", both)
			e.add("id", both)
		}
	}
}
