package api

import (
	"context"
	"net/http"
	"strconv"
	"time"

	"github.com/kakou/kakou/cloud/store"
)

// notificationStore is the outbox's reading side; both backends have it.
type notificationStore interface {
	Notifications(ctx context.Context, alertID string) ([]store.Notification, error)
}

// notificationJSON is one delivery of an alert as the API shows it: where
// it went, at which escalation level, and how it is going. The message
// itself is not shown; it is the alert, which the caller has.
type notificationJSON struct {
	Channel     string     `json:"channel"`
	Level       int        `json:"level"`
	Attempts    int        `json:"attempts"`
	State       string     `json:"state"` // delivered, retrying or gave_up
	CreatedAt   time.Time  `json:"created_at"`
	NextAt      *time.Time `json:"next_at"`
	DeliveredAt *time.Time `json:"delivered_at"`
	GaveUpAt    *time.Time `json:"gave_up_at"`
	LastError   string     `json:"last_error"`
}

// alertNotifications answers whether the people responsible were told:
// GET /api/v1/alerts/{id}/notifications, for whoever may see the alert.
func (s *server) alertNotifications(w http.ResponseWriter, r *http.Request) {
	if len(r.URL.Query()) > 0 {
		writeError(w, http.StatusBadRequest, "this endpoint takes no parameters")
		return
	}
	st, ok := s.store.(notificationStore)
	if !ok {
		writeError(w, http.StatusNotImplemented, "this store keeps no notifications")
		return
	}
	id := r.PathValue("id")
	if ok, err := s.alertInScope(r, s.caller(r), id); err != nil || !ok {
		if err != nil {
			s.internal(w, "find the alert", err)
		} else {
			writeError(w, http.StatusNotFound, "no alert "+strconv.Quote(id)+" at your site or unit")
		}
		return
	}
	rows, err := st.Notifications(r.Context(), id)
	if err != nil {
		s.internal(w, "list the alert's notifications", err)
		return
	}
	out := make([]notificationJSON, len(rows))
	for i, n := range rows {
		state := "retrying"
		switch {
		case !n.DeliveredAt.IsZero():
			state = "delivered"
		case !n.GaveUpAt.IsZero():
			state = "gave_up"
		}
		out[i] = notificationJSON{Channel: n.Channel, Level: n.Level, Attempts: n.Attempts, State: state,
			CreatedAt: n.CreatedAt, NextAt: timeOrNull(n.NextAt), DeliveredAt: timeOrNull(n.DeliveredAt),
			GaveUpAt: timeOrNull(n.GaveUpAt), LastError: n.LastError}
	}
	writeJSON(w, http.StatusOK, map[string]any{"notifications": out})
}
