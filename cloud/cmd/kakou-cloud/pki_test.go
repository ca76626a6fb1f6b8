package main

import (
	"bytes"
	"crypto/tls"
	"path/filepath"
	"strings"
	"testing"
)

func TestPKISubcommandMakesACAAndIssuesLoadableCertificates(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "pki")
	steps := [][]string{
		{"init", "-dir", dir},
		{"issue", "-dir", dir, "-name", "collector", "-host", "cloud.example.org, 127.0.0.1"},
		{"issue", "-dir", dir, "-name", "community-gate-1", "-client", "-days", "30"},
	}
	for _, args := range steps {
		var out, errb bytes.Buffer
		if code := pkiCmd(args, &out, &errb); code != 0 {
			t.Fatalf("pki %v exited %d: %s", args, code, errb.String())
		}
		if !strings.Contains(out.String(), "wrote "+dir) {
			t.Errorf("pki %v printed %q, want the files written", args, out.String())
		}
	}
	for _, name := range []string{"collector", "community-gate-1"} {
		base := filepath.Join(dir, name)
		if _, err := tls.LoadX509KeyPair(base+".pem", base+"-key.pem"); err != nil {
			t.Errorf("%s: %v", name, err)
		}
	}
}

func TestPKISubcommandExplainsMistakes(t *testing.T) {
	tests := []struct {
		args []string
		code int
		want string
	}{
		{nil, 2, "usage"},
		{[]string{"sign"}, 2, "usage"},
		{[]string{"init"}, 2, "-dir is required"},
		{[]string{"issue", "-dir", t.TempDir(), "-name", "unit-1", "-client"}, 1, "pki init"},
	}
	for _, tt := range tests {
		var out, errb bytes.Buffer
		code := pkiCmd(tt.args, &out, &errb)
		if code != tt.code || !strings.Contains(errb.String(), tt.want) {
			t.Errorf("pki %v = %d %q, want %d and %q", tt.args, code, errb.String(), tt.code, tt.want)
		}
	}
}
