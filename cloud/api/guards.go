package api

import (
	"context"
	"crypto/rand"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math/big"
	"net/http"
	"time"

	"github.com/kakou/kakou/cloud/store"
	"github.com/kakou/kakou/firmware/wire"
)

// The guards who sign in at a site's consoles are managed here, by the
// site's manager or central monitoring: list them (never their PIN
// hashes), add or rename one, disable or enable one, reset a lost PIN
// (set by the operator, or generated and shown once in the answer). Each
// change is audited without the PIN, and the site's signed roster goes at
// once to every unit of the site (fleet.Rosters).

// GuardStore keeps the sites' guards (store.Guard).
type GuardStore interface {
	Guards(ctx context.Context, site string) ([]store.Guard, error)
	PutGuard(ctx context.Context, g store.Guard) (store.Guard, error)
}

// GuardDesk turns the guard endpoints on: where guards are kept, and what
// sends a site's roster to its units.
type GuardDesk struct {
	Store   GuardStore
	Publish func(ctx context.Context, site string) error
}

// guardJSON is a guard as the API shows it: no PIN hash, ever.
type guardJSON struct {
	ID        string    `json:"id"`
	Name      string    `json:"name"`
	Disabled  bool      `json:"disabled"`
	Version   uint64    `json:"version"`
	UpdatedAt time.Time `json:"updated_at"`
	UpdatedBy string    `json:"updated_by"`
}

func toGuardJSON(g store.Guard) guardJSON {
	return guardJSON{g.ID, g.Name, g.Disabled, g.Version, g.UpdatedAt, g.UpdatedBy}
}

// guardsCaller checks the guard endpoints are on and c may manage site's
// guards; it answers the refusal itself.
func (s *server) guardsCaller(w http.ResponseWriter, r *http.Request) (Caller, string, bool) {
	c, site := s.caller(r), r.PathValue("site")
	err := c.require("managing guards", RoleMonitor, RoleSiteManager)
	if err == nil && wire.ValidateID(site) != nil {
		err = fmt.Errorf("site %q: use a-z, 0-9, '-' and '_'", site)
	}
	if err == nil && !c.sees(site, "") {
		err = errForbidden("you may manage the guards of site " + c.Site + " only, not " + site)
	}
	switch {
	case s.opts.Guards == nil:
		writeError(w, http.StatusNotFound, "guard management is off in this collector")
		return c, "", false
	case err != nil:
		refuse(w, err)
		return c, "", false
	}
	return c, site, true
}

func (s *server) listGuards(w http.ResponseWriter, r *http.Request) {
	_, site, ok := s.guardsCaller(w, r)
	if !ok {
		return
	}
	gs, err := s.opts.Guards.Store.Guards(r.Context(), site)
	if err != nil {
		s.internal(w, "list guards", err)
		return
	}
	out := make([]guardJSON, len(gs))
	for i, g := range gs {
		out[i] = toGuardJSON(g)
	}
	writeJSON(w, http.StatusOK, map[string]any{"site": site, "guards": out})
}

// guardChange is a change an operator asks for; fields a route does not
// take are left out of its request.
type guardChange struct {
	ID   string `json:"id"`
	Name string `json:"name"`
	PIN  string `json:"pin"` // "" on a new guard or a reset: generate one
}

func decodeChange(w http.ResponseWriter, r *http.Request, v *guardChange, example string) bool {
	dec := json.NewDecoder(http.MaxBytesReader(w, r.Body, 2<<10))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil && !errors.Is(err, io.EOF) { // no body: nothing asked
		writeError(w, http.StatusBadRequest, "send JSON like "+example)
		return false
	}
	return true
}

// putGuard adds a guard or renames one: {"id": "wang", "name": "王师傅",
// "pin": "2468"}; a new guard without a pin gets a generated one.
func (s *server) putGuard(w http.ResponseWriter, r *http.Request) {
	c, site, ok := s.guardsCaller(w, r)
	if !ok {
		return
	}
	var req guardChange
	if !decodeChange(w, r, &req, `{"id": "wang", "name": "王师傅", "pin": "2468" (or leave it out to generate one)}`) {
		return
	}
	old, found, err := s.findGuard(r.Context(), site, req.ID)
	if err != nil {
		s.internal(w, "read guard", err)
		return
	}
	g := old
	g.Site, g.ID, g.Name = site, req.ID, req.Name
	action := "guard_update"
	if !found {
		action = "guard_add"
	}
	s.changeGuard(w, r, c, g, action, req.PIN, !found || req.PIN != "")
}

