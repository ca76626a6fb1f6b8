package web

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"

	"github.com/kakou/kakou/firmware/wire"
	"github.com/kakou/kakou/gateway/lan"
)

// Households is what the property office's household desk needs of the
// gateway (*lan.Server): where a household stands, and a reset or an
// adjustment by the signed-in manager, with a reason (一户一卡).
type Households interface {
	Household(household string) lan.HouseholdUse
	ChangeHousehold(ctx context.Context, c wire.HouseholdChange, by lan.Manager) (wire.Entry, error)
}

// householdRoutes adds the desk's routes; without Options.Households
// there are none. Changes pass protect like a correction: a signed-in
// manager, this page's origin and the session's token.
func (a *api) householdRoutes(mux *http.ServeMux) {
	if a.opts.Households == nil {
		return
	}
	mux.HandleFunc("GET /api/v1/households/{id}", a.household)
	mux.HandleFunc("POST /api/v1/households/{id}/change", a.changeHousehold)
}

func (a *api) household(w http.ResponseWriter, r *http.Request) {
	id := r.PathValue("id")
	if err := checkHouseholdID(id); err != nil {
		fail(w, http.StatusBadRequest, err.Error())
		return
	}
	reply(w, http.StatusOK, a.opts.Households.Household(id))
}

// householdChange is the request body; who made it is the session's
// manager, so a "by" is refused as an unknown field.
type householdChange struct {
	Action string `json:"action"`
	Delta  int    `json:"delta"`
	Reason string `json:"reason"`
}

func (a *api) changeHousehold(w http.ResponseWriter, r *http.Request) {
	id := r.PathValue("id")
	if err := checkHouseholdID(id); err != nil {
		fail(w, http.StatusBadRequest, err.Error())
		return
	}
	var c householdChange
	dec := json.NewDecoder(http.MaxBytesReader(w, r.Body, maxBody))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&c); err != nil {
		fail(w, http.StatusBadRequest, fmt.Sprintf("body must be JSON {\"action\": \"reset\"|\"adjust\", \"delta\", \"reason\"}: %v", err))
		return
	}
	if strings.TrimSpace(c.Reason) == "" {
		fail(w, http.StatusBadRequest, "请填写原因 (a reset or an adjustment needs a reason)")
		return
	}
	m, _ := a.desk.signedIn(r) // protect let only a live session through
	e, err := a.opts.Households.ChangeHousehold(r.Context(), wire.HouseholdChange{Household: id, Action: c.Action,
		Delta: c.Delta, Reason: c.Reason}, lan.Manager{ID: m.ID, Name: m.Name})
	if err != nil {
		fail(w, http.StatusBadRequest, "not stored: "+err.Error()+
			" (action is reset, or adjust with a delta of 1-100 uses granted, or as many taken back as a negative number)")
		return
	}
	reply(w, http.StatusOK, struct {
		Entry     string           `json:"entry"`
		Household lan.HouseholdUse `json:"household"`
	}{e.ID, a.opts.Households.Household(id)})
}

func checkHouseholdID(id string) error {
	if id == "" || len(id) > 64 || strings.Trim(id, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-") != "" {
		return fmt.Errorf("household %q: want the pass's household, 1-64 of A-Z a-z 0-9 -", id)
	}
	return nil
}
