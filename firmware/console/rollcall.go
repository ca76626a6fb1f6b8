package console

import (
	"context"
	"errors"
	"net/http"

	"github.com/kakou/kakou/firmware/policy"
	"github.com/kakou/kakou/firmware/rollcall"
	"github.com/kakou/kakou/firmware/wire"
	"periph.io/x/conn/v3/physic"
)

// RollCall is what the roll-call panel (晨午晚检) needs from the running
// unit: the board of the current round, and a tick that logs a check with
// a reading taken by hand (a class teacher's handheld thermometer).
type RollCall interface {
	RollCall() rollcall.Board
	Tick(ctx context.Context, id string, t physic.Temperature, guard, guardName string) (wire.Entry, error)
}

// ErrNotInRound and ErrNotOnRoster are the unit's refusals of a tick; the
// console answers them in Chinese. The unit's errors wrap these.
var (
	ErrNotInRound  = errors.New("no roll-call round is open now")
	ErrNotOnRoster = errors.New("not on the staff roster")
)

func (c *Console) rollCallRoutes(mux mux) {
	mux.HandleFunc("GET /api/rollcall", c.rollCallBoard)
	mux.HandleFunc("POST /api/rollcall/check", c.guarded(c.rollCallCheck))
}

func (c *Console) rollCallBoard(w http.ResponseWriter, _ *http.Request) {
	if c.opts.RollCall == nil {
		refuse(w, http.StatusNotFound, "本机未启用晨午检", "this unit keeps no roll call")
		return
	}
	writeJSON(w, http.StatusOK, c.opts.RollCall.RollCall())
}

// rollCallCheck logs one tick: {"id": "P2026000123", "temp_c": 36.5}.
func (c *Console) rollCallCheck(w http.ResponseWriter, r *http.Request, g *Guard, body []byte) {
	if c.opts.RollCall == nil {
		refuse(w, http.StatusNotFound, "本机未启用晨午检", "this unit keeps no roll call")
		return
	}
	var req struct {
		ID    string  `json:"id"`
		TempC float64 `json:"temp_c"`
	}
	if err := decode(body, &req, `{"id": "P2026000123", "temp_c": 36.5}`); err != nil || wire.ValidateStaffID(req.ID) != nil {
		refuse(w, http.StatusBadRequest, `请发送 {"id": "P2026000123", "temp_c": 36.5}`, `send {"id": "P2026000123", "temp_c": 36.5}`)
		return
	}
	if req.TempC < 30 || req.TempC > 45 {
		refuse(w, http.StatusBadRequest, "体温须在 30-45 °C 之间，请重新测量", "enter °C between 30 and 45")
		return
	}
	e, err := c.opts.RollCall.Tick(r.Context(), req.ID, policy.Celsius(req.TempC), g.ID, g.Name)
	switch {
	case errors.Is(err, ErrNotInRound):
		refuse(w, http.StatusConflict, "现在不在检查时段（或时钟未同步），无法记入本轮", err.Error())
		return
	case errors.Is(err, ErrNotOnRoster):
		refuse(w, http.StatusNotFound, "名单上没有这个人，请核对编号", err.Error())
		return
	case err != nil:
		refuse(w, http.StatusInternalServerError, "记录未保存，请重试", "not logged, try again: "+err.Error())
		return
	}
	c.opts.Logger.Info("roll call checked", "id", req.ID, "round", e.StaffCheck.Round, "guard", g.ID, "seq", e.Seq)
	writeJSON(w, http.StatusOK, e)
}
