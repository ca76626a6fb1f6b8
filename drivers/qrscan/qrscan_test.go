package qrscan

import (
	"errors"
	"fmt"
	"io"
	"strings"
	"testing"
	"time"
)

// step is one Read of a scriptReader: the clock moves on by wait, then the
// read returns data ("" is a read timeout: 0 bytes, no error).
type step struct {
	wait time.Duration
	data string
}

// scriptReader plays back reads as a serial port with a read timeout would
// return them, then returns end (io.EOF when nil).
type scriptReader struct {
	steps []step
	clock *fakeClock
	end   error
}

func (s *scriptReader) Read(p []byte) (int, error) {
	if len(s.steps) == 0 {
		if s.end == nil {
			return 0, io.EOF
		}
		return 0, s.end
	}
	st := &s.steps[0]
	if s.clock != nil {
		s.clock.t = s.clock.t.Add(st.wait)
		st.wait = 0
	}
	n := copy(p, st.data)
	st.data = st.data[n:]
	if st.data == "" {
		s.steps = s.steps[1:]
	}
	return n, nil
}

func chunks(parts ...string) *scriptReader {
	s := &scriptReader{}
	for _, p := range parts {
		s.steps = append(s.steps, step{data: p})
	}
	return s
}

type fakeClock struct{ t time.Time }

func (c *fakeClock) Now() time.Time { return c.t }

func newClock() *fakeClock { return &fakeClock{t: time.Date(2026, 3, 1, 8, 0, 0, 0, time.UTC)} }

// drain calls Next until the stream ends and describes each result: a valid
// code as itself, an invalid one as `invalid "..."`, then how it ended.
func drain(t *testing.T, r *Reader) []string {
	t.Helper()
	var out []string
	for range 10000 {
		c, err := r.Next()
		switch {
		case err == nil && c.Valid:
			out = append(out, string(c.Data))
		case err == nil:
			out = append(out, fmt.Sprintf("invalid %q", c.Data))
		case errors.Is(err, ErrOversize):
			out = append(out, "oversize")
		case err == io.EOF:
			return append(out, "EOF")
		case errors.Is(err, io.ErrUnexpectedEOF):
			return append(out, "unexpected EOF")
		default:
			return append(out, "error: "+err.Error())
		}
	}
	t.Fatal("Next never reached the end of input")
	return nil
}

