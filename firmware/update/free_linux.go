package update

import "syscall"

// statfsFree is the space an unprivileged process may still write on the
// file system holding dir.
func statfsFree(dir string) (int64, error) {
	var s syscall.Statfs_t
	if err := syscall.Statfs(dir, &s); err != nil {
		return 0, err
	}
	return int64(s.Bavail) * int64(s.Bsize), nil
}
