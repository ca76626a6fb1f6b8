// Command crashing stands in for a kakou-unit update that dies at start
// (a missing device driver, a panic in its config): it exits 1 at once.
package main

import (
	"fmt"
	"os"
)

func main() {
	fmt.Fprintln(os.Stderr, "kakou-unit (crashing test build): exiting 1 at start")
	os.Exit(1)
}
