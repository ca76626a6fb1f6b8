package api

import (
	"encoding/json"
	"net/http"

	"github.com/kakou/kakou/cloud/store"
	"github.com/kakou/kakou/firmware/wire"
)

// setWatermark starts or moves a unit's watermark where central
// monitoring says (store.SetWatermark): the one way besides storing
// entries, because a restored database or a unit that met a new collector
// with a backlog cannot be started from what the unit claims — a forged
// status would have entries acknowledged that were never stored. The
// operator reads the unit's reported_acked and its log, and the change is
// audited with who made it and from what.
func (s *server) setWatermark(w http.ResponseWriter, r *http.Request) {
	c := s.caller(r)
	if err := c.require("setting a unit's watermark", RoleMonitor); err != nil {
		refuse(w, err)
		return
	}
	id := store.UnitID{Site: r.PathValue("site"), Unit: r.PathValue("unit")}
	if wire.ValidateID(id.Site) != nil || wire.ValidateID(id.Unit) != nil {
		writeError(w, http.StatusBadRequest, "the path names a site and a unit: /api/v1/units/{site}/{unit}/watermark")
		return
	}
	var req struct {
		Seq *uint64 `json:"seq"`
	}
	dec := json.NewDecoder(http.MaxBytesReader(w, r.Body, 1<<10))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&req); err != nil || req.Seq == nil {
		writeError(w, http.StatusBadRequest, `send JSON {"seq": N}: the last seq of the unit's taken as stored (its "uplink: sending backlog" after_seq)`)
		return
	}
	before, err := s.store.AckedSeq(r.Context(), id)
	if err != nil {
		s.internal(w, "read the watermark", err)
		return
	}
	// Audited first: an unrecorded change to what is acknowledged must not happen.
	if err := s.audit(r.Context(), c, "set_watermark", map[string]any{"site": id.Site, "unit": id.Unit,
		"from": before, "to": *req.Seq}); err != nil {
		s.internal(w, "audit the watermark change", err)
		return
	}
	wm, err := s.store.SetWatermark(r.Context(), id, *req.Seq)
	if err != nil {
		refuse(w, err)
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"site": id.Site, "unit": id.Unit, "acked_seq": wm.Seq, "was": before})
}
