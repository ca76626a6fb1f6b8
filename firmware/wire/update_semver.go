package wire

import (
	"errors"
	"fmt"
	"strconv"
	"strings"
)

// Semver is a program version MAJOR.MINOR.PATCH with an optional
// pre-release (1.5.0-rc.1). Build metadata (+…) is refused: two builds
// that differ only in it would compare equal, and a device must be able
// to tell the version it runs from the one offered.
type Semver struct {
	Major, Minor, Patch uint64
	Pre                 string
}

// ParseSemver reads a version of at most 64 bytes.
func ParseSemver(s string) (Semver, error) {
	if s == "" || len(s) > 64 {
		return Semver{}, fmt.Errorf("%q: want MAJOR.MINOR.PATCH of at most 64 bytes, e.g. 1.4.2", clip(s))
	}
	core, pre, hasPre := strings.Cut(s, "-")
	parts := strings.Split(core, ".")
	if len(parts) != 3 {
		return Semver{}, fmt.Errorf("%q: want MAJOR.MINOR.PATCH, e.g. 1.4.2", clip(s))
	}
	var n [3]uint64
	for i, p := range parts {
		v, err := strconv.ParseUint(p, 10, 32)
		if err != nil || p != strconv.FormatUint(v, 10) {
			return Semver{}, fmt.Errorf("%q: %q is not a number without leading zeros", clip(s), clip(p))
		}
		n[i] = v
	}
	if hasPre {
		if err := validatePre(pre); err != nil {
			return Semver{}, fmt.Errorf("%q: pre-release: %w", clip(s), err)
		}
	}
	return Semver{Major: n[0], Minor: n[1], Patch: n[2], Pre: pre}, nil
}

func validatePre(pre string) error {
	for _, id := range strings.Split(pre, ".") {
		if id == "" {
			return errors.New("an empty identifier")
		}
		for i := 0; i < len(id); i++ {
			c := id[i]
			if !(c >= '0' && c <= '9' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c == '-') {
				return fmt.Errorf("%q: use only 0-9, A-Z, a-z and '-'", clip(id))
			}
		}
	}
	return nil
}

// Compare returns -1, 0 or 1 as v is older than, the same as, or newer
// than w, by semver's precedence: a pre-release is older than its release.
func (v Semver) Compare(w Semver) int {
	for _, d := range [][2]uint64{{v.Major, w.Major}, {v.Minor, w.Minor}, {v.Patch, w.Patch}} {
		if d[0] != d[1] {
			return cmpU(d[0], d[1])
		}
	}
	switch {
	case v.Pre == w.Pre:
		return 0
	case v.Pre == "":
		return 1
	case w.Pre == "":
		return -1
	}
	return comparePre(strings.Split(v.Pre, "."), strings.Split(w.Pre, "."))
}

func comparePre(a, b []string) int {
	for i := 0; i < len(a) && i < len(b); i++ {
		an, aerr := strconv.ParseUint(a[i], 10, 64)
		bn, berr := strconv.ParseUint(b[i], 10, 64)
		switch {
		case aerr == nil && berr == nil:
			if an != bn {
				return cmpU(an, bn)
			}
		case aerr == nil: // numeric identifiers are older than alphanumeric ones
			return -1
		case berr == nil:
			return 1
		case a[i] != b[i]:
			return strings.Compare(a[i], b[i])
		}
	}
	return cmpU(uint64(len(a)), uint64(len(b)))
}

func cmpU(a, b uint64) int {
	if a < b {
		return -1
	}
	if a > b {
		return 1
	}
	return 0
}

func (v Semver) String() string {
	s := fmt.Sprintf("%d.%d.%d", v.Major, v.Minor, v.Patch)
	if v.Pre != "" {
		s += "-" + v.Pre
	}
	return s
}