// frameCases are the framing rules, and the fuzz seeds. Dedup is off.
var frameCases = []struct {
	name   string
	opts   Opts
	chunks []string
	want   []string
}{
	{"CR", Opts{}, []string{"HC1:abc\r"}, []string{"HC1:abc", "EOF"}},
	{"LF", Opts{}, []string{"HC1:abc\n"}, []string{"HC1:abc", "EOF"}},
	{"TAB", Opts{}, []string{"HC1:abc\t"}, []string{"HC1:abc", "EOF"}},
	{"CRLF counts once", Opts{}, []string{"a\r\nb\r\n"}, []string{"a", "b", "EOF"}},
	{"CRLF split across reads counts once", Opts{}, []string{"a\r", "\nb\r", "\n"}, []string{"a", "b", "EOF"}},
	{"pieces are joined", Opts{}, []string{"ht", "tps://e.x/", "p?id=1", "\r"}, []string{"https://e.x/p?id=1", "EOF"}},
	{"one byte at a time", Opts{}, strings.Split("ab\rcd\r", ""), []string{"ab", "cd", "EOF"}},
	{"many codes in one read", Opts{}, []string{"a\rb\nc\td\r\n"}, []string{"a", "b", "c", "d", "EOF"}},
	{"empty lines skipped", Opts{}, []string{"\r\n\r\n\r\n\t\ta\r\r"}, []string{"a", "EOF"}},
	{"read timeouts between pieces", Opts{}, []string{"ab", "", "", "c\r"}, []string{"abc", "EOF"}},
	{"CR only mode keeps LF as data", Opts{Terminator: CR}, []string{"a\nb\r"}, []string{`invalid "a\nb"`, "EOF"}},
	{"CRLF mode keeps lone CR as data", Opts{Terminator: CRLF}, []string{"a\rb\r\n"}, []string{`invalid "a\rb"`, "EOF"}},
	{"LF mode", Opts{Terminator: LF}, []string{"a\tb\n"}, []string{`invalid "a\tb"`, "EOF"}},
	{"TAB mode", Opts{Terminator: TAB}, []string{"a b\t"}, []string{"a b", "EOF"}},
	{"UTF-8 is valid", Opts{}, []string{"caf\xc3", "\xa9 健康码\r"}, []string{"café 健康码", "EOF"}},
	{"invalid UTF-8 returned invalid", Opts{}, []string{"ab\xc3\r"}, []string{`invalid "ab\xc3"`, "EOF"}},
	{"NUL inside a code is invalid", Opts{}, []string{"a\x00b\r"}, []string{`invalid "a\x00b"`, "EOF"}},
	{"C1 control is invalid", Opts{}, []string{"a\u0085b\r"}, []string{`invalid "a\u0085b"`, "EOF"}},
	{"escape sequence is invalid", Opts{}, []string{"\x1b[2Jab\r"}, []string{`invalid "\x1b[2Jab"`, "EOF"}},
	{"power-up noise skipped", Opts{}, []string{"\x00\x00\xff\xff\r", "ok\r", "\xff\n"}, []string{"ok", "EOF"}},
	{"noise glued to a code makes it invalid", Opts{}, []string{"\x00ok\xff\r"}, []string{`invalid "\x00ok\xff"`, "EOF"}},
	{"exactly MaxLen", Opts{MaxLen: 8}, []string{"12345678\r"}, []string{"12345678", "EOF"}},
	{"exactly MaxLen with CRLF split", Opts{MaxLen: 8, Terminator: CRLF}, []string{"12345678\r", "\n"}, []string{"12345678", "EOF"}},
	{"oversize dropped then resync", Opts{MaxLen: 8}, []string{"123456789\rok\r"}, []string{"oversize", "ok", "EOF"}},
	{"oversize longer than the buffer", Opts{MaxLen: 4}, []string{strings.Repeat("x", 3000), strings.Repeat("y", 3000), "\rok\r"}, []string{"oversize", "ok", "EOF"}},
	{"oversize noise is still oversize", Opts{MaxLen: 4}, []string{"\x00\x00\x00\x00\x00\x00\rok\r"}, []string{"oversize", "ok", "EOF"}},
	{"oversize in CRLF mode", Opts{MaxLen: 4, Terminator: CRLF}, []string{"12345\r", "\nok\r\n"}, []string{"oversize", "ok", "EOF"}},
	{"prefix and suffix stripped", Opts{Prefix: "]Q1", Suffix: "#"}, []string{"]Q1abc#\r", "def\r"}, []string{"abc", "def", "EOF"}},
	{"only prefix is empty", Opts{Prefix: "]Q1"}, []string{"]Q1\rx\r"}, []string{"x", "EOF"}},
	{"scan cut short at EOF", Opts{}, []string{"ok\rhalf"}, []string{"ok", "unexpected EOF"}},
	{"oversize cut short at EOF", Opts{MaxLen: 4}, []string{"123456"}, []string{"unexpected EOF"}},
	{"tail at EOF is a code with IdleFlush", Opts{IdleFlush: time.Second}, []string{"ok\rlast"}, []string{"ok", "last", "EOF"}},
}

func TestReaderFramesCodes(t *testing.T) {
	for _, tc := range frameCases {
		t.Run(tc.name, func(t *testing.T) {
			got := drain(t, NewReader(chunks(tc.chunks...), &tc.opts))
			if strings.Join(got, "|") != strings.Join(tc.want, "|") {
				t.Errorf("got  %q\nwant %q", got, tc.want)
			}
		})
	}
}

func TestReaderWrapsReadErrorsAfterDeliveringCodes(t *testing.T) {
	boom := errors.New("EIO")
	r := NewReader(&scriptReader{steps: []step{{data: "a\rb\rhal"}}, end: boom}, nil)
	got := drain(t, r)
	want := []string{"a", "b", "error: qrscan: read: EIO"}
	if strings.Join(got, "|") != strings.Join(want, "|") {
		t.Fatalf("got %q, want %q", got, want)
	}
	if _, err := r.Next(); !errors.Is(err, boom) {
		t.Errorf("second Next after error = %v, want it to keep reporting %v", err, boom)
	}
}

func TestReaderReportsEOFAfterUnexpectedEOF(t *testing.T) {
	r := NewReader(chunks("half"), nil)
	if _, err := r.Next(); !errors.Is(err, io.ErrUnexpectedEOF) {
		t.Fatalf("Next = %v, want io.ErrUnexpectedEOF", err)
	}
	if _, err := r.Next(); err != io.EOF {
		t.Errorf("Next = %v, want io.EOF", err)
	}
}

