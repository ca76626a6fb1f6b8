package delivery

import (
	"bytes"
	"encoding/json"
	"fmt"

	"github.com/kakou/kakou/firmware/wire"
)

// HistoricalKey is how json.Marshal spells wire.Entry.Historical, the only
// way it can appear in an entry a unit stored or published.
var HistoricalKey = []byte(`"historical"`)

// historicalTail closes a backlog payload.
const historicalTail = `,"historical":true}`

// Historical is an entry sent from the backlog: body, the JSON the ledger
// or the gateway's store holds, with "historical":true spliced in place of
// the closing brace. Decoding and encoding every entry was half the
// sender's CPU in a drain, and would drop any field this build does not
// know.
//
// The body is json.Marshal of the entry, which leaves Historical out while
// it is false, so a body that mentions "historical" anywhere (the key, or
// the word in some text) goes the slow way: decoded, set and encoded, so
// the key is never doubled. encoding/json keeps the last of duplicate keys
// and matches them regardless of case, so even a body with some other
// spelling of it decodes as historical.
func Historical(body []byte) ([]byte, error) {
	if bytes.Contains(body, HistoricalKey) {
		return Reencode(body, true)
	}
	end, ok := objectEnd(body)
	if !ok {
		return Reencode(body, true)
	}
	out := make([]byte, 0, end+len(historicalTail))
	out = append(out, body[:end]...)
	return append(out, historicalTail...), nil
}

// objectEnd finds the closing brace of a body that is a non-empty JSON
// object, ignoring the whitespace around it; ok is false for anything else
// (the JSON inside is not checked: it is what was stored).
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

// Reencode is the slow way: decode, set Historical, encode. Fields this
// build does not know are lost, which is why it is only the fallback.
func Reencode(body []byte, historical bool) ([]byte, error) {
	var e wire.Entry
	if err := json.Unmarshal(body, &e); err != nil {
		return nil, fmt.Errorf("decode stored entry: %w", err)
	}
	e.Historical = historical
	b, err := json.Marshal(&e)
	if err != nil {
		return nil, fmt.Errorf("encode entry: %w", err)
	}
	return b, nil
}
