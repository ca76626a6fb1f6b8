package console

import (
	"net/http"

	"github.com/kakou/kakou/firmware/wire"
)

// One pass per household (一户一卡): at a lone unit the property office has
// no gateway page, so a signed-in guard resets a household's count or
// grants it extra uses here, with a reason. The change is a record
// (wire.RecordHousehold) in the lane's ledger: the ledger's count honours
// it at once, a site gateway counts it for every lane if there is one,
// and it reaches the centre exactly once like any entry.

func (c *Console) changeHousehold(w http.ResponseWriter, r *http.Request, g *Guard, body []byte) {
	const example = `{"household": "B3-1201", "action": "adjust", "delta": 1, "reason": "就医外出"}`
	var req wire.HouseholdChange
	if err := decode(body, &req, example); err != nil {
		refuse(w, http.StatusBadRequest, "请发送 "+example, "send "+example)
		return
	}
	if err := text("reason", req.Reason, 2, 80); err != nil {
		refuse(w, http.StatusBadRequest, "请写明原因（2 到 80 个字）", err.Error())
		return
	}
	if err := req.Validate(); err != nil {
		refuse(w, http.StatusBadRequest,
			"户号为出入证上的户号；操作为 reset（清零）或 adjust（增减次数，1 到 100，减少用负数）", err.Error())
		return
	}
	rec := wire.Record{Kind: wire.RecordHousehold, GuardName: g.Name, Household: &req}
	e, err := c.opts.Logbook.Log(r.Context(), rec, g.ID)
	if err != nil {
		refuse(w, http.StatusInternalServerError, "记录失败，请重试", "not recorded: "+err.Error())
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"entry": e.ID, "seq": e.Seq})
}
