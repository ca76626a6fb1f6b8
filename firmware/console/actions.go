package console

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"

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
	if p := reasonProblem(req.Reason); p != nil {
		e := newFormError(map[string]string{"reason": "原因"})
		e.add("reason", p)
		return wire.Entry{}, e.err()
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

// refusedProof takes {"entry": id}: the person on screen refused to show
// their proof (health code, pass, certificate), so the guard turns them
// away and the refusal is recorded and reported (docs/product.md
// "Closed-management community gates": people who refuse to show proof
// are recorded and reported). It is an override to deny by the signed-in
// guard, with the reason the centre's reports count.
func (c *Console) refusedProof(r *http.Request, body []byte) (wire.Entry, error) {
	var req on
	if err := decode(body, &req, `{"entry": "…"}`); err != nil {
		return wire.Entry{}, err
	}
	if err := req.check(); err != nil {
		return wire.Entry{}, err
	}
	by := c.actor(r)
	if by == "" {
		return wire.Entry{}, errNotSignedIn
	}
	return c.lane.Override(r.Context(), req.Entry, screening.Overrule{Decision: wire.Deny, By: by,
		Reason: "拒绝出示证明", RefusedProof: true})
}
