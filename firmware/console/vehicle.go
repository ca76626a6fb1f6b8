package console

import (
	"context"
	"crypto/subtle"
	"errors"
	"io"
	"net/http"
	"strings"

	"github.com/kakou/kakou/firmware/screening"
	"github.com/kakou/kakou/firmware/wire"
)

// Vehicles is what the console needs of a vehicle lane (车辆通道, the
// unit's lane_kind "vehicle"): the vehicle on screen, a plate the guard
// typed or a camera read, and the guard letting the vehicle through or
// turning it back (screening's vehicle.go).
type Vehicles interface {
	OpenVehicle(ctx context.Context, plate, colour, source, by string) (screening.VehicleView, error)
	CloseVehicle(ctx context.Context, by string) (screening.VehicleView, error)
	Vehicle() *screening.VehicleView
}

// anprRoute is where a number-plate camera on the LAN posts what it read.
// It is the one change that carries no guard session: the camera proves
// itself with the unit's device token (Options.ANPRToken) instead.
const anprRoute = "POST /api/anpr"

func (c *Console) vehicleRoutes(m mux) {
	if c.opts.Vehicles == nil {
		return
	}
	m.HandleFunc("GET /api/vehicle", c.vehicle)
	m.HandleFunc("POST /api/vehicle/plate", c.vehiclePlate)
	m.HandleFunc("POST /api/vehicle/close", c.vehicleClose)
	if c.opts.ANPRToken != "" {
		m.HandleFunc(anprRoute, c.anpr)
	}
}

// anprExempt reports whether r is a camera's post, which protect leaves
// to the route's own token check.
func (c *Console) anprExempt(r *http.Request) bool {
	return c.opts.Vehicles != nil && c.opts.ANPRToken != "" && r.Method+" "+r.URL.Path == anprRoute
}

// vehicleJSON is the vehicle lane's part of the screen: null when no
// vehicle has come yet.
type vehicleJSON struct {
	Vehicle *screening.VehicleView `json:"vehicle"`
}

func (c *Console) vehicle(w http.ResponseWriter, r *http.Request) {
	writeJSON(w, http.StatusOK, vehicleJSON{Vehicle: c.opts.Vehicles.Vehicle()})
}

// plateRequest is a plate as the guard or a camera sends it.
type plateRequest struct {
	Plate      string `json:"plate"`
	Colour     string `json:"colour"`
	Confidence *int   `json:"confidence,omitempty"`
}

// vehiclePlate takes {"plate": "粤B12345", "colour": "blue"} typed by the
// guard: the vehicle at the barrier.
func (c *Console) vehiclePlate(w http.ResponseWriter, r *http.Request) {
	var req plateRequest
	if !c.readPlate(w, r, &req) {
		return
	}
	g := c.acting(r)
	by := ""
	if g != nil {
		by = g.ID
	}
	v, err := c.opts.Vehicles.OpenVehicle(r.Context(), req.Plate, req.Colour, wire.PlateByGuard, by)
	c.answerVehicle(w, v, err)
}

// vehicleClose lets the vehicle through, or turns it back, with the
// outcome its occupants' results give; the record goes to the centre.
func (c *Console) vehicleClose(w http.ResponseWriter, r *http.Request) {
	by := ""
	if g := c.acting(r); g != nil {
		by = g.ID
	}
	v, err := c.opts.Vehicles.CloseVehicle(r.Context(), by)
	c.answerVehicle(w, v, err)
}

// anpr takes a camera's read: the same fields as the serial line
// protocol (drivers/anpr), as JSON, with "Authorization: Bearer <token>".
func (c *Console) anpr(w http.ResponseWriter, r *http.Request) {
	got, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
	if !ok || subtle.ConstantTimeCompare([]byte(got), []byte(c.opts.ANPRToken)) != 1 {
		c.opts.Logger.Warn("console: camera post refused: wrong or missing device token", "from", r.RemoteAddr)
		refuse(w, http.StatusUnauthorized, "车牌识别设备令牌不对。",
			"Wrong or missing device token: send Authorization: Bearer <anpr.token from the unit's config>.")
		return
	}
	var req plateRequest
	if !c.readPlate(w, r, &req) {
		return
	}
	if req.Confidence != nil && (*req.Confidence < 0 || *req.Confidence > 100) {
		refuse(w, http.StatusBadRequest, "识别置信度应为 0-100。", "confidence: 0-100")
		return
	}
	if req.Confidence != nil && *req.Confidence < c.opts.ANPRMinConfidence {
		writeJSON(w, http.StatusAccepted, map[string]string{"ignored": "confidence below anpr.min_confidence; the guard types the plate"})
		return
	}
	v, err := c.opts.Vehicles.OpenVehicle(r.Context(), req.Plate, req.Colour, wire.PlateByANPR, c.OnDuty())
	c.answerVehicle(w, v, err)
}

// readPlate reads a small JSON body with a plate; it answers the refusal
// itself and reports whether to go on.
func (c *Console) readPlate(w http.ResponseWriter, r *http.Request, req *plateRequest) bool {
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, 1024))
	if err != nil {
		refuse(w, http.StatusRequestEntityTooLarge, "请求超过 1 KiB。", "request over 1 KiB")
		return false
	}
	if err := decode(body, req, `{"plate": "粤B12345", "colour": "blue"}`); err != nil {
		refuse(w, http.StatusBadRequest, "请发送车牌号，如 {\"plate\": \"粤B12345\"}。", err.Error())
		return false
	}
	return true
}

func (c *Console) answerVehicle(w http.ResponseWriter, v screening.VehicleView, err error) {
	switch {
	case errors.Is(err, screening.ErrBadPlate):
		refuse(w, http.StatusBadRequest, "车牌号格式不对：省份简称 + 字母 + 5 位字母数字（新能源 6 位），或 4 位加 学/警/挂/领/使/港/澳。",
			err.Error())
	case errors.Is(err, screening.ErrNoVehicle):
		refuse(w, http.StatusConflict, "当前没有车辆，请先录入车牌。", "No vehicle at the lane; enter its plate first.")
	case err != nil:
		c.opts.Logger.Error("console: vehicle", "err", err)
		refuse(w, http.StatusInternalServerError, "车辆记录未写入，请人工处置。", err.Error())
	default:
		writeJSON(w, http.StatusOK, vehicleJSON{Vehicle: &v})
	}
}
