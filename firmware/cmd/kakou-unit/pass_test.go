package main

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

	"github.com/kakou/kakou/firmware/credential"
)

// The issuers a pass is made for in these tests: a site office and a
// bureau whose passes every site accepts (docs/product.md "What a checkpoint checks": supply passes).
const (
	siteIssuer = "sg-office"
	bureau     = "commerce-bureau"
	testSite   = "sunny-garden"
)

var bureauKey = ed25519.NewKeyFromSeed(bytes.Repeat([]byte{2}, ed25519.SeedSize))

// verifierOf checks passes of issuer, whose public key line is pub, at testSite.
func verifierOf(t *testing.T, issuer, pub string) *credential.Verifier {
	t.Helper()
	issuers, err := credential.LoadIssuers(map[string]string{issuer: pub})
	if err != nil {
		t.Fatal(err)
	}
	return &credential.Verifier{Issuers: issuers, Site: testSite}
}

// TestPassCommandKeygenThenIssueMakesAPassUnitsAccept runs the tool the
// way an office would: keygen into a file, issue from it, configure a unit
// with the public line.
func TestPassCommandKeygenThenIssueMakesAPassUnitsAccept(t *testing.T) {
	var keyOut bytes.Buffer
	if err := passCommand([]string{"keygen"}, &keyOut); err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSpace(keyOut.String()), "\n")
	if len(lines) != 2 || !strings.HasPrefix(lines[0], credential.PublicKeyPrefix) || !strings.HasPrefix(lines[1], credential.PrivateKeyPrefix) {
		t.Fatalf("keygen printed %q", keyOut.String())
	}
	dir := t.TempDir()
	keyFile := filepath.Join(dir, "issuer.key")
	if err := os.WriteFile(keyFile, keyOut.Bytes(), 0o600); err != nil {
		t.Fatal(err)
	}
	pngFile := filepath.Join(dir, "pass.png")
	var out bytes.Buffer
	err := passCommand([]string{"issue", "-key", "@" + keyFile, "-iss", siteIssuer, "-id", "SG-0099",
		"-role", "staff", "-hh", "3-2-501", "-site", testSite, "-days", "30", "-png", pngFile, "-size", "300"}, &out)
	if err != nil {
		t.Fatal(err)
	}
	p := verifierOf(t, siteIssuer, lines[0]).Check(context.Background(), []byte(strings.TrimSpace(out.String())))
	if p.Status != credential.StatusValid || p.Wire.Subject != "SG-0099" || p.Role != credential.RoleStaff || p.Household != "3-2-501" {
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

func TestPassCommandAcceptsTheKeyTextInline(t *testing.T) {
	var out bytes.Buffer
	err := passCommand([]string{"issue", "-key", credential.FormatPrivateKey(bureauKey), "-iss", bureau,
		"-id", "SUP-1", "-role", "supply_vehicle"}, &out)
	if err != nil {
		t.Fatal(err)
	}
	v := verifierOf(t, bureau, credential.FormatPublicKey(bureauKey.Public().(ed25519.PublicKey)))
	if p := v.Check(context.Background(), bytes.TrimSpace(out.Bytes())); p.Status != credential.StatusValid || p.Role != credential.RoleSupplyVehicle {
		t.Fatalf("got %+v", p)
	}
}

func TestPassCommandExplainsMistakes(t *testing.T) {
	key := credential.FormatPrivateKey(ed25519.NewKeyFromSeed(make([]byte, 32)))
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
		{"public key given", []string{"issue", "-key", credential.FormatPublicKey(make([]byte, 32)), "-iss", "a", "-id", "b"}, "-key"},
		{"no pass id", []string{"issue", "-key", key, "-iss", "a"}, "id"},
		{"unknown role", []string{"issue", "-key", key, "-iss", "a", "-id", "b", "-role", "boss"}, "role"},
		{"zero days", []string{"issue", "-key", key, "-iss", "a", "-id", "b", "-days", "0"}, "-days"},
		{"unknown flag", []string{"issue", "-colour", "red"}, "colour"},
		{"png too small", []string{"issue", "-key", key, "-iss", "a", "-id", "b", "-png", "/nonexistent/x.png", "-size", "10"}, "png size"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			err := passCommand(c.args, &bytes.Buffer{})
			if err == nil || !strings.Contains(err.Error(), c.want) {
				t.Fatalf("error %v, want one containing %q", err, c.want)
			}
		})
	}
}

func TestPassCommandHelpIsNotAnError(t *testing.T) {
	var out bytes.Buffer
	if err := passCommand([]string{"issue", "-h"}, &out); err != nil || !strings.Contains(out.String(), "-site") {
		t.Fatalf("err %v, usage %q", err, out.String())
	}
	for _, args := range [][]string{{"-h"}, {"--help"}, {"help"}, {"keygen", "-h"}} {
		out.Reset()
		if err := passCommand(args, &out); err != nil || !strings.Contains(out.String(), "pass keygen") ||
			!strings.Contains(out.String(), "pass issue") {
			t.Errorf("passCommand(%q): err %v, usage %q; want both subcommands and no error", args, err, out.String())
		}
	}
}
