package update

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
)

// Links in the install root: current is what the service starts
// (<root>/current/<program>), previous what it ran before.
const (
	currentLink  = "current"
	previousLink = "previous"
)

// install copies the downloaded binary to <root>/<version>/<program>,
// executable, through a synced temporary file and a rename.
func install(root, version, program, from string) error {
	dir := filepath.Join(root, version)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return fmt.Errorf("update: install: %w", err)
	}
	src, err := os.Open(from)
	if err != nil {
		return fmt.Errorf("update: install: %w", err)
	}
	defer src.Close()
	dst := filepath.Join(dir, program)
	tmp, err := os.OpenFile(dst+".tmp", os.O_CREATE|os.O_TRUNC|os.O_WRONLY, 0o755)
	if err != nil {
		return fmt.Errorf("update: install: %w", err)
	}
	_, err = io.Copy(tmp, src)
	if err == nil {
		err = tmp.Sync()
	}
	if cerr := tmp.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(dst+".tmp", dst)
	}
	if err != nil {
		os.Remove(dst + ".tmp")
		return fmt.Errorf("update: install %s: %w", dst, err)
	}
	return syncDir(dir)
}

// linkTarget is the version a link in root points at, "" when it is absent.
func linkTarget(root, name string) (string, error) {
	t, err := os.Readlink(filepath.Join(root, name))
	if errors.Is(err, fs.ErrNotExist) {
		return "", nil
	}
	if err != nil {
		return "", fmt.Errorf("update: %w", err)
	}
	return filepath.Base(t), nil
}

// setLink points root/name at version atomically: a new link is made
// under a temporary name and renamed over the old one, so a power cut
// leaves one link or the other, never none.
func setLink(root, name, version string) error {
	tmp := filepath.Join(root, "."+name+".tmp")
	os.Remove(tmp)
	if err := os.Symlink(version, tmp); err != nil {
		return fmt.Errorf("update: link %s: %w", name, err)
	}
	if err := os.Rename(tmp, filepath.Join(root, name)); err != nil {
		os.Remove(tmp)
		return fmt.Errorf("update: link %s: %w", name, err)
	}
	return syncDir(root)
}