func TestReaderResetDropsPartialLineAndKeepsDedup(t *testing.T) {
	clk := newClock()
	opts := DefaultOpts
	opts.Now = clk.Now
	r := NewReader(chunks("A\rhalf-a-sc"), &opts)
	if got := drain(t, r); strings.Join(got, "|") != "A|unexpected EOF" {
		t.Fatalf("before Reset got %q", got)
	}
	r.Reset(chunks("A\rB\r"))
	if got := drain(t, r); strings.Join(got, "|") != "B|EOF" {
		t.Errorf("after Reset got %q, want the repeated A suppressed and B", got)
	}
}

func TestReaderCountsSameCodeOnceWithinDedupWindow(t *testing.T) {
	for _, tc := range []struct {
		name  string
		steps []step
		want  string
	}{
		{"repeat at once", []step{{0, "A\r"}, {0, "A\r"}}, "A|EOF"},
		{"repeat just inside window", []step{{0, "A\r"}, {1999 * time.Millisecond, "A\r"}}, "A|EOF"},
		{"repeat at window", []step{{0, "A\r"}, {2 * time.Second, "A\r"}}, "A|A|EOF"},
		{"window slides while the phone is held",
			[]step{{0, "A\r"}, {1500 * time.Millisecond, "A\r"}, {1500 * time.Millisecond, "A\r"}, {1500 * time.Millisecond, "A\r"}}, "A|EOF"},
		{"other code in between", []step{{0, "A\r"}, {0, "B\r"}, {0, "A\r"}}, "A|B|A|EOF"},
		{"two people, two codes", []step{{0, "A\r"}, {100 * time.Millisecond, "B\r"}}, "A|B|EOF"},
		{"invalid codes dedup too", []step{{0, "\x01\r"}, {0, "\x01\r"}}, `invalid "\x01"|EOF`},
		{"after stripping affixes", []step{{0, "]Q1A\r"}, {0, "A\r"}}, "A|EOF"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			clk := newClock()
			opts := DefaultOpts
			opts.Prefix = "]Q1"
			opts.Now = clk.Now
			got := drain(t, NewReader(&scriptReader{steps: tc.steps, clock: clk}, &opts))
			if strings.Join(got, "|") != tc.want {
				t.Errorf("got %q, want %s", got, tc.want)
			}
		})
	}
}

func TestReaderStampsCodesWithClock(t *testing.T) {
	clk := newClock()
	start := clk.t
	opts := DefaultOpts
	opts.Now = clk.Now
	r := NewReader(&scriptReader{steps: []step{{0, "AB"}, {time.Second, "C\r"}}, clock: clk}, &opts)
	c, err := r.Next()
	if err != nil {
		t.Fatal(err)
	}
	if want := start.Add(time.Second); !c.At.Equal(want) {
		t.Errorf("At = %v, want %v (when the terminator arrived)", c.At, want)
	}
}

func TestReaderIdleFlushEndsUnterminatedCodes(t *testing.T) {
	const idle = 300 * time.Millisecond
	timeout := step{100 * time.Millisecond, ""}
	for _, tc := range []struct {
		name  string
		opts  Opts
		steps []step
		want  string
	}{
		{"silence after a code", Opts{IdleFlush: idle},
			[]step{{0, "ABC"}, timeout, timeout, timeout, {0, "DEF"}, timeout, timeout, timeout}, "ABC|DEF|EOF"},
		{"bytes trickling in keep the code open", Opts{IdleFlush: idle},
			[]step{{0, "A"}, {200 * time.Millisecond, "B"}, {200 * time.Millisecond, "C"}, timeout, timeout, timeout}, "ABC|EOF"},
		{"a blocking reader splits at the gap", Opts{IdleFlush: idle},
			[]step{{0, "ABC"}, {time.Second, "DEF"}, timeout, timeout, timeout}, "ABC|DEF|EOF"},
		{"gap inside a read keeps following bytes", Opts{IdleFlush: idle},
			[]step{{0, "ABC"}, {time.Second, "DEF\rGH\r"}}, "ABC|DEF|GH|EOF"},
		{"terminators still work", Opts{IdleFlush: idle},
			[]step{{0, "ABC\rD"}, timeout, timeout, timeout}, "ABC|D|EOF"},
		{"oversize partial flushed as oversize", Opts{IdleFlush: idle, MaxLen: 4},
			[]step{{0, "123456"}, timeout, timeout, timeout, {0, "ok"}, timeout, timeout, timeout}, "oversize|ok|EOF"},
		{"noise partial flushed away", Opts{IdleFlush: idle},
			[]step{{0, "\x00\xff"}, timeout, timeout, timeout, {0, "ok\r"}}, "ok|EOF"},
		{"a junk burst does not swallow the code after it", Opts{IdleFlush: idle},
			[]step{{0, "\x1b@#"}, timeout, timeout, timeout, {0, "KAKOU1:PASS:R-7\r"}}, `invalid "\x1b@#"|KAKOU1:PASS:R-7|EOF`},
		{"off: a junk burst swallows the code after it", Opts{},
			[]step{{0, "\x1b@#"}, timeout, timeout, timeout, {0, "KAKOU1:PASS:R-7\r"}}, `invalid "\x1b@#KAKOU1:PASS:R-7"|EOF`},
		{"off: silence does not end a code", Opts{},
			[]step{{0, "ABC"}, timeout, timeout, timeout, timeout, {0, "DEF\r"}}, "ABCDEF|EOF"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			clk := newClock()
			tc.opts.Now = clk.Now
			got := drain(t, NewReader(&scriptReader{steps: tc.steps, clock: clk}, &tc.opts))
			if strings.Join(got, "|") != tc.want {
				t.Errorf("got %q, want %s", got, tc.want)
			}
		})
	}
}

