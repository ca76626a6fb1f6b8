package credential

import (
	"bytes"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/kakou/kakou/firmware/wire"
)

// Prefixes of Kakou's own QR payloads: scheme version, then kind.
const (
	PassPrefix    = "KAKOU1:PASS:"
	VisitorPrefix = "KAKOU1:VISIT:"
)

// Results recorded in wire.Credential.Result.
const (
	ResultUnverified    = "unverified"    // right format; legacy codes carry no signature
	ResultPreregistered = "preregistered" // a visitor's pre-registration reference
	ResultUnrecognised  = "unrecognised"  // readable, but not a code Kakou knows
	ResultUnreadable    = "unreadable"    // empty, binary or control characters
	ResultMalformed     = "malformed"     // a Kakou prefix with a bad reference
)

// maxRef bounds a pass or visitor reference; it is stored and displayed.
const maxRef = 32

// Decode classifies a scanned code by format only. It is kept for the
// legacy KAKOU1: codes and for callers without keys; [Verifier.Check]
// supersedes it and falls back to it for everything not KK1.
func Decode(code []byte) wire.Credential {
	if len(code) == 0 {
		return wire.Credential{Kind: wire.CredentialNone}
	}
	if !readable(code) {
		return wire.Credential{Kind: wire.CredentialUnknown, Result: ResultUnreadable}
	}
	s := string(code)
	if ref, ok := strings.CutPrefix(s, PassPrefix); ok {
		return withRef(wire.CredentialResidentPass, ResultUnverified, ref)
	}
	if ref, ok := strings.CutPrefix(s, VisitorPrefix); ok {
		return withRef(wire.CredentialVisitor, ResultPreregistered, ref)
	}
	if isVisitCode(s) {
		return decodeVisitCode(s)
	}
	return wire.Credential{Kind: wire.CredentialUnknown, Result: ResultUnrecognised}
}

func withRef(kind wire.CredentialKind, result, ref string) wire.Credential {
	if !validRef(ref) {
		return wire.Credential{Kind: kind, Result: ResultMalformed}
	}
	return wire.Credential{Kind: kind, Result: result, Subject: ref}
}

func readable(b []byte) bool {
	if !utf8.Valid(b) {
		return false
	}
	return bytes.IndexFunc(b, unicode.IsControl) < 0
}

// validRef keeps references to what fits on a guard's screen and in a
// database column without escaping: ASCII letters, digits and '-'.
func validRef(ref string) bool {
	if ref == "" || len(ref) > maxRef {
		return false
	}
	for _, c := range ref {
		if !(c >= 'A' && c <= 'Z' || c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '-') {
			return false
		}
	}
	return true
}
