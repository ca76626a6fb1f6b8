package policy

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"testing"

	"github.com/kakou/kakou/firmware/credential"
	"github.com/kakou/kakou/firmware/wire"
)

// FuzzParse feeds Parse what a site manager or a broken push might send.
// Whatever it accepts must validate, decide every kind of person with a
// known outcome and reasons fit for the wire, and survive the JSON trip
// to and from the centre unchanged.
func FuzzParse(f *testing.F) {
	files, _ := filepath.Glob(filepath.Join(profilesDir, "*.toml"))
	for _, name := range files {
		b, err := os.ReadFile(name)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
	for _, c := range invalidDocs {
		f.Add([]byte(c.doc))
	}
	f.Add([]byte(`{"version": "pushed-1", "facility": "school", "phase": "normal", "checks": {"mask": {"mode": "hard"}}}`))
	f.Add([]byte(`{"version": "pushed-2", "facility": "school", "phase": "normal", "checks": {"staff": {"rounds": [{"name": "晚检", "from": "22:00", "to": "01:00"}]}}}`))
	f.Fuzz(func(t *testing.T, doc []byte) {
		p, err := Parse(doc, "fuzz")
		if err != nil {
			return
		}
		if err := p.Validate(); err != nil {
			t.Fatalf("Parse accepted a policy Validate rejects: %v", err)
		}
		for _, in := range fuzzInputs {
			checkDecision(t, p.Evaluate(in))
		}
		out, err := json.Marshal(p)
		if err != nil {
			t.Fatal(err)
		}
		q, err := Parse(out, "json")
		if err != nil {
			t.Fatalf("its own JSON does not parse: %v\n%s", err, out)
		}
		if again, _ := json.Marshal(q); !bytes.Equal(out, again) {
			t.Fatalf("changed on the way through JSON:\n%s\n%s", out, again)
		}
	})
}

var fuzzInputs = []Input{
	at(resident()), at(courier(), noMask), at(code(credential.StatusRed), inside(5, 3)),
	at(code(credential.StatusTimeout), feverAgain), at(visitorCode(), unsynced, maskUnknown),
	at(noCode(), noReading), at(unreadable(), registered, inside(1)),
	at(watched(resident(), credential.WatchQuarantine, now.Add(hour)), leaving),
	at(watched(tested(code(credential.StatusGreen), 30), credential.WatchReturnee, now.Add(hour))),
}

func checkDecision(t *testing.T, d Decision) {
	t.Helper()
	switch d.Outcome {
	case wire.Allow, wire.Deny, wire.Recheck, wire.Register, wire.Refer, wire.PersuadeReturn, wire.Wait, wire.Hold:
	default:
		t.Fatalf("outcome %q is not on the wire", d.Outcome)
	}
	if len(d.Reasons) == 0 || len(d.Reasons) > 16 {
		t.Fatalf("%d reasons; the wire takes 1-16", len(d.Reasons))
	}
	checkTexts(t, d.Reasons)
}
