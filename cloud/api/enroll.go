package api

import (
	"context"
	"encoding/json"
	"errors"
	"log/slog"
	"net/http"
	"time"

	"github.com/kakou/kakou/cloud/devicepass"
	"github.com/kakou/kakou/cloud/store"
	"github.com/kakou/kakou/firmware/wire"
)

// Enroller is what enrollment needs of the store; both backends have it.
type Enroller interface {
	Enroll(ctx context.Context, e store.Enrollment) (store.DeviceCredential, error)
	PutAudit(ctx context.Context, r store.AuditRecord) error
}

// EnrollRequest is the body of POST /api/v1/enroll.
type EnrollRequest struct {
	Site  string `json:"site"`
	Unit  string `json:"unit"`
	Token string `json:"token"`
	// Role is what the device is installed as ("unit" or "gateway"); a
	// token issued for the other role is refused unspent. Optional, so
	// devices that do not send it still enroll.
	Role string `json:"role,omitempty"`
}

// EnrollResponse is the device's new MQTT credential. The password is
// shown this once: only its hash is kept.
type EnrollResponse struct {
	Site     string `json:"site"`
	Unit     string `json:"unit"`
	Role     string `json:"role"`
	Username string `json:"username"`
	Password string `json:"password"`
}

// enrollBodyLimit bounds the request: three short strings.
const enrollBodyLimit = 4 << 10

// enroll trades a one-time token for a device credential (cloud/README.md
// "Device identity"). The endpoint takes no login: the token is the
// device's proof. Every outcome is logged and audited; refusals say why
// in the status (409 token spent, 401 otherwise) and what to do.
func enroll(st Store, log *slog.Logger, now func() time.Time) http.HandlerFunc {
	en, ok := st.(Enroller)
	return func(w http.ResponseWriter, r *http.Request) {
		if !ok {
			writeError(w, http.StatusNotImplemented, "this collector's store cannot enroll devices")
			return
		}
		var req EnrollRequest
		dec := json.NewDecoder(http.MaxBytesReader(w, r.Body, enrollBodyLimit))
		dec.DisallowUnknownFields()
		if err := dec.Decode(&req); err != nil || wire.ValidateID(req.Site) != nil ||
			wire.ValidateID(req.Unit) != nil || req.Token == "" ||
			(req.Role != "" && req.Role != store.RoleUnit && req.Role != store.RoleGateway) {
			writeError(w, http.StatusBadRequest, `want {"site": …, "unit": …, "token": …, "role": "unit"|"gateway"} with valid ids`)
			return
		}
		pw := devicepass.New()
		hash, err := devicepass.Hash(pw)
		if err != nil {
			writeError(w, http.StatusInternalServerError, "hashing the new password failed")
			return
		}
		cred, err := en.Enroll(r.Context(), store.Enrollment{Token: req.Token, Site: req.Site,
			Unit: req.Unit, Role: req.Role, PasswordHash: hash, At: now()})
		auditEnroll(r, en, log, req, now(), err)
		if code, msg := enrollRefusal(err); code != 0 {
			writeError(w, code, msg)
			return
		}
		writeJSON(w, http.StatusOK, EnrollResponse{Site: cred.Site, Unit: cred.Unit, Role: cred.Role,
			Username: cred.Username(), Password: pw})
	}
}

// enrollRefusal is the status and message for a failed enrollment, or 0.
func enrollRefusal(err error) (int, string) {
	const ask = "; ask the centre for a new token (kakou-cloud enroll-token -site … -unit …)"
	switch {
	case err == nil:
		return 0, ""
	case errors.Is(err, store.ErrTokenUsed):
		return http.StatusConflict, "enrollment token already used" + ask
	case errors.Is(err, store.ErrTokenExpired):
		return http.StatusUnauthorized, "enrollment token expired" + ask
	case errors.Is(err, store.ErrTokenUnknown):
		return http.StatusUnauthorized, "enrollment token unknown: check it was copied whole" + ask
	case errors.Is(err, store.ErrTokenMismatch):
		return http.StatusUnauthorized, "enrollment token was issued for another site or unit: check site and unit in the config"
	case errors.Is(err, store.ErrTokenRole):
		return http.StatusUnauthorized, "enrollment token was issued for the other role: a gateway needs a token from kakou-cloud enroll-token -role gateway, a unit one without it"
	}
	return http.StatusInternalServerError, "enrollment failed; the collector's log has the details"
}

// auditEnroll records the attempt, with the reason when refused. The
// token itself is never logged.
func auditEnroll(r *http.Request, en Enroller, log *slog.Logger, req EnrollRequest, at time.Time, err error) {
	action, outcome := "enroll", "enrolled"
	if err != nil {
		action, outcome = "enroll_refused", err.Error()
	}
	detail, _ := json.Marshal(map[string]string{"site": req.Site, "unit": req.Unit,
		"outcome": outcome, "remote": r.RemoteAddr})
	if err != nil {
		log.Warn("enrollment refused", "site", req.Site, "unit", req.Unit, "remote", r.RemoteAddr, "reason", err)
	} else {
		log.Info("device enrolled", "site", req.Site, "unit", req.Unit, "remote", r.RemoteAddr)
	}
	rec := store.AuditRecord{At: at, User: req.Unit, Role: "device", Action: action, Detail: string(detail)}
	if aerr := en.PutAudit(context.WithoutCancel(r.Context()), rec); aerr != nil {
		log.Error("audit enrollment", "err", aerr)
	}
}
