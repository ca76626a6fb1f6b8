package api

import (
	"net/http"
	"regexp"
	"strings"
	"time"

	"github.com/kakou/kakou/cloud/store"
)

// GET /api/v1/dead-letters lists the MQTT messages ingest refused, newest
// first (SECURITY.md "Hostile input": malformed MQTT messages go to a
// dead-letter table), so
// central monitoring sees a unit with broken firmware or a client probing
// the broker. Guards and site managers are refused: a dead letter's topic
// may belong to any site, and nothing in a refused message can be trusted
// to say which.

// deadLetterJSON is a dead letter as the API shows it. The payload is text,
// invalid UTF-8 replaced, since that is what an operator reads; size and
// truncated say how much of it the table kept.
type deadLetterJSON struct {
	ID         int64     `json:"id"`
	Topic      string    `json:"topic"`
	Payload    string    `json:"payload"`
	Size       int       `json:"size"`
	Truncated  bool      `json:"truncated"`
	Error      string    `json:"error"`
	ReceivedAt time.Time `json:"received_at"`
}

// longDigits are runs that may be an ID number or a phone (7+ digits,
// with an ID's trailing X): a refused entry may still carry a person's
// numbers. They are masked for every role, unmasked too; a tracer who
// needs a person's records traces them, audited, from the stored entries.
var longDigits = regexp.MustCompile(`[0-9]{7,}[0-9Xx]?`)

// toDeadLetterJSON shows d with its numbers masked, and unless unmask
// (a tracer's audited request) its names, subjects and hashes too
// (deadletters_mask.go).
func toDeadLetterJSON(d store.DeadLetter, unmask bool) deadLetterJSON {
	payload := longDigits.ReplaceAllStringFunc(strings.ToValidUTF8(string(d.Payload), "\uFFFD"),
		func(s string) string { return s[:3] + strings.Repeat("*", len(s)-7) + s[len(s)-4:] })
	if !unmask {
		payload = maskPayload(payload)
	}
	return deadLetterJSON{ID: d.ID, Topic: d.Topic, Payload: payload, Size: d.Size,
		Truncated: d.Truncated, Error: d.Error, ReceivedAt: d.ReceivedAt}
}

func (s *server) deadLetters(w http.ResponseWriter, r *http.Request) {
	c := s.caller(r)
	if c.Role != RoleMonitor && c.Role != RoleTracer || c.Region != "" {
		writeError(w, http.StatusForbidden, "dead letters are for central monitoring of every site (role monitor or tracer, no region): nothing in a refused message can be trusted to say which site sent it")
		return
	}
	var q store.Query
	values := r.URL.Query()
	unmask, err := takeUnmask(values, c)
	if err == nil {
		err = readParams(values, map[string]func(string) error{
			"limit": func(v string) error { return limitParam(&q, v) },
		})
	}
	if err != nil {
		refuse(w, err)
		return
	}
	if unmask {
		if err := s.audit(r.Context(), c, "unmask_dead_letters", map[string]any{"limit": q.Limit}); err != nil {
			s.internal(w, "audit the unmasked query", err)
			return
		}
	}
	list, err := s.store.DeadLetters(r.Context(), q.Limit)
	if err != nil {
		s.internal(w, "list dead letters", err)
		return
	}
	out := make([]deadLetterJSON, len(list))
	for i, d := range list {
		out[i] = toDeadLetterJSON(d, unmask)
	}
	writeJSON(w, http.StatusOK, map[string]any{"dead_letters": out})
}
