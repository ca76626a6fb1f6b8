package credential

import (
	"strings"
	"testing"

	"github.com/kakou/kakou/firmware/wire"
)

var decodeCases = []struct {
	name   string
	code   string
	kind   wire.CredentialKind
	result string
	sub    string
}{
	{"resident pass", "KAKOU1:PASS:SG-0012", wire.CredentialResidentPass, ResultUnverified, "SG-0012"},
	{"visitor", "KAKOU1:VISIT:V7781", wire.CredentialVisitor, ResultPreregistered, "V7781"},
	{"nothing", "", wire.CredentialNone, "", ""},
	{"url", "https://example.com/x?y=1", wire.CredentialUnknown, ResultUnrecognised, ""},
	{"pass without ref", "KAKOU1:PASS:", wire.CredentialResidentPass, ResultMalformed, ""},
	{"pass with sql", "KAKOU1:PASS:1'; DROP TABLE entries;--", wire.CredentialResidentPass, ResultMalformed, ""},
	{"pass too long", "KAKOU1:PASS:" + strings.Repeat("A", 33), wire.CredentialResidentPass, ResultMalformed, ""},
	{"invalid utf-8", "KAKOU1:PASS:\xff\xfe", wire.CredentialUnknown, ResultUnreadable, ""},
	{"control characters", "abc\x00def", wire.CredentialUnknown, ResultUnreadable, ""},
	{"chinese text", "出入证 12", wire.CredentialUnknown, ResultUnrecognised, ""},
}

func TestDecodeClassifiesCodes(t *testing.T) {
	for _, c := range decodeCases {
		t.Run(c.name, func(t *testing.T) {
			got := Decode([]byte(c.code))
			want := wire.Credential{Kind: c.kind, Result: c.result, Subject: c.sub}
			if got != want {
				t.Fatalf("Decode(%q) = %+v, want %+v", c.code, got, want)
			}
		})
	}
}

// FuzzDecode holds Decode to its contract for any bytes a scanner can send:
// no panic, a known kind, and a subject that is safe to store and display.
func FuzzDecode(f *testing.F) {
	for _, c := range decodeCases {
		f.Add([]byte(c.code))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		c := Decode(b)
		e := wire.Entry{Schema: wire.SchemaVersion, ID: "x", Site: "s", Unit: "u", Seq: 1,
			Lane: wire.LaneIn, Decision: wire.Allow, Credential: c}
		if err := e.Validate(); err != nil {
			t.Fatalf("Decode(%q) gave a credential the wire refuses: %v", b, err)
		}
		if c.Subject != "" && !validRef(c.Subject) {
			t.Fatalf("Decode(%q) subject %q is not a safe reference", b, c.Subject)
		}
	})
}
