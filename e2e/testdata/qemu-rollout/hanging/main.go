// Command hanging stands in for a kakou-unit update that hangs at start
// (stuck before its screening loop, e.g. on a lock): it never says
// READY=1 and never exits, so only systemd's TimeoutStartSec ends it.
package main

import (
	"fmt"
	"os"
	"time"
)

func main() {
	fmt.Fprintln(os.Stderr, "kakou-unit (hanging test build): sleeping, never ready")
	for {
		time.Sleep(time.Hour)
	}
}
