package update

import (
	"fmt"
	"os"
	"path/filepath"
	"syscall"

	"github.com/kakou/kakou/firmware/wire"
)

// The service always starts the packaged binary (/usr/bin/<program>), so
// the unit file, the hardening and `apt upgrade` stay what the package
// made them. An installed update lives under the state directory
// (<root>/<version>/<program>); the packaged binary hands over to it with
// Launch. The rule is "the newest wins": a package newer than the update
// runs itself, and a rolled-back current (pointing at the packaged
// version, or at one removed) is not newer, so the packaged one runs.

// Newer is the binary <root>/current names when that version is newer
// than running and the file is there; "" otherwise (no update installed,
// rolled back, or a package upgrade overtook it).
func Newer(root, program, running string) (string, error) {
	if root == "" {
		return "", nil
	}
	run, err := wire.ParseSemver(running)
	if err != nil {
		return "", nil // a development build never hands over
	}
	version, err := linkTarget(root, currentLink)
	if err != nil || version == "" {
		return "", err
	}
	cur, err := wire.ParseSemver(version)
	if err != nil {
		return "", fmt.Errorf("update: %s/current names %q, not a version: remove the link to run the packaged program", root, version)
	}
	if cur.Compare(run) <= 0 {
		return "", nil
	}
	bin := filepath.Join(root, version, program)
	if fi, err := os.Stat(bin); err != nil || !fi.Mode().IsRegular() || fi.Mode()&0o111 == 0 {
		return "", nil // a version removed by a rollback; the packaged one runs
	}
	return bin, nil
}

// Launch replaces this process with the newer installed version, with
// the same arguments and environment (the PID stays, so systemd's
// NotifyAccess=main and the watchdog follow it). It returns only when
// there is nothing newer to run, or the exec failed: then the caller runs
// on, as the packaged version.
func Launch(root, program, running string) error {
	bin, err := Newer(root, program, running)
	if err != nil || bin == "" {
		return err
	}
	args := append([]string{bin}, os.Args[1:]...)
	if err := syscall.Exec(bin, args, os.Environ()); err != nil {
		return fmt.Errorf("update: start %s: %w (running the packaged %s instead)", bin, err, running)
	}
	return nil
}
