package bridge

import (
	"bytes"
	"encoding/json"
	"fmt"

	"github.com/kakou/kakou/firmware/wire"
)

// historicalKey is how json.Marshal spells wire.Entry.Historical.
var historicalKey = []byte(`"historical"`)

// historicalTail closes a backlog payload.
const historicalTail = `,"historical":true}`

// payload is what goes to the cloud for a stored body: as the unit
// published it for a live record, and with "historical":true added for a
// backlog record, spliced in place of the closing brace. Decoding and
// encoding every entry would be most of the bridge's CPU in a drain, and
// would drop any field this build does not know.
//
// A body that mentions "historical" anywhere (the unit sent it from its own
// backlog, or some text holds the word) goes the slow way, decoded, set and
// encoded, so the key is never doubled. A live record keeps the unit's own
// flag: an entry a unit sends from its backlog is historical however the
// gateway forwards it.
func payload(body []byte, historical bool) ([]byte, error) {
	if !historical {
		return body, nil
	}
	if bytes.Contains(body, historicalKey) {
		return reencode(body)
	}
	end, ok := objectEnd(body)
	if !ok {
		return reencode(body)
	}
	out := make([]byte, 0, end+len(historicalTail))
	out = append(out, body[:end]...)
	return append(out, historicalTail...), nil
}

// objectEnd finds the closing brace of a body that is a non-empty JSON
// object, ignoring the whitespace around it; ok is false for anything else
// (the JSON inside is not checked: it is what the unit published).
func objectEnd(b []byte) (end int, ok bool) {
	first := 0
	for first < len(b) && isSpace(b[first]) {
		first++
	}
	end = len(b) - 1
	for end > first && isSpace(b[end]) {
		end--
	}
	if first >= len(b) || b[first] != '{' || end <= first || b[end] != '}' {
		return 0, false
	}
	last := end - 1 // the last byte of the object's contents
	for last > first && isSpace(b[last]) {
		last--
	}
	return end, last > first
}

// isSpace is JSON's whitespace.
func isSpace(c byte) bool { return c == ' ' || c == '\t' || c == '\n' || c == '\r' }

// reencode is the slow way: decode, set Historical, encode. Fields this
// build does not know are lost, which is why it is only the fallback.
func reencode(body []byte) ([]byte, error) {
	var e wire.Entry
	if err := json.Unmarshal(body, &e); err != nil {
		return nil, fmt.Errorf("decode stored entry: %w", err)
	}
	e.Historical = true
	b, err := json.Marshal(&e)
	if err != nil {
		return nil, fmt.Errorf("encode entry: %w", err)
	}
	return b, nil
}
