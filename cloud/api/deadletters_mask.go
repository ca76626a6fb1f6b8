package api

import (
	"encoding/json"
	"regexp"
	"strings"

	"github.com/kakou/kakou/firmware/wire"
)

// A dead letter is mostly a refused entry, and it names a person as the
// entry would: a visitor's name, a pass's subject, the keyed hashes and
// the sealed box. The API shows it masked as it masks entries
// (maskEntry), for every role unless a tracer asks for ?unmask=1, audited.
// A refused payload may not parse, may be cut at 16 KiB and may spell a
// field differently (that can be why it was refused), so it is masked by
// reading its key/value pairs as text, by what each key says it holds,
// and not by decoding it as a wire.Entry.

// jsonStringPair is a JSON key and the string value after it. The value
// may run to the end of the payload unterminated: a cut-off name is still
// a name.
var jsonStringPair = regexp.MustCompile(`"((?:[^"\\]|\\.)*)"(\s*:\s*)"((?:[^"\\]|\\.)*)("?)`)

// maskPayload masks the string values of keys that hold a person: a name
// keeps its first character (maskName), a subject its ends (wire.MaskID),
// and a hash or sealed box goes.
func maskPayload(p string) string {
	var b strings.Builder
	last := 0
	for _, m := range jsonStringPair.FindAllStringSubmatchIndex(p, -1) {
		key, value := p[m[2]:m[3]], p[m[6]:m[7]]
		masked, ok := maskField(strings.ToLower(key), value)
		if !ok {
			continue
		}
		b.WriteString(p[last:m[6]])
		b.WriteString(masked)
		last = m[7]
	}
	b.WriteString(p[last:])
	return b.String()
}

// maskField masks raw, a JSON string's text without its quotes, if key
// names personal data; ok is false when it does not.
func maskField(key, raw string) (masked string, ok bool) {
	var mask func(string) string
	switch {
	case strings.Contains(key, "hash"), strings.Contains(key, "sealed"):
		return "", true
	case strings.Contains(key, "name"):
		mask = maskName
	case strings.Contains(key, "subject"):
		mask = wire.MaskID
	default:
		return "", false
	}
	var v string
	if json.Unmarshal([]byte(`"`+raw+`"`), &v) != nil {
		v = raw // cut off inside an escape: mask the text as it is
	}
	out, _ := json.Marshal(mask(v)) // a string always marshals
	return string(out[1 : len(out)-1]), true
}
