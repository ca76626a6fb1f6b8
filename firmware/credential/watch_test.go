package credential

import (
	"strings"
	"testing"
	"time"
)

func TestParseWatchListReadsTheCentresDocument(t *testing.T) {
	w, err := ParseWatchList([]byte(testWatchList))
	if err != nil {
		t.Fatal(err)
	}
	if w.Version() != "2026-03-01.1" || w.Len() != 4 {
		t.Fatalf("version %q, %d entries", w.Version(), w.Len())
	}
	q := w.Lookup("Q-1", testNow, true)
	want := time.Date(2026, 3, 8, 0, 0, 0, 0, time.FixedZone("", 8*3600))
	if q == nil || q.Kind != WatchQuarantine || !q.Until.Equal(want) || q.Note != "居家隔离 14天" {
		t.Fatalf("Q-1: %+v", q)
	}
	if w.Lookup("Q-1", want, true) != nil {
		t.Fatal("quarantine still listed at its end")
	}
	if w.Lookup("nobody", testNow, true) != nil {
		t.Fatal("an unlisted pass was found")
	}
	var none *WatchList
	if none.Lookup("Q-1", testNow, true) != nil || none.Len() != 0 || none.Version() != "" {
		t.Fatal("a nil list is not empty")
	}
}

func TestParseWatchListNamesEveryBadEntryAndField(t *testing.T) {
	cases := []struct {
		name string
		doc  string
		want []string
	}{
		{"not JSON", `{"version":`, []string{"credential: watch list"}},
		{"unknown top-level field", `{"version": "1", "entries": [], "extra": 1}`, []string{"extra"}},
		{"no version", `{"entries": []}`, []string{"version"}},
		{"bad kind", `{"version": "1", "entries": [{"pass": "A-1", "kind": "suspect"}]}`, []string{"entries[0]: kind"}},
		{"bad pass id", `{"version": "1", "entries": [{"pass": "A 1", "kind": "returnee"}]}`, []string{"entries[0]: pass"}},
		{"quarantine without end", `{"version": "1", "entries": [{"pass": "A-1", "kind": "quarantine"}]}`, []string{"entries[0]: until"}},
		{"date not RFC 3339", `{"version": "1", "entries": [{"pass": "A-1", "kind": "quarantine", "until": "2026-03-08"}]}`,
			[]string{"entries[0]: until"}},
		{"note with a newline", `{"version": "1", "entries": [{"pass": "A-1", "kind": "returnee", "note": "a\nb"}]}`,
			[]string{"entries[0]: note"}},
		{"unknown entry field", `{"version": "1", "entries": [{"pass": "A-1", "kind": "returnee", "name": "张三"}]}`,
			[]string{"entries[0]", "name"}},
		{"duplicate pass", `{"version": "1", "entries": [{"pass": "A-1", "kind": "returnee"}, {"pass": "A-1", "kind": "returnee"}]}`,
			[]string{"entries[1]: pass", "entries[0]"}},
		{"every problem at once", `{"version": "1", "entries": [{"pass": "A-1", "kind": "x"}, {"pass": "", "kind": "returnee"},
			{"pass": "C-3", "kind": "quarantine", "until": "soon"}]}`,
			[]string{"entries[0]: kind", "entries[1]: pass", "entries[2]: until"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, err := ParseWatchList([]byte(c.doc))
			if err == nil {
				t.Fatal("accepted")
			}
			for _, w := range c.want {
				if !strings.Contains(err.Error(), w) {
					t.Fatalf("error %q does not name %q", err, w)
				}
			}
		})
	}
}

func TestParseWatchListCapsItsErrorList(t *testing.T) {
	doc := `{"version": "1", "entries": [` + strings.Repeat(`{"pass": "", "kind": "x"},`, 30) + `{"pass": "", "kind": "x"}]}`
	_, err := ParseWatchList([]byte(doc))
	if err == nil || !strings.Contains(err.Error(), "and 21 more") || strings.Count(err.Error(), "entries[") != maxWatchErrors {
		t.Fatalf("error %v", err)
	}
}

// FuzzParseWatchList: any document either fails with an error or gives a
// list whose entries are safe to look up and display.
func FuzzParseWatchList(f *testing.F) {
	f.Add([]byte(testWatchList))
	f.Add([]byte(`{"version": "1", "entries": null}`))
	f.Add([]byte(`{"version": "1", "entries": [{"pass": "A-1", "kind": "quarantine", "until": "2026-03-08T00:00:00Z"}]}`))
	f.Add([]byte(`[]`))
	f.Fuzz(func(t *testing.T, b []byte) {
		w, err := ParseWatchList(b)
		if err != nil {
			if w != nil {
				t.Fatal("a list and an error")
			}
			return
		}
		for pass, e := range w.byPass {
			if !validRef(pass) || (e.Kind != WatchQuarantine && e.Kind != WatchReturnee) ||
				(e.Kind == WatchQuarantine && e.Until.IsZero()) || checkText(e.Note, maxWatchNote) != nil {
				t.Fatalf("accepted entry %q %+v", pass, e)
			}
			if got := w.Lookup(pass, time.Unix(0, 0), false); got == nil || *got != e {
				t.Fatalf("Lookup(%q) = %v with an unsynced clock, want %+v", pass, got, e)
			}
		}
	})
}
