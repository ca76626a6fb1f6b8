package wire

import (
	"strings"
	"testing"
	"time"
)

var testVisitKey = VisitKey([]byte("0123456789abcdef0123456789abcdef"))

func TestVisitCodeRoundTripsAndOnlyItsTagVerifies(t *testing.T) {
	c := VisitCode{Site: "sunny", Unit: "gate-1", Seq: 1234, Code: "301234", Entered: 1772441200}
	c.Sign(testVisitKey)
	got, err := ParseVisitCode(c.String())
	if err != nil || got != c {
		t.Fatalf("parse(%q) = %+v, %v; want %+v", c.String(), got, err, c)
	}
	if !got.Verify(testVisitKey) {
		t.Error("its own tag does not verify")
	}
	for name, alter := range map[string]func(*VisitCode){
		"seq":   func(c *VisitCode) { c.Seq++ },
		"unit":  func(c *VisitCode) { c.Unit = "gate-2" },
		"code":  func(c *VisitCode) { c.Code = "301235" },
		"start": func(c *VisitCode) { c.Entered-- },
	} {
		f := got
		alter(&f)
		if f.Verify(testVisitKey) {
			t.Errorf("altered %s still verifies", name)
		}
	}
	if got.Verify(VisitKey([]byte("another fleet's tracing key....."))) || got.Verify(nil) {
		t.Error("verifies under another key or none")
	}
}

func TestVisitNumbersItsCodeFromThePrefixAndSeq(t *testing.T) {
	v := Visit{Prefix: 7}
	v.Number(1_234_567)
	if v.Code != "734567" {
		t.Fatalf("code %q, want 734567", v.Code)
	}
	v.Number(1)
	if v.Code != "734567" {
		t.Error("numbered twice")
	}
}

func TestEntryValidatesVisitsAndCloseOuts(t *testing.T) {
	at := time.Now()
	base := func() Entry {
		return Entry{Schema: 1, ID: "e1", Site: "s", Unit: "u", Seq: 1, Lane: LaneIn, Decision: Allow,
			Credential: Credential{Kind: CredentialNone}, Visitor: &Visitor{Name: "张*"}}
	}
	cases := []struct {
		name string
		edit func(*Entry)
		ok   bool
	}{
		{"a visit", func(e *Entry) { e.Visit = &Visit{Prefix: 3, Code: "300001", MaxStaySeconds: 3600} }, true},
		{"visit without visitor", func(e *Entry) { e.Visit, e.Visitor = &Visit{Prefix: 3}, nil }, false},
		{"visit at an exit", func(e *Entry) { e.Visit, e.Lane = &Visit{Prefix: 3}, LaneOut }, false},
		{"prefix 0", func(e *Entry) { e.Visit = &Visit{Prefix: 0} }, false},
		{"code of another prefix", func(e *Entry) { e.Visit = &Visit{Prefix: 3, Code: "400001"} }, false},
		{"close-out", func(e *Entry) {
			e.Lane, e.CloseOut = LaneOut, &CloseOut{Code: "300001", MatchedBy: MatchedByCode, EnteredAt: &at}
		}, true},
		{"close-out at an entrance", func(e *Entry) { e.CloseOut = &CloseOut{Code: "300001", MatchedBy: MatchedByCode} }, false},
		{"phone match without hash", func(e *Entry) {
			e.Lane, e.CloseOut = LaneOut, &CloseOut{MatchedBy: MatchedByPhone, Key: "13812345678"}
		}, false},
		{"unknown match", func(e *Entry) { e.Lane, e.CloseOut = LaneOut, &CloseOut{MatchedBy: "face", Code: "300001"} }, false},
		{"negative stay", func(e *Entry) {
			e.Lane, e.CloseOut = LaneOut, &CloseOut{Code: "300001", MatchedBy: MatchedByCode, StaySeconds: -1}
		}, false},
	}
	for _, c := range cases {
		e := base()
		c.edit(&e)
		if err := e.Validate(); (err == nil) != c.ok {
			t.Errorf("%s: Validate() = %v, want ok=%v", c.name, err, c.ok)
		}
	}
}

var visitCodeSeeds = []string{
	"KKV1:sunny:gate-1:1234:301234:1772441200:0123456789abcdef",
	"KKV1:sunny:gate-1:1:100001:0:-",
	"KKV1:sunny:gate-1:01:100001:0:-",
	"KKV1:sunny:gate-1:1:000001:0:-",
	"KKV1:Sunny:gate-1:1:100001:0:-",
	"KKV1:sunny:gate-1:1:100001:-5:-",
	"KKV1:sunny:gate-1:1:100001:0:-:extra",
	"KKV1:::::::",
	"KKV1:" + strings.Repeat("a", 300),
	"KAKOU1:VISIT:abc",
	"",
}

// FuzzParseVisitCode: any scanned text either fails or parses to a code
// whose text is exactly what was scanned, so no two texts name one visit.
func FuzzParseVisitCode(f *testing.F) {
	for _, s := range visitCodeSeeds {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		c, err := ParseVisitCode(s)
		if err != nil {
			return
		}
		if c.String() != s {
			t.Fatalf("parsed %q as %+v, which writes %q", s, c, c.String())
		}
		if !ShortCode(c.Code) || c.Seq == 0 || ValidateID(c.Site) != nil || ValidateID(c.Unit) != nil {
			t.Fatalf("parsed %q into an invalid %+v", s, c)
		}
	})
}
