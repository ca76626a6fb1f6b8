package console

import (
	"context"
	"errors"
	"io"
	"net/http"
	"time"

	"github.com/kakou/kakou/firmware/duty"
	"github.com/kakou/kakou/firmware/policy"
	"github.com/kakou/kakou/firmware/wire"
)

// Logbook is what the duty log and the hand-over sheet need from the
// running unit. Records are written through the screening pipeline
// (Pipeline.Log), so they take the ledger's Append and the lane's next seq
// like entries; nil Options.Logbook leaves the routes answering 503.
type Logbook interface {
	// Log writes a guard's record as an entry with no decision.
	Log(ctx context.Context, rec wire.Record, guard string) (wire.Entry, error)
	// Notable is ledger.Notable: records, open outcomes, visitors and
	// the entries that settled another, made at or after since.
	Notable(ctx context.Context, since time.Time) ([]wire.Entry, error)
	// Inside lists the visitors still inside the site (registered, not
	// closed out), for the hand-over sheet.
	Inside(ctx context.Context) ([]wire.Entry, error)
	// Duties are the policy in force's duties and its min_guards (双岗).
	Duties() (duties []policy.Duty, minGuards int)
}

// localNow is the unit's time in the console's zone, where days begin.
func (c *Console) localNow() time.Time { return c.opts.Now().In(c.opts.Location) }

// acting is the guard a duty or hand-over is recorded against: the
// signed-in one.
func (c *Console) acting(r *http.Request) *Guard { return c.signedIn(r) }

// guardsOnDuty is how many guards the staffing rule (min_guards, 双岗)
// sees at this lane: the distinct guards with a live session on any of
// its screens (the kiosk and the guards' phones).
func (c *Console) guardsOnDuty(*http.Request) int { return len(c.guardsSignedIn()) }

func refuseNoLogbook(w http.ResponseWriter) {
	refuse(w, http.StatusServiceUnavailable, "本机未启用值守日志", "this unit keeps no duty log")
}

func refuseNoGuard(w http.ResponseWriter) {
	refuse(w, http.StatusUnauthorized, "请先签到：值守记录须写明值守人员", "sign in first: every duty record names its guard")
}

// guarded runs h for a signed-in guard on a page of the console's own
// origin, with a body of at most 4 KiB; the refusals are 403, 401 and 413.
func (c *Console) guarded(h func(w http.ResponseWriter, r *http.Request, g *Guard, body []byte)) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		if !sameOrigin(w, r) {
			return
		}
		if c.opts.Logbook == nil {
			refuseNoLogbook(w)
			return
		}
		g := c.acting(r)
		if g == nil {
			refuseNoGuard(w)
			return
		}
		body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, 4096))
		if err != nil {
			refuse(w, http.StatusRequestEntityTooLarge, "请求超过 4 KiB", "request over 4 KiB")
			return
		}
		h(w, r, g, body)
	}
}

// records reads the records and open entries the duty log and the sheet
// need: from the start of yesterday, so a turn that closed at midnight
// and the last hand-over of a 24-hour shift are in view.
func (c *Console) notable(ctx context.Context, now time.Time) ([]wire.Entry, error) {
	return c.opts.Logbook.Notable(ctx, duty.StartOfYesterday(now))
}

// staffing is the 双岗 rule as the console sees it.
type staffing struct {
	Need    int  `json:"need"`
	OnDuty  int  `json:"on_duty"`
	Short   bool `json:"short"`
	Enabled bool `json:"enabled"`
}

type dutiesJSON struct {
	Turns    []duty.Turn `json:"turns"` // today's, in the policy's order
	Due      []duty.Turn `json:"due"`   // open now and not logged: remind
	Staffing staffing    `json:"staffing"`
	Guard    *Guard      `json:"guard"`
}

