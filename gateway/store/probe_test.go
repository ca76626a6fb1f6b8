package store

import (
	"os"
	"path/filepath"
	"testing"
)

// The update health check's probe writes nothing that stays, and fails
// on a database that takes no write.
func TestWritableLeavesNothingAndFailsOnAReadOnlyDatabase(t *testing.T) {
	dir := t.TempDir()
	s := open(t, dir)
	if err := s.Writable(ctx); err != nil {
		t.Fatal(err)
	}
	if us, err := s.Units(ctx); err != nil || len(us) != 0 {
		t.Fatalf("units after the probe: %v %v, want none", us, err)
	}
	s.Close()
	if os.Getuid() == 0 {
		t.Skip("root writes a read-only file")
	}
	os.Chmod(filepath.Join(dir, "gateway.db"), 0o400)
	os.Chmod(dir, 0o500)
	defer os.Chmod(dir, 0o700)
	ro, err := Open(filepath.Join(dir, "gateway.db"))
	if err != nil {
		return // refused at open: as good
	}
	defer ro.Close()
	if err := ro.Writable(ctx); err == nil {
		t.Fatal("a read-only database passed the write probe")
	}
}
