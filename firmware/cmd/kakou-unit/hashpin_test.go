package main

import (
	"bytes"
	"strings"
	"testing"

	"github.com/kakou/kakou/firmware/wire"
)

func TestHashPINPrintsAHashTheConsoleAccepts(t *testing.T) {
	var out, errs bytes.Buffer
	if code := hashPIN(strings.NewReader("2468\n"), &out, &errs); code != 0 {
		t.Fatalf("exit %d: %s", code, errs.String())
	}
	h := strings.TrimSpace(out.String())
	if !wire.CheckPIN(h, "2468") || wire.CheckPIN(h, "2469") {
		t.Fatalf("hash %q does not check the PIN", h)
	}
	if code := hashPIN(strings.NewReader("12\n"), &out, &errs); code == 0 || !strings.Contains(errs.String(), "4 to 32") {
		t.Fatalf("a two-digit PIN: exit %d, %q", code, errs.String())
	}
}
