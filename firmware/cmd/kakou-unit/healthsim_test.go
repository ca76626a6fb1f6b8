package main

import (
	"bytes"
	"strings"
	"testing"
)

func TestHealthsimRefusesAnAddressItCannotServe(t *testing.T) {
	var out, errs bytes.Buffer
	if code := healthsim([]string{"-listen", "256.0.0.1:0"}, &out, &errs); code != 1 || !strings.Contains(errs.String(), "-listen") {
		t.Fatalf("exit %d, stderr %q: want 1 and advice about -listen", code, errs.String())
	}
	if code := healthsim([]string{"-latency", "soon"}, &out, &errs); code != 2 {
		t.Fatalf("bad flag: exit %d, want 2", code)
	}
}
