package console

import (
	"encoding/json"
	"errors"
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
			writeError(w, err)
			return
		}
		c.opts.Logger.Info("guard action", "path", r.URL.Path, "seq", e.Seq, "decision", e.Decision)
		writeJSON(w, http.StatusOK, e)
	}
}

// sameOrigin refuses, with 403, a post another page sent.
func sameOrigin(w http.ResponseWriter, r *http.Request) bool {
	if o := r.Header.Get("Origin"); o != "" && o != "http://"+r.Host {
		writeJSON(w, http.StatusForbidden, map[string]string{"error": "posts come only from the console page itself"})
		return false
	}
	return true
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

// on is the entry every action names: the one on the guard's screen.
type on struct {
	Entry string `json:"entry"`
}

func (o on) check() error {
	if o.Entry == "" || len(o.Entry) > 64 {
		return errors.New(`entry: name the entry on screen the action is about ("entry": its id)`)
	}
	return nil
}

// manual takes {"entry": id, "temp_c": 36.6}: a reading with a handheld
// thermometer for a person the unit's thermometer could not measure.
func (c *Console) manual(r *http.Request, body []byte) (wire.Entry, error) {
	var req struct {
		on
		TempC *float64 `json:"temp_c"`
	}
	if err := decode(body, &req, `{"entry": "…", "temp_c": 36.6}`); err != nil || req.TempC == nil {
		return wire.Entry{}, fmt.Errorf(`send {"entry": "…", "temp_c": 36.6}: the temperature in °C`)
	}
	if err := req.check(); err != nil {
		return wire.Entry{}, err
	}
	t := policy.Celsius(*req.TempC)
	return c.lane.Amend(r.Context(), req.Entry, screening.Amend{Temperature: &t, By: c.actor(r)})
}

// mask takes {"entry": id, "worn": false} from the guard's mask mark (口罩).
func (c *Console) mask(r *http.Request, body []byte) (wire.Entry, error) {
	var req struct {
		on
		Worn *bool `json:"worn"`
	}
	if err := decode(body, &req, `{"entry": "…", "worn": true}`); err != nil || req.Worn == nil {
		return wire.Entry{}, fmt.Errorf(`send {"entry": "…", "worn": true} or {"entry": "…", "worn": false}`)
	}
	if err := req.check(); err != nil {
		return wire.Entry{}, err
	}
	m := policy.MaskMissing
	if *req.Worn {
		m = policy.MaskWorn
	}
	return c.lane.Amend(r.Context(), req.Entry, screening.Amend{Mask: m, By: c.actor(r)})
}

// recheck takes {"entry": id}: measure the person on screen again.
func (c *Console) recheck(r *http.Request, body []byte) (wire.Entry, error) {
	var req on
	if err := decode(body, &req, `{"entry": "…"}`); err != nil {
		return wire.Entry{}, err
	}
	if err := req.check(); err != nil {
		return wire.Entry{}, err
	}
	return c.lane.Recheck(r.Context(), req.Entry, c.actor(r))
}

// override takes {"entry": id, "decision": "allow", "reason": "…"} and,
// when the guard went by a handheld reading, "temp_c". The guard is the
// one signed in; the reason is audited.
func (c *Console) override(r *http.Request, body []byte) (wire.Entry, error) {
	var req struct {
		on
		Decision wire.Decision `json:"decision"`
		Reason   string        `json:"reason"`
		TempC    *float64      `json:"temp_c"`
	}
	if err := decode(body, &req, `{"entry": "…", "decision": "allow", "reason": "…"}`); err != nil {
		return wire.Entry{}, err
	}
	if err := req.check(); err != nil {
		return wire.Entry{}, err
	}
	if req.Decision != wire.Allow && req.Decision != wire.Deny {
		return wire.Entry{}, fmt.Errorf("decision: %q; a guard overrides to allow or deny", req.Decision)
	}
	if err := text("reason", req.Reason, 2, 120); err != nil {
		return wire.Entry{}, fmt.Errorf("%w: every override needs a reason, it is audited", err)
	}
	by := c.actor(r)
	if by == "" {
		return wire.Entry{}, errNotSignedIn
	}
	o := screening.Overrule{Decision: req.Decision, By: by, Reason: req.Reason}
	if req.TempC != nil {
		t := policy.Celsius(*req.TempC)
		o.Temperature = &t
	}
	return c.lane.Override(r.Context(), req.Entry, o)
}

// dismiss takes {"entry": id} off the screen: the person walked away.
func (c *Console) dismiss(w http.ResponseWriter, r *http.Request) {
	if !sameOrigin(w, r) {
		return
	}
	var req on
	body, _ := io.ReadAll(http.MaxBytesReader(w, r.Body, 4096))
	if err := decode(body, &req, `{"entry": "…"}`); err != nil {
		writeError(w, err)
		return
	}
	if err := req.check(); err != nil {
		writeError(w, err)
		return
	}
	if err := c.lane.Dismiss(req.Entry, c.actor(r)); err != nil {
		writeError(w, err)
		return
	}
	writeJSON(w, http.StatusOK, req)
}

// registration is the visitor form (登记). Phone and ID arrive in full,
// are checked, and leave this function masked: they are never stored whole.
type registration struct {
	on
	Name, Phone, ID, Origin, Destination, Reason, Transport, Trip string
}

var (
	phoneRe = regexp.MustCompile(`^\+?[0-9]{5,15}$`)
	idRe    = regexp.MustCompile(`^([0-9]{15}|[0-9]{17}[0-9Xx])$`)
)

func (c *Console) register(r *http.Request, body []byte) (wire.Entry, error) {
	var f registration
	if err := decode(body, &f, `{"entry": "…", "name": "张三", "phone": "13812345678", "id": "…", "destination": "3-2-501"}`); err != nil {
		return wire.Entry{}, err
	}
	if err := f.check(); err != nil {
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
	return c.lane.Amend(r.Context(), f.Entry, screening.Amend{Visitor: &v, By: c.actor(r)})
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
