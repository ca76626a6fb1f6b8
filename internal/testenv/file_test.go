package testenv

import (
	"os"
	"path/filepath"
	"testing"
)

func TestNeedFileFindsTheFirstThatExistsElseSkipsOrFails(t *testing.T) {
	dir := t.TempDir()
	font := filepath.Join(dir, "font.ttc")
	if err := os.WriteFile(font, []byte("x"), 0o644); err != nil {
		t.Fatal(err)
	}
	if got := NeedFile(t, "fonts-x", filepath.Join(dir, "missing"), dir, font); got != font {
		t.Fatalf("NeedFile = %q, want %q (a directory is no file)", got, font)
	}
	for _, required := range []string{"", "1"} {
		t.Setenv("KAKOU_INTEGRATION", required)
		ft := &fakeT{TB: t}
		done := make(chan struct{})
		go func() {
			defer close(done)
			NeedFile(ft, "fonts-x", filepath.Join(dir, "missing"))
		}()
		<-done
		if required == "1" && (ft.fatal == "" || ft.skip != "") {
			t.Errorf("KAKOU_INTEGRATION=1: fatal %q, skip %q; want a failure", ft.fatal, ft.skip)
		}
		if required == "" && (ft.skip == "" || ft.fatal != "") {
			t.Errorf("KAKOU_INTEGRATION unset: fatal %q, skip %q; want a skip", ft.fatal, ft.skip)
		}
	}
}
