package console

import (
	"net/http"
	"time"

	"github.com/kakou/kakou/firmware/screening"
	"github.com/kakou/kakou/firmware/wire"
)

// The holds panel (待采样人员): the people this lane held for sampling,
// since when, and whether a negative result or a same-day sampling record
// released them (firmware/screening sampling.go). The lane scans on while
// they are away at the sampling point; the panel is how the guard knows
// who is still expected back.

// holdLister is the lane's list of holds (*screening.Pipeline); a lane
// without one shows an empty panel.
type holdLister interface {
	SamplingHolds() []screening.SamplingHold
}

// holdJSON is one hold as the panel shows it: names and numbers masked
// as the registration left them, a pass shown as its masked reference.
type holdJSON struct {
	Entry       string     `json:"entry"`
	Since       time.Time  `json:"since"`
	Name        string     `json:"name,omitempty"`
	Phone       string     `json:"phone,omitempty"`
	Pass        string     `json:"pass,omitempty"`
	Origin      string     `json:"origin,omitempty"`
	Household   string     `json:"household,omitempty"`
	Reasons     []string   `json:"reasons_zh"`
	Released    bool       `json:"released"`
	ReleasedAt  *time.Time `json:"released_at,omitempty"`
	SampledHere bool       `json:"sampled_here,omitempty"` // released by a same-day record at the gate
}

func toHoldJSON(h screening.SamplingHold) holdJSON {
	e := h.Entry
	j := holdJSON{Entry: e.ID, Since: h.Since, Reasons: []string{}}
	if e.Credential.Kind == wire.CredentialResidentPass && e.Credential.Subject != "" {
		j.Pass = wire.MaskID(e.Credential.Subject)
	}
	if v := e.Visitor; v != nil {
		j.Name, j.Phone, j.Household = maskedName(v.Name), v.Phone, v.Destination
	}
	if r := e.Returnee; r != nil {
		j.Origin, j.Household = r.Origin, r.Household
	}
	for _, r := range e.Reasons {
		j.Reasons = append(j.Reasons, r.ZH)
	}
	if rel := h.Released; rel != nil {
		t := rel.Time
		j.Released, j.ReleasedAt = true, &t
		j.SampledHere = rel.Amends == e.ID && rel.Credential.Kind == wire.CredentialHealthCode
	}
	return j
}

// maskedName keeps a name's first character: 张** for 张三丰; the panel
// hangs at an outdoor gate.
func maskedName(name string) string {
	r := []rune(name)
	for i := 1; i < len(r); i++ {
		r[i] = '*'
	}
	return string(r)
}

// holds lists the lane's holds, pending first, newest first within each.
func (c *Console) holds(w http.ResponseWriter, _ *http.Request) {
	out := []holdJSON{}
	pending := 0
	if l, ok := c.lane.(holdLister); ok {
		var released []holdJSON
		for _, h := range l.SamplingHolds() {
			if j := toHoldJSON(h); j.Released {
				released = append(released, j)
			} else {
				out = append(out, j)
			}
		}
		pending = len(out)
		out = append(out, released...)
	}
	writeJSON(w, http.StatusOK, map[string]any{"pending": pending, "holds": out})
}
