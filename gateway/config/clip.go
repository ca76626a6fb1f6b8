package config

import "strings"

// maxReason bounds one problem's text. A reason quotes the value it
// refuses, and a hostile or corrupted file may hold 100 KB in one value;
// echoing it whole would bury the key and the file in the log.
const maxReason = 300

// clipReason is reason cut to maxReason bytes, at a rune boundary.
func clipReason(reason string) string {
	if len(reason) <= maxReason {
		return reason
	}
	return strings.ToValidUTF8(reason[:maxReason], "") + "… (cut; the value is far too long)"
}
