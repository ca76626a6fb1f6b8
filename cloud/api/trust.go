package api

import (
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/kakou/kakou/cloud/store"
	"github.com/kakou/kakou/cloud/trust"
)

// The centre's trust list (cloud/trust): the keys of pass issuers and of
// the health authority, the passes revoked, and the EU DCC signer
// certificates, the same for every unit of the fleet. It holds no site's
// data, so every monitor and tracer may read it, a region's too; changing
// it changes every gate of the fleet, so only central monitoring (role
// monitor, no region) may, each change audited with who made it. A
// listing never carries the certificates themselves: their kid, country,
// subject and expiry say which they are.

// trustOn answers 404 when the trust list is off in this collector.
func (s *server) trustOn(w http.ResponseWriter) bool {
	if s.opts.Trust == nil {
		writeError(w, http.StatusNotFound, "the trust list is off in this collector")
		return false
	}
	return true
}

type trustIssuerJSON struct {
	Kind    store.TrustKind `json:"kind"`
	ID      string          `json:"id"`
	Key     string          `json:"key"`
	AddedAt time.Time       `json:"added_at"`
	AddedBy string          `json:"added_by"`
}

type trustRevokedJSON struct {
	Pass      string    `json:"pass"`
	Reason    string    `json:"reason"`
	RevokedAt time.Time `json:"revoked_at"`
	RevokedBy string    `json:"revoked_by"`
	Version   uint64    `json:"version"`
}

type trustSignerJSON struct {
	KID      string    `json:"kid"`
	Country  string    `json:"country"`
	Subject  string    `json:"subject"`
	NotAfter time.Time `json:"not_after"`
}

// getTrust is GET /api/v1/trust?limit=&pass=: the version, counts, the
// issuers, the newest revocations first (limit, 200 unless set; pass
// finds one) and the DCC signers' summaries.
func (s *server) getTrust(w http.ResponseWriter, r *http.Request) {
	if !s.trustOn(w) {
		return
	}
	c, q := s.caller(r), r.URL.Query()
	err := c.require("the trust list", RoleMonitor, RoleTracer)
	limit := 200
	if err == nil && q.Get("limit") != "" {
		if limit, err = strconv.Atoi(q.Get("limit")); err != nil || limit < 1 || limit > 5000 {
			err = errors.New("limit: 1 to 5000")
		}
	}
	if err != nil {
		refuse(w, err)
		return
	}
	st, err := s.opts.Trust.State(r.Context())
	if err != nil {
		s.internal(w, "read trust list", err)
		return
	}
	pass, health, revoked, dcc := st.TrustCounts()
	issuers := make([]trustIssuerJSON, 0, len(st.Issuers))
	for _, is := range st.Issuers {
		issuers = append(issuers, trustIssuerJSON{is.Kind, is.ID, is.Key, is.AddedAt, is.AddedBy})
	}
	rs := slices.Clone(st.Revoked)
	slices.SortStableFunc(rs, func(a, b store.TrustRevocation) int { return int(int64(b.Version) - int64(a.Version)) })
	out := []trustRevokedJSON{}
	for _, rv := range rs {
		if p := q.Get("pass"); p != "" && rv.Pass != p {
			continue
		}
		if len(out) == limit {
			break
		}
		out = append(out, trustRevokedJSON{rv.Pass, rv.Reason, rv.RevokedAt, rv.RevokedBy, rv.Version})
	}
	signers := make([]trustSignerJSON, 0, len(st.DCC))
	for _, d := range st.DCC {
		signers = append(signers, trustSignerJSON{d.KID, d.Country, d.Subject, d.NotAfter})
	}
	writeJSON(w, http.StatusOK, map[string]any{"version": st.Version, "published": s.opts.Trust.Version(),
		"updated_at": st.UpdatedAt, "updated_by": st.UpdatedBy,
		"counts":  map[string]int{"issuers": pass, "health_issuers": health, "revoked": revoked, "dcc_signers": dcc},
		"issuers": issuers, "revoked": out, "dcc_signers": signers})
}

// trustWriter lets central monitoring change the list, and no one else.
func (s *server) trustWriter(w http.ResponseWriter, r *http.Request) (Caller, bool) {
	if !s.trustOn(w) {
		return Caller{}, false
	}
	c := s.caller(r)
	err := c.require("changing the trust list", RoleMonitor)
	if err == nil && c.Region != "" {
		err = errForbidden("the trust list is the whole fleet's: only central monitoring (no region) changes it")
	}
	if err != nil {
		refuse(w, err)
		return Caller{}, false
	}
	return c, true
}

