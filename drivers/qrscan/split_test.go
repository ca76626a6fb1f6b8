package qrscan

import "testing"

func TestSplitFindsFirstLineWithinMaxLen(t *testing.T) {
	for _, tc := range []struct {
		name     string
		data     string
		atEOF    bool
		term     Terminator
		maxLen   int
		wantAdv  int
		wantLine string
		wantKind Kind
	}{
		{"CR ends line", "abc\rdef", false, CR, 8, 4, "abc", Line},
		{"LF ends line", "abc\ndef", false, LF, 8, 4, "abc", Line},
		{"TAB ends line", "abc\tdef", false, TAB, 8, 4, "abc", Line},
		{"CRLF ends line", "abc\r\ndef", false, CRLF, 8, 5, "abc", Line},
		{"lone CR is data in CRLF mode", "a\rb\r\n", false, CRLF, 8, 5, "a\rb", Line},
		{"LF is data in CR mode", "a\nb\r", false, CR, 8, 4, "a\nb", Line},
		{"Any takes CRLF whole", "abc\r\n", false, Any, 8, 5, "abc", Line},
		{"Any ends at a final CR without waiting", "abc\r", false, Any, 8, 4, "abc", Line},
		{"Any takes LF", "abc\nx", false, Any, 8, 4, "abc", Line},
		{"Any takes TAB", "abc\tx", false, Any, 8, 4, "abc", Line},
		{"empty line", "\rabc", false, CR, 8, 1, "", Line},
		{"no terminator yet", "abc", false, CR, 8, 0, "", NeedMore},
		{"no input", "", false, Any, 8, 0, "", NeedMore},
		{"no input at EOF", "", true, Any, 8, 0, "", NeedMore},
		{"tail at EOF", "abc", true, CR, 8, 3, "abc", Tail},
		{"line of exactly maxLen", "12345678\r", false, CR, 8, 9, "12345678", Line},
		{"maxLen bytes waiting", "12345678", false, CR, 8, 0, "", NeedMore},
		{"one over maxLen", "123456789", false, CR, 8, 9, "123456789", TooLong},
		{"terminator just past maxLen", "123456789\r", false, CR, 8, 9, "123456789", TooLong},
		{"CRLF at maxLen", "12345678\r\n", false, CRLF, 8, 10, "12345678", Line},
		{"CR at maxLen may still become CRLF", "12345678\r", false, CRLF, 8, 0, "", NeedMore},
		{"CR at maxLen at EOF is too long", "12345678\r", true, CRLF, 8, 9, "12345678\r", TooLong},
		{"CR at maxLen then data is too long", "12345678\rx", false, CRLF, 8, 9, "12345678\r", TooLong},
		{"terminator far past maxLen is not searched", "1234567890123\r", false, Any, 4, 5, "12345", TooLong},
		{"maxLen 0 means default", "abc\r", false, CR, 0, 4, "abc", Line},
	} {
		t.Run(tc.name, func(t *testing.T) {
			adv, line, kind := Split([]byte(tc.data), tc.atEOF, tc.term, tc.maxLen)
			if adv != tc.wantAdv || string(line) != tc.wantLine || kind != tc.wantKind {
				t.Errorf("Split(%q, %v, %v, %d) = %d, %q, %v; want %d, %q, %v",
					tc.data, tc.atEOF, tc.term, tc.maxLen, adv, line, kind, tc.wantAdv, tc.wantLine, tc.wantKind)
			}
		})
	}
}
