//go:build !linux

package update

import "errors"

// statfsFree is unknown off Linux; the budget still applies.
func statfsFree(string) (int64, error) {
	return 0, errors.New("update: free space unknown on this system")
}
