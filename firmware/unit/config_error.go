package unit

import "strings"

// The unit, the gateway and the collector load their configs the same way
// (configs/README.md, "Loading and checking a config"): LoadConfig(path)
// (Config, error) and Config.Validate() error, both failing with a
// *ConfigError that lists every problem with its key. The programs share
// no code, so each keeps its own copy of these few lines.

// Problem is one thing wrong with a configuration.
type Problem struct {
	Key    string // dotted TOML key, e.g. mqtt.broker; empty when the file does not parse
	Reason string
}

// ConfigError lists every problem found, so an installer fixes the file in
// one pass instead of one error per run.
type ConfigError struct {
	File     string // empty from Validate, which reads no file
	Problems []Problem
}

// Error is one line per problem: file, key, reason.
func (e *ConfigError) Error() string {
	lines := make([]string, len(e.Problems))
	for i, p := range e.Problems {
		line := p.Key + ": " + clipReason(p.Reason)
		if p.Key == "" {
			line = clipReason(p.Reason)
		}
		if e.File != "" {
			line = e.File + ": " + line
		}
		lines[i] = line
	}
	return strings.Join(lines, "\n")
}

// problemOf reads a "key: reason" line, as the sections' problems()
// methods write them.
func problemOf(line string) Problem {
	key, reason, ok := strings.Cut(line, ": ")
	if !ok || strings.ContainsAny(key, " \"") {
		return Problem{Reason: line}
	}
	return Problem{Key: key, Reason: reason}
}

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
