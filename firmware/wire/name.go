package wire

import (
	"errors"
	"fmt"
	"strings"
	"unicode"
	"unicode/utf8"
)

// MaxNameRunes bounds a display name: a header on a phone, a column in the
// control room. 阳光花园小区 is 6; a long official name fits in 32.
const MaxNameRunes = 32

// ValidateDisplayName checks a site's or a unit's name as people read it
// (阳光花园小区, 北门), as opposed to its id. Empty means no name: the id is
// shown. A name is valid UTF-8, at most MaxNameRunes characters, on one
// line, without control or invisible formatting characters (a right-to-left
// override would show a guard a different name from the one stored), and
// without spaces at either end.
func ValidateDisplayName(name string) error {
	if name == "" {
		return nil
	}
	if !utf8.ValidString(name) {
		return errors.New("not valid UTF-8: save the file as UTF-8")
	}
	if n := utf8.RuneCountInString(name); n > MaxNameRunes {
		return fmt.Errorf("%d characters, at most %d: use the short name people at the gate know", n, MaxNameRunes)
	}
	for _, r := range name {
		if unicode.IsControl(r) || unicode.In(r, unicode.Cf, unicode.Zl, unicode.Zp, unicode.Co, unicode.Cs) || r == utf8.RuneError {
			return fmt.Errorf("%q: contains %U, a control or invisible character; write the name on one line in plain text", name, r)
		}
	}
	if strings.TrimSpace(name) != name {
		return fmt.Errorf("%q: starts or ends with a space", name)
	}
	return nil
}
