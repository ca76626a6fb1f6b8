package credential

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"image/png"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// TestIssueCommandKeygenThenIssueMakesAPassUnitsAccept runs the tool the
// way an office would: keygen into a file, issue from it, configure a unit
// with the public line.
func TestIssueCommandKeygenThenIssueMakesAPassUnitsAccept(t *testing.T) {
	var keyOut bytes.Buffer
	if err := IssueCommand([]string{"keygen"}, &keyOut); err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSpace(keyOut.String()), "\n")
	if len(lines) != 2 || !strings.HasPrefix(lines[0], PublicKeyPrefix) || !strings.HasPrefix(lines[1], PrivateKeyPrefix) {
		t.Fatalf("keygen printed %q", keyOut.String())
	}
	dir := t.TempDir()
	keyFile := filepath.Join(dir, "issuer.key")
	if err := os.WriteFile(keyFile, keyOut.Bytes(), 0o600); err != nil {
		t.Fatal(err)
	}
	pngFile := filepath.Join(dir, "pass.png")
	var out bytes.Buffer
	err := IssueCommand([]string{"issue", "-key", "@" + keyFile, "-iss", siteIssuer, "-id", "SG-0099",
		"-role", "staff", "-hh", "3-2-501", "-site", testSite, "-days", "30", "-png", pngFile, "-size", "300"}, &out)
	if err != nil {
		t.Fatal(err)
	}
	issuers, err := LoadIssuers(map[string]string{siteIssuer: lines[0]})
	if err != nil {
		t.Fatal(err)
	}
	v := &Verifier{Issuers: issuers, Site: testSite}
	p := v.Check(context.Background(), []byte(strings.TrimSpace(out.String())))
	if p.Status != StatusValid || p.Wire.Subject != "SG-0099" || p.Role != RoleStaff || p.Household != "3-2-501" {
		t.Fatalf("issued pass checks as %+v", p)
	}
	if left := time.Until(p.Expires); left < 29*24*time.Hour || left > 31*24*time.Hour {
		t.Fatalf("pass expires in %s, want 30 days", left)
	}
	f, err := os.Open(pngFile)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if img, err := png.Decode(f); err != nil || img.Bounds().Dx() != 300 {
		t.Fatalf("PNG: %v", err)
	}
}

func TestIssueCommandAcceptsTheKeyTextInline(t *testing.T) {
	var out bytes.Buffer
	err := IssueCommand([]string{"issue", "-key", FormatPrivateKey(bureauKey), "-iss", bureau,
		"-id", "SUP-1", "-role", "supply_vehicle"}, &out)
	if err != nil {
		t.Fatal(err)
	}
	v := testVerifier(t, clockAt{time.Now(), true})
	if p := v.Check(context.Background(), bytes.TrimSpace(out.Bytes())); p.Status != StatusValid || p.Role != RoleSupplyVehicle {
		t.Fatalf("got %+v", p)
	}
}

func TestIssueCommandExplainsMistakes(t *testing.T) {
	key := FormatPrivateKey(ed25519.NewKeyFromSeed(make([]byte, 32)))
	cases := []struct {
		name string
		args []string
		want string
	}{
		{"no subcommand", nil, "keygen or issue"},
		{"unknown subcommand", []string{"revoke"}, `"revoke"`},
		{"keygen with arguments", []string{"keygen", "x"}, "no arguments"},
		{"no key", []string{"issue", "-iss", "a", "-id", "b"}, "-key: required"},
		{"key file missing", []string{"issue", "-key", "@/nonexistent/k", "-iss", "a", "-id", "b"}, "-key"},
		{"public key given", []string{"issue", "-key", FormatPublicKey(make([]byte, 32)), "-iss", "a", "-id", "b"}, "-key"},
		{"no pass id", []string{"issue", "-key", key, "-iss", "a"}, "id"},
		{"unknown role", []string{"issue", "-key", key, "-iss", "a", "-id", "b", "-role", "boss"}, "role"},
		{"zero days", []string{"issue", "-key", key, "-iss", "a", "-id", "b", "-days", "0"}, "-days"},
		{"unknown flag", []string{"issue", "-colour", "red"}, "colour"},
		{"png too small", []string{"issue", "-key", key, "-iss", "a", "-id", "b", "-png", "/nonexistent/x.png", "-size", "10"}, "png size"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			err := IssueCommand(c.args, &bytes.Buffer{})
			if err == nil || !strings.Contains(err.Error(), c.want) {
				t.Fatalf("error %v, want one containing %q", err, c.want)
			}
		})
	}
}

func TestIssueCommandHelpIsNotAnError(t *testing.T) {
	var out bytes.Buffer
	if err := IssueCommand([]string{"issue", "-h"}, &out); err != nil || !strings.Contains(out.String(), "-site") {
		t.Fatalf("err %v, usage %q", err, out.String())
	}
	for _, args := range [][]string{{"-h"}, {"--help"}, {"help"}, {"keygen", "-h"}} {
		out.Reset()
		if err := IssueCommand(args, &out); err != nil || !strings.Contains(out.String(), "pass keygen") ||
			!strings.Contains(out.String(), "pass issue") {
			t.Errorf("IssueCommand(%q): err %v, usage %q; want both subcommands and no error", args, err, out.String())
		}
	}
}
