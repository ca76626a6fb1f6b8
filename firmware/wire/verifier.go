package wire

import (
	"fmt"
	"strings"
)

// maxVerifier bounds credential.verifier: a name from the unit's config.
const maxVerifier = 32

// validVerifier checks credential.verifier: empty, or 1-32 of a-z 0-9 _ -,
// so a verifier's name can never carry a service's answer or a person's
// number to the centre.
func validVerifier(s string) error {
	if s == "" {
		return nil
	}
	if len(s) > maxVerifier || strings.Trim(s, "abcdefghijklmnopqrstuvwxyz0123456789_-") != "" {
		return fmt.Errorf("%q: want 1-%d of a-z 0-9 _ -", s, maxVerifier)
	}
	return nil
}
