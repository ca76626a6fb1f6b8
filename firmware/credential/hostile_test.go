package credential

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/kakou/kakou/firmware/wire"
)

// refused are the statuses a hostile code may get: never one that lets a
// person through on the strength of the code.
var refused = map[Status]bool{StatusUnreadable: true, StatusUnrecognised: true, StatusMalformed: true,
	StatusVerifyFailed: true, StatusWrongSite: true}

// TestVerifierRefusesEveryHostileQRCode runs testdata/hostile/qr (oversize,
// invalid UTF-8, SQL and HTML injection, forged, tampered and other-site
// passes) through the verifier: each is refused with a status that says
// why, and nothing of it reaches the entry's subject, where it would be
// stored and shown.
func TestVerifierRefusesEveryHostileQRCode(t *testing.T) {
	paths, err := filepath.Glob(filepath.Join("..", "..", "testdata", "hostile", "qr", "*.txt"))
	if err != nil || len(paths) == 0 {
		t.Fatalf("no hostile QR corpus: %v", err)
	}
	v := testVerifier(t, syncedClock)
	for _, p := range paths {
		t.Run(strings.TrimSuffix(filepath.Base(p), ".txt"), func(t *testing.T) {
			code, err := os.ReadFile(p)
			if err != nil {
				t.Fatal(err)
			}
			got := v.Check(context.Background(), code)
			if !refused[got.Status] {
				t.Fatalf("status %q, want a refusal", got.Status)
			}
			if got.Wire.Subject != "" && (strings.ContainsAny(got.Wire.Subject, "<>'\";") || !validRef(got.Wire.Subject)) {
				t.Fatalf("subject %q carries the hostile text", got.Wire.Subject)
			}
			e := wire.Entry{Schema: wire.SchemaVersion, ID: "x", Site: "s", Unit: "u", Seq: 1,
				Lane: wire.LaneIn, Decision: wire.Deny, Credential: got.Wire}
			if err := e.Validate(); err != nil {
				t.Fatalf("the refusal is not storable: %v", err)
			}
			if d := Decode(code); d.Subject != "" && !validRef(d.Subject) {
				t.Fatalf("Decode subject %q", d.Subject)
			}
		})
	}
}
