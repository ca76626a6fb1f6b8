package console

import (
	"encoding/json"
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
			writeJSON(w, http.StatusBadRequest, errorBody(err))
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
