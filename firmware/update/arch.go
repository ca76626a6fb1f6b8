package update

import "runtime"

// Arch is the update architecture this binary was built for, as a
// device reports it in its status and a push names it: the packages
// build 32-bit ARM for ARMv6 (Raspberry Pi OS), so every arm build
// installs armv6 updates. "" for an architecture no update is built for.
func Arch() string {
	switch runtime.GOARCH {
	case "arm":
		return "armv6"
	case "arm64", "amd64":
		return runtime.GOARCH
	}
	return ""
}
