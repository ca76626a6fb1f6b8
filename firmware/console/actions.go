package console

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"regexp"
	"strings"
	"unicode/utf8"

	"github.com/kakou/kakou/firmware/policy"
	"github.com/kakou/kakou/firmware/screening"
	"github.com/kakou/kakou/firmware/wire"
)

// action turns a guard's request into a new ledger entry, or explains in
// the error what to send instead.
type action func(r *http.Request, body []byte) (wire.Entry, error)

// post checks that the request comes from the console page itself, so
// another site open in the guard's phone browser cannot act at the gate,
// then runs a and answers with the new entry.
func (c *Console) post(a action) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		if !sameOrigin(w, r) {
			return
		}
		body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, 4096))
		if err != nil {
			writeJSON(w, http.StatusRequestEntityTooLarge, map[string]string{"error": "request over 4 KiB"})
			return
		}
		e, err := a(r, body)
		if err != nil {
			writeJSON(w, http.StatusBadRequest, map[string]string{"error": err.Error()})
			return
		}
		c.opts.Logger.Info("guard action", "path", r.URL.Path, "seq", e.Seq, "decision", e.Decision)
		writeJSON(w, http.StatusOK, e)
	}
}

// cancelWait ends the hold on a person told to wait who has gone away. No
// entry is made (nobody passed the gate); the unit's log records it.
func (c *Console) cancelWait(w http.ResponseWriter, r *http.Request) {
	if !sameOrigin(w, r) {
		return
	}
	h, err := c.lane.Cancel()
	if err != nil {
		writeJSON(w, http.StatusConflict, map[string]string{"error": err.Error()})
		return
	}
	c.opts.Logger.Info("guard action: the person told to wait left; the lane takes the next scan",
		"path", r.URL.Path, "seq", h.Entry.Seq, "held_since", h.Since)
	writeJSON(w, http.StatusOK, h)
}

func decode(body []byte, v any, example string) error {
	if err := json.Unmarshal(body, v); err != nil {
		return fmt.Errorf("send JSON like %s", example)
	}
	return nil
}

// manual takes {"temp_c": 36.6}: a reading with a handheld thermometer.
func (c *Console) manual(r *http.Request, body []byte) (wire.Entry, error) {
	var req struct {
		TempC *float64 `json:"temp_c"`
	}
	if err := decode(body, &req, `{"temp_c": 36.6}`); err != nil || req.TempC == nil {
		return wire.Entry{}, fmt.Errorf(`send {"temp_c": 36.6}: the temperature in °C`)
	}
	t := policy.Celsius(*req.TempC)
	return c.lane.Amend(r.Context(), screening.Amend{Temperature: &t})
}

// mask takes {"worn": true} from the guard's mask check (口罩).
func (c *Console) mask(r *http.Request, body []byte) (wire.Entry, error) {
	var req struct {
		Worn *bool `json:"worn"`
	}
	if err := decode(body, &req, `{"worn": true}`); err != nil || req.Worn == nil {
		return wire.Entry{}, fmt.Errorf(`send {"worn": true} or {"worn": false}`)
	}
	m := policy.MaskMissing
	if *req.Worn {
		m = policy.MaskWorn
	}
	return c.lane.Amend(r.Context(), screening.Amend{Mask: m})
}

// override takes {"decision": "allow", "reason": "…", "guard": "…"}.
func (c *Console) override(r *http.Request, body []byte) (wire.Entry, error) {
	var req struct {
		Decision wire.Decision `json:"decision"`
		Reason   string        `json:"reason"`
		Guard    string        `json:"guard"`
	}
	if err := decode(body, &req, `{"decision": "allow", "reason": "…", "guard": "…"}`); err != nil {
		return wire.Entry{}, err
	}
	if req.Decision != wire.Allow && req.Decision != wire.Deny {
		return wire.Entry{}, fmt.Errorf("decision: %q; a guard overrides to allow or deny", req.Decision)
	}
	if err := text("reason", req.Reason, 4, 120); err != nil {
		return wire.Entry{}, fmt.Errorf("%w: every override needs a reason, it is audited", err)
	}
	if err := text("guard", req.Guard, 1, 32); err != nil {
		return wire.Entry{}, fmt.Errorf("%w: say who is overriding", err)
	}
	return c.lane.Override(r.Context(), req.Decision, wire.Override{By: req.Guard, Reason: req.Reason})
}

// registration is the visitor form (登记). Phone and ID arrive in full,
// are checked, and leave this function masked: they are never stored whole.
type registration struct {
	Name, Phone, ID, Origin, Destination, Reason, Transport, Trip string
}

var (
	phoneRe = regexp.MustCompile(`^\+?[0-9]{5,15}$`)
	idRe    = regexp.MustCompile(`^([0-9]{15}|[0-9]{17}[0-9Xx])$`)
)

func (c *Console) register(r *http.Request, body []byte) (wire.Entry, error) {
	var f registration
	if err := decode(body, &f, `{"name": "张三", "phone": "13812345678", "id": "…", "destination": "3-2-501"}`); err != nil {
		return wire.Entry{}, err
	}
	if err := f.validate(); err != nil {
		return wire.Entry{}, err
	}
	v, err := c.opts.Privacy.Minimise(wire.Visitor{Name: f.Name, Origin: f.Origin, Destination: f.Destination,
		Reason: f.Reason, Transport: f.Transport, Trip: f.Trip}, f.Phone, f.ID, c.fullNumbers())
	if err != nil {
		// The policy wants full numbers the unit cannot seal: register the
		// visitor minimised rather than keep numbers in the clear or stop
		// the gate. The log names the fix, never the numbers.
		c.opts.Logger.Error("visitor registered without full numbers", "err", err)
	}
	return c.lane.Amend(r.Context(), screening.Amend{Visitor: &v})
}

// fullNumbers reports whether the running policy demands visitors' full
// numbers ([checks.registration] full_numbers).
func (c *Console) fullNumbers() bool {
	return c.opts.FullNumbers != nil && c.opts.FullNumbers()
}

func (f registration) validate() error {
	var p []string
	if err := text("name", f.Name, 1, 32); err != nil {
		p = append(p, err.Error())
	}
	if f.Phone != "" && !phoneRe.MatchString(f.Phone) {
		p = append(p, "phone: digits only, 5-15 of them")
	}
	if f.ID != "" && !idRe.MatchString(f.ID) {
		p = append(p, "id: an ID card number has 15 or 18 characters, the last may be X")
	}
	if f.Phone == "" && f.ID == "" {
		p = append(p, "phone or id: at least one is needed to trace a visitor")
	}
	for _, o := range []struct{ key, v string }{{"origin", f.Origin}, {"destination", f.Destination},
		{"reason", f.Reason}, {"transport", f.Transport}, {"trip", f.Trip}} {
		if err := text(o.key, o.v, 0, 64); err != nil {
			p = append(p, err.Error())
		}
	}
	if len(p) > 0 {
		return fmt.Errorf("%s", strings.Join(p, "; "))
	}
	return nil
}

// text checks a free-text field: length in characters, valid UTF-8, no
// control characters (they would corrupt the guard's screen and the logs).
func text(key, v string, min, max int) error {
	n := utf8.RuneCountInString(v)
	if !utf8.ValidString(v) || strings.ContainsFunc(v, func(r rune) bool { return r < 0x20 || r == 0x7f }) {
		return fmt.Errorf("%s: plain text only", key)
	}
	if n < min || n > max {
		return fmt.Errorf("%s: %d to %d characters", key, min, max)
	}
	return nil
}