// duties answers GET /api/duties: today's turns (due, done with who and
// when, missed), the reminders and the staffing rule.
func (c *Console) duties(w http.ResponseWriter, r *http.Request) {
	if c.opts.Logbook == nil {
		refuseNoLogbook(w)
		return
	}
	now := c.localNow()
	records, err := c.notable(r.Context(), now)
	if err != nil {
		c.opts.Logger.Warn("console: duty log", "err", err)
		refuse(w, http.StatusInternalServerError, "读取值守日志失败", "could not read the duty log")
		return
	}
	list, need := c.opts.Logbook.Duties()
	out := dutiesJSON{Turns: duty.Board(list, now, records), Due: []duty.Turn{}, Guard: c.acting(r)}
	for _, t := range out.Turns {
		if t.State == duty.Due {
			out.Due = append(out.Due, t)
		}
	}
	on := c.guardsOnDuty(r)
	out.Staffing = staffing{Need: need, OnDuty: on, Short: need > 0 && on < need, Enabled: need > 0}
	writeJSON(w, http.StatusOK, out)
}

// logDuty answers POST /api/duty {"duty": "gate-disinfection", "note": "…"}:
// the signed-in guard did the duty's turn that is due (or the next).
func (c *Console) logDuty(w http.ResponseWriter, r *http.Request, g *Guard, body []byte) {
	var req struct {
		Duty string `json:"duty"`
		Note string `json:"note"`
	}
	if err := decode(body, &req, `{"duty": "gate-disinfection", "note": "…"}`); err != nil || req.Duty == "" {
		refuse(w, http.StatusBadRequest, `请发送 {"duty": "gate-disinfection", "note": "…"}`, `send {"duty": "gate-disinfection", "note": "…"}`)
		return
	}
	if err := text("note", req.Note, 0, 80); err != nil {
		refuse(w, http.StatusBadRequest, "备注：最多 80 个字，纯文本", err.Error())
		return
	}
	// dutyMu makes choosing the turn and logging it one step, so two
	// taps (or a tap and the missed-turn check) never claim one turn
	// twice. Lock order: dutyMu, then the pipeline's mu inside Log.
	c.dutyMu.Lock()
	defer c.dutyMu.Unlock()
	now := c.localNow()
	records, err := c.notable(r.Context(), now)
	if err != nil {
		refuse(w, http.StatusInternalServerError, "读取值守日志失败", "could not read the duty log: "+err.Error())
		return
	}
	list, _ := c.opts.Logbook.Duties()
	turn, err := duty.Pick(list, req.Duty, now, records)
	switch {
	case errors.Is(err, duty.ErrUnknown):
		refuse(w, http.StatusNotFound, "当前防控方案没有这项值守任务", err.Error())
		return
	case errors.Is(err, duty.ErrNotDue):
		refuse(w, http.StatusConflict, "这项任务今天已全部完成", "every turn of this duty is done today")
		return
	}
	e, err := c.opts.Logbook.Log(r.Context(), turn.Record(g.Name, req.Note, false), g.ID)
	if err != nil {
		refuse(w, http.StatusInternalServerError, "记录未保存，请重试", "not logged, try again: "+err.Error())
		return
	}
	c.opts.Logger.Info("duty logged", "duty", turn.Duty, "slot", turn.Slot, "guard", g.ID, "seq", e.Seq)
	writeJSON(w, http.StatusOK, e)
}

// RecordMissed writes a missed record for every turn whose window closed
// with nobody logging it (duty.Overdue), by the guard signed in (or
// nobody). The unit calls it every minute once its clock is synced: a
// Pi's 1970 clock would call every turn missed. notBefore is when the
// unit was last known in service (duty.Overdue).
func (c *Console) RecordMissed(ctx context.Context, notBefore time.Time, guard string) (int, error) {
	if c.opts.Logbook == nil {
		return 0, nil
	}
	c.dutyMu.Lock()
	defer c.dutyMu.Unlock()
	now := c.localNow()
	records, err := c.notable(ctx, now)
	if err != nil {
		return 0, err
	}
	list, _ := c.opts.Logbook.Duties()
	n := 0
	for _, t := range duty.Overdue(list, now, notBefore, records) {
		if _, err := c.opts.Logbook.Log(ctx, t.Record("", "", true), guard); err != nil {
			return n, err
		}
		c.opts.Logger.Warn("duty missed", "duty", t.Duty, "day", t.Day, "slot", t.Slot)
		n++
	}
	return n, nil
}
