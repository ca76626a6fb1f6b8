package wire

import (
	"encoding/json"
	"strings"
	"testing"
)

// withMember is the sample entry as JSON with one more member, raw.
func withMember(t *testing.T, name, raw string) []byte {
	t.Helper()
	b, err := json.Marshal(sampleEntry())
	if err != nil {
		t.Fatal(err)
	}
	return append(b[:len(b)-1], []byte(`,"`+name+`":`+raw+`}`)...)
}

// A newer unit's new field is read past; a deep or large unknown member in
// an otherwise valid entry is refused, so it reaches the dead letters
// instead of passing as a re-send of the entry it copies.
func TestDecodeEntryBoundsUnknownMembers(t *testing.T) {
	deep := strings.Repeat(`{"a":`, 40) + "1" + strings.Repeat("}", 40)
	tests := []struct {
		name, raw string
		ok        bool
	}{
		{"a new scalar field", `"v2"`, true},
		{"a new small object", `{"kind":"vaccine","doses":[1,2]}`, true},
		{"a string that looks nested", `"` + strings.Repeat("{[", 100) + `"`, true},
		{"nested 40 deep", deep, false},
		{"an array of arrays", `[[[["x"]]]]`, false},
		{"2 KiB of padding", `"` + strings.Repeat("x", 2048) + `"`, false},
	}
	for _, tt := range tests {
		_, err := DecodeEntry(withMember(t, "future", tt.raw))
		if (err == nil) != tt.ok {
			t.Errorf("%s: err %v, want ok %v", tt.name, err, tt.ok)
		}
		if err != nil && !strings.Contains(err.Error(), "does not know") {
			t.Errorf("%s: error %q does not say what was refused", tt.name, err)
		}
	}
}
