package firstboot

import (
	"bytes"
	"fmt"
	"os"
)

// Examples is where the Debian packages put a pristine copy of each
// program's config (packaging/README.md): the conffile in /etc/kakou
// starts as that example, and setup may replace it while it is unchanged.
const Examples = "/usr/share/kakou/examples"

// MayWrite says whether setup may write config: it does not exist, force
// is set, or it is still byte for byte the package's example (a fresh
// install, whose example names a site that is not this one). Anything
// else is someone's edit and is refused, saying how to go on.
func MayWrite(config, example string, force bool, program string) error {
	have, err := os.ReadFile(config)
	if os.IsNotExist(err) || force {
		return nil
	}
	if err == nil {
		if ex, exErr := os.ReadFile(example); exErr == nil && bytes.Equal(have, ex) {
			return nil
		}
	}
	return fmt.Errorf("%s 已存在且已改动，未改动 / %s already exists and was edited, so it was left as it is: "+
		"check it with %s -check-config, or run setup again with -force to replace it", config, config, program)
}
