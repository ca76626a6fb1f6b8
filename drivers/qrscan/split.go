package qrscan

// Kind says what Split found at the start of its input.
type Kind int

const (
	// NeedMore means no decision is possible yet: advance is 0 and Split
	// wants more bytes (or atEOF).
	NeedMore Kind = iota
	// Line means data[:advance] is line followed by a terminator, and
	// len(line) <= maxLen. line may be empty.
	Line
	// Tail means atEOF was set and data (all of it, no terminator) is line.
	Tail
	// TooLong means no terminator starts within the first maxLen+1 bytes:
	// the line is longer than maxLen. data[:advance] is a piece of it (line
	// holds that piece) and the rest of the line is still to come, so the
	// caller drops bytes until the next Line or Tail ends it.
	TooLong
)

var kindNames = [...]string{NeedMore: "NeedMore", Line: "Line", Tail: "Tail", TooLong: "TooLong"}

func (k Kind) String() string {
	if k < 0 || int(k) >= len(kindNames) {
		return "Kind(?)"
	}
	return kindNames[k]
}

// Split finds the first line in data. It has the shape of a bufio.SplitFunc
// plus a Kind, and is pure: the same arguments give the same result, and it
// never looks further than maxLen+2 bytes, so a caller that drops TooLong
// pieces needs a buffer of only maxLen+2 bytes plus one read.
//
// maxLen outside 1..MaxLenLimit is taken as DefaultMaxLen or MaxLenLimit.
//
// With Any, a CR followed by LF in data is consumed as one terminator; a CR
// at the very end of data ends the line at once (a scanner sending only CR
// must not wait for the next scan), and the LF that may follow becomes an
// empty line, which Reader skips.
func Split(data []byte, atEOF bool, term Terminator, maxLen int) (advance int, line []byte, kind Kind) {
	maxLen = clampMaxLen(maxLen)
	window := data
	if len(window) > maxLen+2 {
		window = window[:maxLen+2]
	}
	if i, n := term.find(window); i >= 0 && i <= maxLen {
		return i + n, data[:i], Line
	}
	if tooLong(data, atEOF, term, maxLen) {
		return maxLen + 1, data[:maxLen+1], TooLong
	}
	if atEOF && len(data) > 0 {
		return len(data), data, Tail
	}
	return 0, nil, NeedMore
}

// tooLong reports whether no terminator can start at index <= maxLen, given
// that none starts there yet. Only a CR at index maxLen, in CRLF mode and
// before EOF, may still become one.
func tooLong(data []byte, atEOF bool, term Terminator, maxLen int) bool {
	if len(data) <= maxLen {
		return false
	}
	pendingCR := term == CRLF && !atEOF && len(data) == maxLen+1 && data[maxLen] == '\r'
	return !pendingCR
}

func clampMaxLen(n int) int {
	switch {
	case n <= 0:
		return DefaultMaxLen
	case n > MaxLenLimit:
		return MaxLenLimit
	}
	return n
}
