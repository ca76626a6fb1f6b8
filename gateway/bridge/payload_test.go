package bridge

import (
	"bytes"
	"encoding/json"
	"testing"

	"github.com/kakou/kakou/firmware/wire"
)

// payloadCases seed both the table test and the fuzz target.
var payloadCases = []struct {
	name    string
	body    string
	want    string // for historical; "" when only decoding can tell
	wantErr bool
}{
	{name: "object", body: `{"schema":1,"id":"a"}`, want: `{"schema":1,"id":"a","historical":true}`},
	{name: "whitespace around", body: " \n{\"seq\":2}\r\n\t", want: " \n{\"seq\":2,\"historical\":true}"},
	{name: "whitespace inside", body: `{"seq":2 }`, want: `{"seq":2 ,"historical":true}`},
	{name: "nested last", body: `{"visitor":{"name":"x"}}`, want: `{"visitor":{"name":"x"},"historical":true}`},
	{name: "already historical", body: `{"seq":3,"historical":true}`},
	{name: "historical false", body: `{"seq":3,"historical":false}`},
	{name: "the word in a text", body: `{"seq":4,"reasons":[{"code":"x","zh":"","en":"\"historical\" note"}]}`},
	{name: "other spelling", body: `{"seq":5,"Historical":false}`, want: `{"seq":5,"Historical":false,"historical":true}`},
	{name: "empty object", body: `{}`},
	{name: "not an object", body: `[1,2]`, wantErr: true},
	{name: "not JSON", body: `{"seq":`, wantErr: true},
	{name: "empty", body: ``, wantErr: true},
}

func TestPayloadMarksOnlyBacklogHistorical(t *testing.T) {
	for _, tc := range payloadCases {
		t.Run(tc.name, func(t *testing.T) {
			live, err := payload([]byte(tc.body), false)
			if err != nil || string(live) != tc.body {
				t.Errorf("live payload = %q, %v; want the body as stored", live, err)
			}
			got, err := payload([]byte(tc.body), true)
			if (err != nil) != tc.wantErr {
				t.Fatalf("historical payload error %v, want error %v", err, tc.wantErr)
			}
			if tc.want != "" && string(got) != tc.want {
				t.Errorf("historical payload = %s, want %s", got, tc.want)
			}
			if err == nil {
				checkHistorical(t, []byte(tc.body), got)
			}
		})
	}
}

// checkHistorical asserts out is body's entry, unchanged but for
// Historical, which is set.
func checkHistorical(t *testing.T, body, out []byte) {
	t.Helper()
	var before, after wire.Entry
	if err := json.Unmarshal(body, &before); err != nil {
		return // not an entry: only the fallback's error matters
	}
	if err := json.Unmarshal(out, &after); err != nil {
		t.Fatalf("payload %q of a valid body %q does not decode: %v", out, body, err)
	}
	if !after.Historical {
		t.Fatalf("payload %q of %q is not historical", out, body)
	}
	before.Historical, after.Historical = false, false
	b1, _ := json.Marshal(before)
	b2, _ := json.Marshal(after)
	if !bytes.Equal(b1, b2) {
		t.Fatalf("payload changed the entry:\n body %s\n out  %s", body, out)
	}
}

func FuzzPayload(f *testing.F) {
	for _, tc := range payloadCases {
		f.Add([]byte(tc.body))
	}
	e := entry(testSite, "door-1", 7, "fever")
	e.Visitor = &wire.Visitor{Name: "王*"}
	b, _ := json.Marshal(e)
	f.Add(b)
	f.Fuzz(func(t *testing.T, body []byte) {
		live, err := payload(body, false)
		if err != nil || !bytes.Equal(live, body) {
			t.Fatalf("live payload changed the body: %q, %v", live, err)
		}
		out, err := payload(body, true)
		if err != nil {
			if json.Unmarshal(body, new(wire.Entry)) == nil {
				t.Fatalf("a body that decodes as an entry was refused: %v", err)
			}
			return
		}
		checkHistorical(t, body, out)
	})
}
