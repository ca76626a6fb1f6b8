package store

import (
	"strings"
	"time"
)

// Dead letters are the MQTT messages ingest refused: malformed JSON, an
// unknown schema, a payload whose site or unit is not its topic's (SECURITY.md
// "Hostile input"). Ingest still
// acknowledges them, since re-sending never makes one valid; the table is
// where an operator sees what was refused and why, and the evidence when
// someone is probing the broker.

// MaxDeadPayload bounds the payload kept per dead letter: enough to see
// what a message was, not enough for a hostile client to fill the disk
// through the table. Size keeps the full length.
const MaxDeadPayload = 16 << 10

// MaxDeadText bounds the topic and error kept, for the same reason.
const MaxDeadText = 1 << 10

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
// error to MaxDeadText and made valid UTF-8, since PostgreSQL refuses TEXT
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

// cleanText is s cut to MaxDeadText bytes, invalid UTF-8 and NUL (which
// PostgreSQL TEXT cannot hold) replaced.
func cleanText(s string) string {
	if len(s) > MaxDeadText {
		s = s[:MaxDeadText]
	}
	return strings.ReplaceAll(strings.ToValidUTF8(s, "\uFFFD"), "\x00", "\uFFFD")
}

// Finish sets the fields a read derives from the stored ones.
func (d *DeadLetter) Finish(at int64) {
	d.ReceivedAt = time.Unix(0, at).UTC()
	d.Truncated = d.Size > len(d.Payload)
}
