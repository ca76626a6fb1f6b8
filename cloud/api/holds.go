package api

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"net/http"
	"strings"
	"time"

	"github.com/kakou/kakou/cloud/fleet"
	"github.com/kakou/kakou/cloud/store"
	"github.com/kakou/kakou/firmware/wire"
)

// Holds for sampling and the results that release them (docs/product.md
// "More from the plans": hold, go to the sampling point). The holds are
// listed from the entries the units sent (store.Holds), scoped like every
// listing; a result is recorded by central monitoring and goes to the
// units of the sites in the caller's region that hold the person
// (fleet.Results), which write the releases.

// ResultDesk records test results (*fleet.Results); nil turns POST
// /api/v1/results off.
type ResultDesk interface {
	Record(ctx context.Context, r store.TestResult) (fleet.Recorded, error)
}

// holdJSON is one hold as the API shows it: the name and pass masked,
// never the hashes a result matches by.
type holdJSON struct {
	EntryID    string         `json:"entry_id"`
	Site       string         `json:"site"`
	Unit       string         `json:"unit"`
	HeldAt     time.Time      `json:"held_at"`
	Name       string         `json:"name,omitempty"`
	Phone      string         `json:"phone,omitempty"`
	Pass       string         `json:"pass,omitempty"`
	Reasons    []wire.Reason  `json:"reasons"`
	Returnee   *wire.Returnee `json:"returnee,omitempty"`
	Pending    bool           `json:"pending"`
	ReleaseID  string         `json:"release_id,omitempty"`
	ReleasedAt *time.Time     `json:"released_at"`
	ReleasedBy string         `json:"released_by,omitempty"`
}

func toHoldJSON(h store.HoldRow) holdJSON {
	j := holdJSON{EntryID: h.EntryID, Site: h.Site, Unit: h.Unit, HeldAt: h.HeldAt, Name: maskName(h.Name),
		Phone: h.Phone, Reasons: h.Reasons, Returnee: h.Returnee, Pending: h.Pending(),
		ReleaseID: h.ReleaseID, ReleasedBy: h.ReleasedBy, ReleasedAt: timeOrNull(h.ReleasedAt)}
	if h.Pass != "" {
		j.Pass = wire.MaskID(h.Pass)
	}
	return j
}

var errHoldStatus = errors.New(`status: "pending" (the default), "released" or "all"`)

// holds lists the holds begun within store.HoldWindow: ?site= and ?unit=
// narrow them, ?status= is pending (the default), released or all.
func (s *server) holds(w http.ResponseWriter, r *http.Request) {
	c := s.caller(r)
	var site, unit string
	status := "pending"
	err := readParams(r.URL.Query(), map[string]func(string) error{
		"site": func(v string) error { return idParam(&site, v) },
		"unit": func(v string) error { return idParam(&unit, v) },
		"status": func(v string) error {
			if v != "pending" && v != "released" && v != "all" {
				return errHoldStatus
			}
			status = v
			return nil
		},
	})
	if err == nil {
		err = c.narrow(&site, &unit)
	}
	if err != nil {
		refuse(w, err)
		return
	}
	rows, err := store.Holds(r.Context(), s.store, site, s.opts.Now().Add(-store.HoldWindow))
	if err != nil {
		s.internal(w, "holds", err)
		return
	}
	out := []holdJSON{}
	for i := len(rows) - 1; i >= 0; i-- { // newest first
		h := rows[i]
		if !c.sees(h.Site, h.Unit) || unit != "" && h.Unit != unit ||
			status == "pending" && !h.Pending() || status == "released" && h.Pending() {
			continue
		}
		out = append(out, toHoldJSON(h))
	}
	writeJSON(w, http.StatusOK, map[string]any{"status": status, "count": len(out), "holds": out})
}

