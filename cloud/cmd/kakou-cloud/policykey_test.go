package main

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/kakou/kakou/cloud/fleet"
)

func TestPolicyKeyWritesAPairOnceAndNeverOverwrites(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "keys")
	var out, errOut bytes.Buffer
	if code := policyKey([]string{"-out", dir}, &out, &errOut); code != 0 {
		t.Fatalf("exit %d: %s", code, errOut.String())
	}
	if _, err := fleet.LoadSigningKey(filepath.Join(dir, fleet.SigningKeyFile)); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(dir, fleet.VerifyKeyFile)); err != nil {
		t.Fatal(err)
	}
	errOut.Reset()
	if code := policyKey([]string{"-out", dir}, &out, &errOut); code != 1 || !strings.Contains(errOut.String(), "exists") {
		t.Fatalf("second run: exit %d, %q; want a refusal", code, errOut.String())
	}
	if code := policyKey(nil, &out, &errOut); code != 2 {
		t.Fatalf("without -out: exit %d, want 2", code)
	}
}
