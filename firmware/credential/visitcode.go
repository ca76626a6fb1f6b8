package credential

import (
	"strings"

	"github.com/kakou/kakou/firmware/wire"
)

// ResultVisitCode marks a visit's own QR code (wire.VisitCode), shown at an
// exit lane to close the visit. Its subject is the code's text: site, unit,
// seq, short code, start and tag — no person in it. Whether the tag is
// right is for the unit's visit book to check, which holds the key.
const ResultVisitCode = "visit_code"

func decodeVisitCode(s string) wire.Credential {
	if _, err := wire.ParseVisitCode(s); err != nil {
		return wire.Credential{Kind: wire.CredentialVisitor, Result: ResultMalformed}
	}
	return wire.Credential{Kind: wire.CredentialVisitor, Result: ResultVisitCode, Subject: s}
}

// isVisitCode reports whether s claims to be a visit's QR code.
func isVisitCode(s string) bool { return strings.HasPrefix(s, wire.VisitCodePrefix) }

// PhoneHash and IDHash are the keyed hashes Minimise gives a visitor's
// numbers, for an exit lane matching a visitor by the number the guard
// typed; "" without a tracing key. The number itself goes nowhere.
func (p *Privacy) PhoneHash(phone string) string {
	if !p.Hashes() {
		return ""
	}
	return p.hash("phone", phone)
}

// IDHash: see PhoneHash.
func (p *Privacy) IDHash(id string) string {
	if !p.Hashes() {
		return ""
	}
	return p.hash("id", strings.ToUpper(id))
}

// VisitKey is the key visit codes are tagged with (wire.VisitKey of the
// tracing key); nil without one.
func (p *Privacy) VisitKey() []byte {
	if !p.Hashes() {
		return nil
	}
	return wire.VisitKey(p.tracingKey)
}
