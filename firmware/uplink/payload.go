package uplink

import (
	"bytes"
	"encoding/json"
	"fmt"

	"github.com/kakou/kakou/firmware/ledger"
	"github.com/kakou/kakou/firmware/wire"
)

// historicalKey is how json.Marshal spells wire.Entry.Historical, the only
// way it can appear in a body the ledger stored (ledger.Record).
var historicalKey = []byte(`"historical"`)

// historicalTail closes a backlog payload.
const historicalTail = `,"historical":true}`

// payload is what goes on the wire for r: the stored body as it is, and for
// a backlog entry the same with "historical":true added. Decoding every
// entry only to encode it again was half the uplink's own CPU in a drain.
//
// The body is json.Marshal of the entry, which leaves Historical out while
// it is false, so a body that mentions "historical" anywhere (the key, or
// the word in some text) goes the slow way: decoded, set and encoded. The
// key is added last because encoding/json keeps the last of duplicate keys
// and matches them regardless of case: even a body with some other
// spelling of it decodes as historical.
func payload(r *ledger.Record, historical bool) ([]byte, error) {
	if bytes.Contains(r.Body, historicalKey) {
		return reencode(r.Body, historical)
	}
	if !historical {
		return r.Body, nil
	}
	end, ok := objectEnd(r.Body)
	if !ok {
		return reencode(r.Body, historical)
	}
	out := make([]byte, 0, end+len(historicalTail))
	out = append(out, r.Body[:end]...)
	return append(out, historicalTail...), nil
}

// objectEnd finds the closing brace of a body that is a non-empty JSON
// object, ignoring the whitespace around it; ok is false for anything else
// (the JSON inside is not checked, and is what the ledger stored).
func objectEnd(b []byte) (end int, ok bool) {
	first := skipSpace(b, 0)
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

func skipSpace(b []byte, i int) int {
	for i < len(b) && isSpace(b[i]) {
		i++
	}
	return i
}

// isSpace is JSON's whitespace.
func isSpace(c byte) bool { return c == ' ' || c == '\t' || c == '\n' || c == '\r' }

// reencode is the slow way: decode, set Historical, encode.
func reencode(body []byte, historical bool) ([]byte, error) {
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
