package console

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"time"

	"github.com/boombuler/barcode/qr"
	"github.com/kakou/kakou/firmware/visit"
	"github.com/kakou/kakou/firmware/wire"
)

// Visits is what the console needs of the unit for visits (及时销号):
// at an entrance, the code of the visit a registration opened and its
// receipt; at an exit, closing a visit; at both, who is still inside.
type Visits interface {
	// Inside is the visitors still inside this unit knows of, oldest
	// first (unit.Unit.Inside).
	Inside(ctx context.Context) ([]wire.Entry, error)
	// CloseOut records the guard's close-out at an exit.
	CloseOut(ctx context.Context, x visit.Exit) (visit.Closed, error)
	// Visit is the open visit an entry opened or continues, with the text
	// of its QR code.
	Visit(entryID string) (wire.Entry, string, bool)
	HasPrinter() bool
	PrintVisit(ctx context.Context, entryID string) error
}

func (c *Console) visitRoutes(mux mux) {
	if c.opts.Visits == nil {
		return
	}
	mux.HandleFunc("GET /api/inside", c.inside)
	mux.HandleFunc("GET /api/visit/{entry}", c.visit)
	mux.HandleFunc("GET /api/visit/{entry}/qr", c.visitQR)
	mux.HandleFunc("POST /api/visit/{entry}/print", c.printVisit)
	mux.HandleFunc("POST /api/exit", c.exit)
}

// visitJSON is a visit as the console shows it: no number but the masked
// ones, and how long the visitor has been inside.
type visitJSON struct {
	Entry       string     `json:"entry"`
	Code        string     `json:"code"`
	Name        string     `json:"name"`
	Phone       string     `json:"phone,omitempty"`
	Destination string     `json:"destination,omitempty"`
	EnteredAt   *time.Time `json:"entered_at,omitempty"`   // nil: the unit's clock was not synced
	StaySeconds *int64     `json:"stay_seconds,omitempty"` // likewise
	Overstay    bool       `json:"overstay"`
}

func (c *Console) visitView(v wire.Entry) visitJSON {
	out := visitJSON{Entry: v.ID, Code: v.Visit.Code, Name: v.Visitor.Name, Phone: v.Visitor.Phone,
		Destination: v.Visitor.Destination}
	if v.ClockSynced {
		t := v.Time
		stay := int64(c.opts.Now().Sub(t) / time.Second)
		out.EnteredAt, out.StaySeconds = &t, &stay
		out.Overstay = v.Visit.MaxStaySeconds > 0 && stay > v.Visit.MaxStaySeconds
	}
	return out
}

// inside lists the visitors still inside, for the console's list and the
// hand-over.
func (c *Console) inside(w http.ResponseWriter, r *http.Request) {
	es, err := c.opts.Visits.Inside(r.Context())
	if err != nil {
		writeJSON(w, http.StatusInternalServerError, map[string]string{"error": err.Error()})
		return
	}
	out := make([]visitJSON, 0, len(es))
	for _, e := range es {
		out = append(out, c.visitView(e))
	}
	writeJSON(w, http.StatusOK, map[string]any{"count": len(out), "inside": out})
}

// visit is the code of the visit an entry opened: the page shows it after
// a registration.
func (c *Console) visit(w http.ResponseWriter, r *http.Request) {
	v, qrText, ok := c.opts.Visits.Visit(r.PathValue("entry"))
	if !ok {
		writeJSON(w, http.StatusNotFound, map[string]string{"error": "该记录没有进行中的访客登记 (no open visit for this entry)"})
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"visit": c.visitView(v), "qr": qrText,
		"printer": c.opts.Visits.HasPrinter()})
}

// visitQR draws the visit's QR code as SVG, on the unit: the console
// works with no internet, and the browser needs no QR library.
func (c *Console) visitQR(w http.ResponseWriter, r *http.Request) {
	_, qrText, ok := c.opts.Visits.Visit(r.PathValue("entry"))
	if !ok {
		http.NotFound(w, r)
		return
	}
	svg, err := qrSVG(qrText)
	if err != nil {
		http.Error(w, err.Error(), http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "image/svg+xml")
	w.Header().Set("Cache-Control", "no-store")
	io.WriteString(w, svg)
}

// qrSVG is text as a QR code (level M), one unit per module with a
// four-module quiet zone, drawn as a single path.
func qrSVG(text string) (string, error) {
	code, err := qr.Encode(text, qr.M, qr.Auto)
	if err != nil {
		return "", fmt.Errorf("console: qr: %w", err)
	}
	n := code.Bounds().Dx()
	var b strings.Builder
	fmt.Fprintf(&b, `<svg xmlns="http://www.w3.org/2000/svg" viewBox="-4 -4 %d %d" shape-rendering="crispEdges">`, n+8, n+8)
	fmt.Fprintf(&b, `<rect x="-4" y="-4" width="%d" height="%d" fill="#fff"/><path fill="#000" d="`, n+8, n+8)
	for y := range n {
		for x := range n {
			if r, _, _, _ := code.At(x, y).RGBA(); r == 0 {
				fmt.Fprintf(&b, "M%d %dh1v1h-1z", x, y)
			}
		}
	}
	b.WriteString(`"/></svg>`)
	return b.String(), nil
}

func (c *Console) printVisit(w http.ResponseWriter, r *http.Request) {
	if !sameOrigin(w, r) {
		return
	}
	if err := c.opts.Visits.PrintVisit(r.Context(), r.PathValue("entry")); err != nil {
		writeJSON(w, http.StatusConflict, map[string]string{"error": err.Error()})
		return
	}
	writeJSON(w, http.StatusOK, map[string]bool{"printed": true})
}

// exit takes {"code": "301234"}, {"phone": "…"} or {"id": "…"}, with
// "confirm": true to record one this unit cannot match. The numbers are
// hashed by the unit and never kept.
func (c *Console) exit(w http.ResponseWriter, r *http.Request) {
	if !sameOrigin(w, r) {
		return
	}
	var req struct {
		Code, Phone, ID string
		Confirm         bool
	}
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, 4096))
	if err != nil || json.Unmarshal(body, &req) != nil {
		writeJSON(w, http.StatusBadRequest, map[string]string{"error": `send {"code": "301234"}, {"phone": "…"} or {"id": "…"}`})
		return
	}
	x := visit.Exit{Code: req.Code, Phone: req.Phone, ID: req.ID, Confirm: req.Confirm}
	if g := c.signedIn(r); g != nil {
		x.Guard = g.ID
	}
	got, err := c.opts.Visits.CloseOut(r.Context(), x)
	switch {
	case errors.Is(err, visit.ErrNotHere):
		writeJSON(w, http.StatusConflict, map[string]any{"error": err.Error(), "confirm": true})
		return
	case err != nil:
		writeJSON(w, http.StatusBadRequest, map[string]string{"error": err.Error()})
		return
	}
	c.opts.Logger.Info("guard action: visit closed", "seq", got.Entry.Seq, "matched_by", got.Entry.CloseOut.MatchedBy)
	out := map[string]any{"entry": got.Entry}
	if got.Visit != nil {
		out["visit"] = c.visitView(*got.Visit)
	}
	writeJSON(w, http.StatusOK, out)
}
