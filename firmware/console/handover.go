package console

import (
	"context"
	"net/http"
	"time"

	"github.com/kakou/kakou/firmware/duty"
	"github.com/kakou/kakou/firmware/wire"
)

// sheet builds the hand-over sheet of the shift outgoing is handing over:
// since they signed in (or the last hand-over at this lane, or the start
// of the day), the shift's counts, the visitors still inside and the
// re-checks, referrals and registrations nobody settled.
func (c *Console) sheet(ctx context.Context, outgoing string) (duty.Sheet, error) {
	now := c.localNow()
	notable, err := c.notable(ctx, now)
	if err != nil {
		return duty.Sheet{}, err
	}
	y, m, d := now.Date()
	since := duty.ShiftStart(notable, time.Date(y, m, d, 0, 0, 0, 0, c.opts.Location), outgoing)
	counts, err := c.lane.Counts(ctx, since)
	if err != nil {
		return duty.Sheet{}, err
	}
	inside, err := c.opts.Logbook.Inside(ctx)
	if err != nil {
		return duty.Sheet{}, err
	}
	var shift []wire.Entry
	for _, e := range notable {
		if !e.Time.Before(since) {
			shift = append(shift, e)
		}
	}
	return duty.NewSheet(since, counts, shift, inside), nil
}

type handoverJSON struct {
	duty.Sheet
	Outgoing *Guard      `json:"outgoing"`
	Entry    *wire.Entry `json:"entry,omitempty"` // the shift record, once handed over
}

// previewHandover answers GET /api/handover: the sheet as it stands.
func (c *Console) previewHandover(w http.ResponseWriter, r *http.Request) {
	if c.opts.Logbook == nil {
		refuseNoLogbook(w)
		return
	}
	s, err := c.sheet(r.Context(), c.actor(r))
	if err != nil {
		c.opts.Logger.Warn("console: hand-over sheet", "err", err)
		refuse(w, http.StatusInternalServerError, "交接单生成失败", "could not build the hand-over sheet")
		return
	}
	writeJSON(w, http.StatusOK, handoverJSON{Sheet: s, Outgoing: c.acting(r)})
}

// handOver answers POST /api/handover {"incoming": "g-08",
// "incoming_name": "李师傅", "note": "…"}: the signed-in guard hands the
// lane over; the sheet is recorded as a shift record and shown.
func (c *Console) handOver(w http.ResponseWriter, r *http.Request, g *Guard, body []byte) {
	var req struct {
		Incoming     string `json:"incoming"`
		IncomingName string `json:"incoming_name"`
		Note         string `json:"note"`
	}
	if err := decode(body, &req, `{"incoming": "g-08", "incoming_name": "李师傅", "note": "…"}`); err != nil {
		refuse(w, http.StatusBadRequest, `请发送 {"incoming": "接班人员编号", "note": "…"}`, err.Error())
		return
	}
	switch {
	case text("incoming", req.Incoming, 1, 32) != nil:
		refuse(w, http.StatusBadRequest, "请填写接班人员（1-32 个字）", "incoming: name the guard taking over (1-32 characters)")
		return
	case req.Incoming == g.ID:
		refuse(w, http.StatusBadRequest, "接班人员不能是交班人员本人", "incoming: a guard cannot hand over to themselves")
		return
	case text("incoming_name", req.IncomingName, 0, 32) != nil || text("note", req.Note, 0, 120) != nil:
		refuse(w, http.StatusBadRequest, "姓名最多 32 个字，备注最多 120 个字，纯文本", "incoming_name: up to 32, note: up to 120 characters of plain text")
		return
	}
	c.dutyMu.Lock() // the sheet's start is the last hand-over: one at a time
	defer c.dutyMu.Unlock()
	s, err := c.sheet(r.Context(), g.ID)
	if err != nil {
		refuse(w, http.StatusInternalServerError, "交接单生成失败，请重试", "could not build the sheet: "+err.Error())
		return
	}
	e, err := c.opts.Logbook.Log(r.Context(), s.Record(g.Name, req.Incoming, req.IncomingName, req.Note), g.ID)
	if err != nil {
		refuse(w, http.StatusInternalServerError, "交接记录未保存，请重试", "not recorded, try again: "+err.Error())
		return
	}
	c.opts.Logger.Info("shift handed over", "outgoing", g.ID, "incoming", req.Incoming, "seq", e.Seq,
		"inside", len(s.Inside), "open", len(s.Open))
	writeJSON(w, http.StatusOK, handoverJSON{Sheet: s, Outgoing: g, Entry: &e})
}
