package store

import (
	"context"
	"fmt"
	"strings"
	"time"
)

// Dead letters are the MQTT messages ingest refused: malformed JSON, an
// unknown schema, a payload whose site or unit is not its topic's (issue 8
// "Malformed MQTT messages go to a dead-letter table"). Ingest still
// acknowledges them, since re-sending never makes one valid; the table is
// where an operator sees what was refused and why, and the evidence when
// someone is probing the broker.

// MaxDeadPayload bounds the payload kept per dead letter: enough to see
// what a message was, not enough for a hostile client to fill the disk
// through the table. Size keeps the full length.
const MaxDeadPayload = 16 << 10

// maxDeadText bounds the topic and error kept, for the same reason.
const maxDeadText = 1 << 10

// DeadLetter is one refused message.
type DeadLetter struct {
	ID         int64     `json:"id"`
	Topic      string    `json:"topic"`
	Payload    []byte    `json:"payload"` // at most MaxDeadPayload bytes; base64 in JSON
	Size       int       `json:"size"`    // the payload's full length
	Truncated  bool      `json:"truncated"`
	Error      string    `json:"error"`
	ReceivedAt time.Time `json:"received_at"`
}

// Clip is d as stored: the payload cut to MaxDeadPayload, the topic and
// error to maxDeadText and made valid UTF-8, since PostgreSQL refuses TEXT
// that is not and the topic is whatever the client sent.
func (d DeadLetter) Clip() DeadLetter {
	if d.Size < len(d.Payload) {
		d.Size = len(d.Payload)
	}
	if len(d.Payload) > MaxDeadPayload {
		d.Payload = d.Payload[:MaxDeadPayload]
	}
	if d.Payload == nil {
		d.Payload = []byte{}
	}
	d.Topic, d.Error = cleanText(d.Topic), cleanText(d.Error)
	return d
}

// cleanText is s cut to maxDeadText bytes, invalid UTF-8 and NUL (which
// PostgreSQL TEXT cannot hold) replaced.
func cleanText(s string) string {
	if len(s) > maxDeadText {
		s = s[:maxDeadText]
	}
	return strings.ReplaceAll(strings.ToValidUTF8(s, "\uFFFD"), "\x00", "\uFFFD")
}

// Finish sets the fields a read derives from the stored ones.
func (d *DeadLetter) Finish(at int64) {
	d.ReceivedAt = time.Unix(0, at).UTC()
	d.Truncated = d.Size > len(d.Payload)
}

const insertDeadLetter = `INSERT INTO dead_letters (topic, payload, size, error, received_at)
	VALUES (?, ?, ?, ?, ?)`

// PutDeadLetter stores a refused message, clipped as DeadLetter says.
func (s *SQLite) PutDeadLetter(ctx context.Context, d DeadLetter) error {
	d = d.Clip()
	_, err := s.w.ExecContext(ctx, insertDeadLetter, d.Topic, d.Payload, d.Size, d.Error, d.ReceivedAt.UnixNano())
	if err != nil {
		return fmt.Errorf("store: dead letter from %.80q: %w", d.Topic, err)
	}
	return nil
}

// DeadLetters returns the newest limit dead letters, newest first.
func (s *SQLite) DeadLetters(ctx context.Context, limit int) ([]DeadLetter, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT id, topic, payload, size, error, received_at
		FROM dead_letters ORDER BY id DESC LIMIT ?`, Query{Limit: limit}.RowLimit())
	if err != nil {
		return nil, fmt.Errorf("store: query dead letters: %w", err)
	}
	defer rows.Close()
	out := []DeadLetter{}
	for rows.Next() {
		var d DeadLetter
		var at int64
		if err := rows.Scan(&d.ID, &d.Topic, &d.Payload, &d.Size, &d.Error, &at); err != nil {
			return nil, fmt.Errorf("store: read dead letter: %w", err)
		}
		d.Finish(at)
		out = append(out, d)
	}
	return out, rows.Err()
}

// CountDeadLetters is how many dead letters are stored, for the metric.
func (s *SQLite) CountDeadLetters(ctx context.Context) (int64, error) {
	var n int64
	if err := s.db.QueryRowContext(ctx, `SELECT count(*) FROM dead_letters`).Scan(&n); err != nil {
		return 0, fmt.Errorf("store: count dead letters: %w", err)
	}
	return n, nil
}
