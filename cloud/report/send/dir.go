package send

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
)

// Dir drops the export's files into a directory (a shared folder the
// offices pick reports up from). Each file is written under a temporary
// name in the same directory, synced, then renamed: a reader never sees a
// half-written report, and a crash leaves at most a temporary file.
type Dir struct {
	Recipient string
	Path      string
}

func (d *Dir) Name() string { return d.Recipient }

// Send writes every file of e into the directory.
func (d *Dir) Send(_ context.Context, e Export) error {
	for _, f := range e.Files {
		if err := writeAtomic(filepath.Join(d.Path, f.Name), f.Data); err != nil {
			return fmt.Errorf("drop %s into %s: %w", f.Name, d.Path, err)
		}
	}
	return nil
}

func writeAtomic(path string, data []byte) error {
	tmp, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".*.tmp")
	if err != nil {
		return err
	}
	defer os.Remove(tmp.Name()) // after the rename there is nothing to remove
	if _, err := tmp.Write(data); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Sync(); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Close(); err != nil {
		return err
	}
	if err := os.Chmod(tmp.Name(), 0o640); err != nil {
		return err
	}
	return os.Rename(tmp.Name(), path)
}