func TestReaderMemoryStaysBounded(t *testing.T) {
	opts := Opts{MaxLen: 16}
	r := NewReader(chunks(strings.Repeat("z", 1<<20), "\rok\r"), &opts)
	if got := drain(t, r); strings.Join(got, "|") != "oversize|ok|EOF" {
		t.Fatalf("got %q", got)
	}
	if len(r.buf) > 16+2+readSize {
		t.Errorf("buffer grew to %d bytes", len(r.buf))
	}
}

func TestNewReaderWithBadOptsFailsEveryNext(t *testing.T) {
	r := NewReader(chunks("ok\r"), &Opts{MaxLen: -1})
	for range 2 {
		if _, err := r.Next(); err == nil || !strings.Contains(err.Error(), "max length -1") {
			t.Fatalf("Next = %v, want the options error", err)
		}
	}
}

func TestOptsValidateNamesEveryProblem(t *testing.T) {
	for _, tc := range []struct {
		name string
		opts Opts
		want []string
	}{
		{"defaults", DefaultOpts, nil},
		{"zero value", Opts{}, nil},
		{"unknown terminator", Opts{Terminator: 9}, []string{"qrscan: terminator 9: unknown"}},
		{"negative max length", Opts{MaxLen: -1}, []string{"qrscan: max length -1: want 1..65536, or 0 for 1024"}},
		{"huge max length", Opts{MaxLen: 1 << 20}, []string{"max length 1048576"}},
		{"negative durations", Opts{DedupWindow: -1, IdleFlush: -1}, []string{"dedup window -1ns: negative", "idle flush -1ns: negative"}},
		{"terminator in prefix", Opts{Prefix: "a\rb"}, []string{`qrscan: prefix "a\rb": contains the any terminator`}},
		{"CRLF mode allows lone CR in suffix", Opts{Terminator: CRLF, Suffix: "\r"}, nil},
		{"affixes fill max length", Opts{MaxLen: 4, Prefix: "ab", Suffix: "cd"}, []string{"prefix and suffix take 4 bytes"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			err := tc.opts.Validate()
			if tc.want == nil {
				if err != nil {
					t.Fatalf("Validate() = %v, want nil", err)
				}
				return
			}
			if err == nil {
				t.Fatalf("Validate() = nil, want %q", tc.want)
			}
			for _, w := range tc.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("Validate() = %q, want it to contain %q", err, w)
				}
			}
		})
	}
}

func TestTerminatorRoundTripsThroughText(t *testing.T) {
	for _, term := range []Terminator{Any, CR, LF, CRLF, TAB} {
		b, err := term.MarshalText()
		if err != nil {
			t.Fatal(err)
		}
		var got Terminator
		if err := got.UnmarshalText([]byte(strings.ToUpper(string(b)))); err != nil || got != term {
			t.Errorf("UnmarshalText(%q) = %v, %v; want %v", b, got, err, term)
		}
	}
	var bad Terminator
	if err := bad.UnmarshalText([]byte("enter")); err == nil {
		t.Error(`UnmarshalText("enter") succeeded`)
	}
}