// resultRequest is a result as an operator sends it. The person is named
// by pass, or by the keyed hash of their ID number or phone, or by the
// number itself, which the collector hashes under its tracing key and
// never stores.
type resultRequest struct {
	ID        string    `json:"id"`
	Pass      string    `json:"pass"`
	IDHash    string    `json:"id_hash"`
	PhoneHash string    `json:"phone_hash"`
	IDNumber  string    `json:"id_number"`
	Phone     string    `json:"phone"`
	Result    string    `json:"result"`
	SampledAt time.Time `json:"sampled_at"`
}

const resultExample = `{"pass": "P-0012" (or "id_hash"/"phone_hash", or "id_number"/"phone"), "result": "negative", "sampled_at": "2022-04-01T07:30:00+08:00", "id": "lab-123" (optional: a re-sent id is stored once)}`

// recordResult stores a nucleic-acid result and sends it on: POST
// /api/v1/results. Central monitoring only; a monitor limited to a
// region reaches its region's sites only.
func (s *server) recordResult(w http.ResponseWriter, r *http.Request) {
	c := s.caller(r)
	if err := c.require("recording test results", RoleMonitor, RoleTracer); err != nil {
		refuse(w, err)
		return
	}
	if s.opts.Results == nil {
		writeError(w, http.StatusNotFound, "test results are off in this collector")
		return
	}
	var req resultRequest
	dec := json.NewDecoder(http.MaxBytesReader(w, r.Body, 2<<10))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&req); err != nil {
		writeError(w, http.StatusBadRequest, "send JSON like "+resultExample)
		return
	}
	res, err := s.resultOf(req)
	if err != nil {
		writeError(w, http.StatusBadRequest, err.Error())
		return
	}
	tr := store.TestResult{Result: res, Scope: c.Region, By: c.User, RecordedAt: s.opts.Now()}
	if err := s.audit(r.Context(), c, "test_result", map[string]any{"id": res.ID, "result": res.Result,
		"sampled_at": res.SampledAt}); err != nil {
		s.internal(w, "audit the result", err)
		return
	}
	got, err := s.opts.Results.Record(r.Context(), tr)
	if errors.Is(err, store.ErrResultShape) {
		writeError(w, http.StatusBadRequest, err.Error())
		return
	}
	if err != nil {
		s.internal(w, "record the result", err)
		return
	}
	held := []holdJSON{}
	for _, h := range got.Holds {
		if c.sees(h.Site, h.Unit) {
			held = append(held, toHoldJSON(h))
		}
	}
	code := http.StatusCreated
	if !got.New {
		code = http.StatusOK
	}
	writeJSON(w, code, map[string]any{"id": got.Result.Result.ID, "new": got.New, "result": got.Result.Result.Result,
		"holds": held})
}

// resultOf checks req and turns it into the result the units get.
func (s *server) resultOf(req resultRequest) (wire.TestResult, error) {
	res := wire.TestResult{ID: req.ID, Pass: strings.TrimSpace(req.Pass), IDHash: req.IDHash,
		PhoneHash: req.PhoneHash, Result: req.Result, SampledAt: req.SampledAt.UTC()}
	if req.IDNumber != "" || req.Phone != "" {
		key := s.opts.Privacy.TracingKey
		if key == nil {
			return res, errors.New("id_number and phone need the collector's tracing key ([privacy] tracing_key_file); send id_hash or phone_hash, or set the key")
		}
		if req.IDNumber != "" {
			res.IDHash = wire.PersonHash(key, "id", req.IDNumber)
		}
		if req.Phone != "" {
			res.PhoneHash = wire.PersonHash(key, "phone", req.Phone)
		}
	}
	if res.SampledAt.After(s.opts.Now().Add(time.Hour)) {
		return res, errors.New("sampled_at is in the future; give the time the sample was taken")
	}
	if res.ID == "" {
		// The same result sent twice without an id is stored once.
		h := sha256.Sum256([]byte(strings.Join([]string{res.Pass, res.IDHash, res.PhoneHash, res.Result,
			res.SampledAt.Format(time.RFC3339Nano)}, "\x00")))
		res.ID = "r-" + hex.EncodeToString(h[:12])
	}
	if err := res.Validate(); err != nil {
		return res, errors.New(err.Error() + "; send JSON like " + resultExample)
	}
	return res, nil
}