// setDisabled disables or enables a guard: a disabled guard is signed out
// at every console of the site as soon as the roster arrives.
func (s *server) setDisabled(disabled bool) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		c, site, ok := s.guardsCaller(w, r)
		if !ok {
			return
		}
		g, ok := s.pathGuard(w, r, site)
		if !ok {
			return
		}
		g.Disabled = disabled
		s.changeGuard(w, r, c, g, map[bool]string{true: "guard_disable", false: "guard_enable"}[disabled], "", false)
	}
}

// resetPIN gives a guard a new PIN, {"pin": "…"} or generated; their old
// PIN stops working and their sessions end at every console of the site.
func (s *server) resetPIN(w http.ResponseWriter, r *http.Request) {
	c, site, ok := s.guardsCaller(w, r)
	if !ok {
		return
	}
	var req guardChange
	if !decodeChange(w, r, &req, `{"pin": "2468"} or {} to generate one`) {
		return
	}
	g, ok := s.pathGuard(w, r, site)
	if !ok {
		return
	}
	s.changeGuard(w, r, c, g, "guard_reset_pin", req.PIN, true)
}

// pathGuard is the site's guard the path's {id} names; false once it has
// answered 404 (no such guard) or 500.
func (s *server) pathGuard(w http.ResponseWriter, r *http.Request, site string) (store.Guard, bool) {
	g, found, err := s.findGuard(r.Context(), site, r.PathValue("id"))
	if err != nil {
		s.internal(w, "read guard", err)
		return g, false
	}
	if !found {
		writeError(w, http.StatusNotFound, "no guard "+r.PathValue("id")+" at site "+site)
	}
	return g, found
}

func (s *server) findGuard(ctx context.Context, site, id string) (store.Guard, bool, error) {
	gs, err := s.opts.Guards.Store.Guards(ctx, site)
	for _, g := range gs {
		if g.ID == id {
			return g, true, err
		}
	}
	return store.Guard{}, false, err
}

// changeGuard hashes a new PIN if newPIN (generating one when pin is ""),
// stores g, audits the change and publishes the site's roster. The answer
// carries a generated PIN, the only time anyone sees it.
func (s *server) changeGuard(w http.ResponseWriter, r *http.Request, c Caller, g store.Guard, action, pin string, newPIN bool) {
	generated := false
	if newPIN {
		if pin == "" {
			pin, generated = generatePIN(), true
		}
		h, err := wire.HashPIN(pin)
		if err != nil {
			writeError(w, http.StatusBadRequest, "pin: "+err.Error())
			return
		}
		g.PINHash = h
	}
	g.UpdatedAt, g.UpdatedBy = s.opts.Now(), c.User
	stored, err := s.opts.Guards.Store.PutGuard(r.Context(), g)
	if errors.Is(err, store.ErrGuardShape) {
		writeError(w, http.StatusBadRequest, `a guard needs an id (a-z, 0-9, '-', '_') and a name of 1-32 characters`)
		return
	}
	if err != nil {
		s.internal(w, "store guard", err)
		return
	}
	if err := s.audit(r.Context(), c, action, map[string]any{"site": g.Site, "guard": g.ID, "name": g.Name,
		"disabled": g.Disabled, "pin_changed": newPIN, "pin_generated": generated, "version": stored.Version}); err != nil {
		s.log.Error("guard change not audited", "action", action, "err", err)
	}
	pushErr := s.opts.Guards.Publish(r.Context(), g.Site)
	if pushErr != nil {
		// Stored; the reconciler sends the roster again.
		s.log.Warn("guard roster stored but not yet sent to every unit", "site", g.Site, "err", pushErr)
	}
	out := map[string]any{"guard": toGuardJSON(stored), "pushed": pushErr == nil}
	if generated {
		out["pin"] = pin // shown this once; only its hash is kept
	}
	writeJSON(w, http.StatusOK, out)
}

// generatePIN is six random digits.
func generatePIN() string {
	n, err := rand.Int(rand.Reader, big.NewInt(1_000_000))
	if err != nil {
		panic(err) // crypto/rand does not fail
	}
	return fmt.Sprintf("%06d", n.Int64())
}
