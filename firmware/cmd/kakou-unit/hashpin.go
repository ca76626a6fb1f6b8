package main

import (
	"bufio"
	"fmt"
	"io"
	"strings"

	"github.com/kakou/kakou/firmware/wire"
)

// hashPIN reads one PIN from in (a line, so it stays out of the shell's
// history and the process list) and prints its hash for a guards file.
func hashPIN(in io.Reader, stdout, stderr io.Writer) int {
	line, err := bufio.NewReader(io.LimitReader(in, 256)).ReadString('\n')
	if err != nil && err != io.EOF {
		fmt.Fprintln(stderr, "kakou-unit hash-pin:", err)
		return 1
	}
	h, err := wire.HashPIN(strings.TrimRight(line, "\r\n"))
	if err != nil {
		fmt.Fprintln(stderr, "kakou-unit hash-pin:", err)
		return 2
	}
	fmt.Fprintln(stdout, h)
	return 0
}