// decodeTrust reads a small JSON request body into v.
func decodeTrust(w http.ResponseWriter, r *http.Request, v any, example string) bool {
	dec := json.NewDecoder(http.MaxBytesReader(w, r.Body, 4<<10))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		writeError(w, http.StatusBadRequest, "send JSON like "+example)
		return false
	}
	return true
}

// trustChanged answers a change: the list's version and whether it moved.
func (s *server) trustChanged(w http.ResponseWriter, v uint64, changed bool, err error) {
	if errors.Is(err, store.ErrTrustShape) || errors.Is(err, trust.ErrTooManyIssuers) {
		refuse(w, err)
		return
	}
	if err != nil {
		s.internal(w, "change trust list", err)
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"version": v, "changed": changed})
}

// revokePass is POST /api/v1/trust/revoke {"pass": "P-0001", "reason": "丢失"}.
// Revoking a pass already revoked answers changed false and keeps the
// first record.
func (s *server) revokePass(w http.ResponseWriter, r *http.Request) {
	c, ok := s.trustWriter(w, r)
	if !ok {
		return
	}
	var req struct {
		Pass   string `json:"pass"`
		Reason string `json:"reason"`
	}
	if !decodeTrust(w, r, &req, `{"pass": "P-0001", "reason": "丢失"}`) {
		return
	}
	req.Pass, req.Reason = strings.TrimSpace(req.Pass), strings.TrimSpace(req.Reason)
	if err := s.audit(r.Context(), c, "trust_revoke", req); err != nil {
		s.internal(w, "audit revocation", err)
		return
	}
	v, changed, err := s.opts.Trust.Revoke(r.Context(), req.Pass, req.Reason, c.User)
	s.trustChanged(w, v, changed, err)
}

// putTrustIssuer is POST /api/v1/trust/issuers {"kind": "pass"|"health",
// "id": "bureau", "key": "kakou-ed25519-pub:…"}, or with "remove": true
// and no key, takes the issuer off.
func (s *server) putTrustIssuer(w http.ResponseWriter, r *http.Request) {
	c, ok := s.trustWriter(w, r)
	if !ok {
		return
	}
	var req struct {
		Kind   store.TrustKind `json:"kind"`
		ID     string          `json:"id"`
		Key    string          `json:"key"`
		Remove bool            `json:"remove"`
	}
	if !decodeTrust(w, r, &req, `{"kind": "pass", "id": "bureau", "key": "kakou-ed25519-pub:…"} or {"kind": "pass", "id": "bureau", "remove": true}`) {
		return
	}
	if err := s.audit(r.Context(), c, "trust_issuer", req); err != nil {
		s.internal(w, "audit issuer change", err)
		return
	}
	var v uint64
	var changed bool
	var err error
	if req.Remove {
		v, changed, err = s.opts.Trust.RemoveIssuer(r.Context(), req.Kind, req.ID, c.User)
	} else {
		v, changed, err = s.opts.Trust.PutIssuer(r.Context(), req.Kind, req.ID, strings.TrimSpace(req.Key), c.User)
	}
	s.trustChanged(w, v, changed, err)
}

// importDCC is POST /api/v1/trust/dcc?mode=merge|replace with a JSON list
// of certificates (base64 DER or PEM): merged into the signers held, or
// replacing them. Every certificate must parse; the first that does not
// is named with the reason and nothing is stored.
func (s *server) importDCC(w http.ResponseWriter, r *http.Request) {
	c, ok := s.trustWriter(w, r)
	if !ok {
		return
	}
	mode := r.URL.Query().Get("mode")
	if mode != "merge" && mode != "replace" {
		writeError(w, http.StatusBadRequest, "mode: merge (add to the signers held) or replace (the list becomes these)")
		return
	}
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, trust.MaxImportBytes))
	if err != nil {
		writeError(w, http.StatusRequestEntityTooLarge, "the trust list is over 12 MiB: at most 2000 certificates")
		return
	}
	signers, err := trust.ParseSigners(body)
	if err != nil {
		refuse(w, err)
		return
	}
	if err := s.audit(r.Context(), c, "trust_dcc", map[string]any{"mode": mode, "count": len(signers)}); err != nil {
		s.internal(w, "audit DCC import", err)
		return
	}
	v, changed, err := s.opts.Trust.PutDCC(r.Context(), signers, mode == "replace", c.User)
	s.trustChanged(w, v, changed, err)
}
