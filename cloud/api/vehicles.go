package api

import (
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"time"

	"github.com/kakou/kakou/cloud/store"
	"github.com/kakou/kakou/firmware/wire"
)

// vehicleParams is what GET /api/v1/vehicles reads: site and unit (scoped
// by the caller), a window [from, to) (from: today's start unless given),
// a plate, and a limit.
type vehicleParams struct {
	site, unit, plate string
	from, to          time.Time
	limit             int
}

// vehicles lists the vehicles seen at the vehicle lanes (车辆通道) in the
// window, oldest first: each with its plate, what it was judged to be,
// its outcome (empty while undecided) and the people in it. A caller
// sees the vehicles of the sites and units in their scope only.
func (s *server) vehicles(w http.ResponseWriter, r *http.Request) {
	c := s.caller(r)
	p := vehicleParams{from: startOfDay(s.opts.Now(), s.opts.Location), limit: store.DefaultLimit}
	err := readParams(r.URL.Query(), map[string]func(string) error{
		"site":  func(v string) error { return idParam(&p.site, v) },
		"unit":  func(v string) error { return idParam(&p.unit, v) },
		"from":  func(v string) error { return timeParam(&p.from, v) },
		"to":    func(v string) error { return timeParam(&p.to, v) },
		"plate": func(v string) error { return plateParam(&p.plate, v) },
		"limit": func(v string) error { return vehicleLimit(&p.limit, v) },
	})
	if err == nil && !p.to.IsZero() && !p.to.After(p.from) {
		err = fmt.Errorf("to %s is not after from %s", p.to.Format(time.RFC3339), p.from.Format(time.RFC3339))
	}
	if err == nil {
		err = c.narrow(&p.site, &p.unit)
	}
	if err == nil {
		err = s.checkUnit(r.Context(), c, p.site, p.unit)
	}
	if err != nil {
		refuse(w, err)
		return
	}
	// The store is asked for as many as it gives, and the rows outside
	// the caller's scope are dropped here: a regional monitor naming no
	// site asks across every site.
	all, err := store.Vehicles(r.Context(), s.store, store.VehicleQuery{Site: p.site, Since: p.from, Until: p.to, Limit: store.MaxLimit})
	if err != nil {
		s.internal(w, "vehicles", err)
		return
	}
	out := make([]store.Vehicle, 0, min(len(all), p.limit))
	for _, v := range all {
		if len(out) == p.limit {
			break
		}
		if c.sees(v.Site, v.Unit) && (p.unit == "" || v.Unit == p.unit) && (p.plate == "" || v.Plate == p.plate) {
			out = append(out, v)
		}
	}
	writeJSON(w, http.StatusOK, map[string]any{"from": p.from, "to": timeOrNull(p.to), "count": len(out), "vehicles": out})
}

var errPlateParam = errors.New(wire.PlateRules)

// plateParam takes a plate as typed (粤B·12345, 粤b 12345) and refuses
// what is not a Chinese plate.
func plateParam(dst *string, v string) error {
	p := wire.NormalisePlate(v)
	if wire.ValidatePlate(p) != nil {
		return errPlateParam
	}
	*dst = p
	return nil
}

func vehicleLimit(dst *int, v string) error {
	n, err := strconv.Atoi(v)
	if err != nil || n < 1 || n > store.MaxLimit {
		return fmt.Errorf("limit %q is not a whole number from 1 to %d", v, store.MaxLimit)
	}
	*dst = n
	return nil
}
