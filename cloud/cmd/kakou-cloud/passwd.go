package main

import (
	"bufio"
	"flag"
	"fmt"
	"io"
	"strings"

	"github.com/kakou/kakou/cloud/api"
)

// passwd hashes a password for a [[users]] entry of the collector's config
// with argon2id, and with -name prints the whole entry:
//
//	printf '%s\n' 'the password' | kakou-cloud passwd -name zhang -role site_manager -site sunshine-garden
//
// The password is read from the first line of stdin, so it stays out of
// the shell history and the process list.
func passwd(args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("kakou-cloud passwd", flag.ContinueOnError)
	fs.SetOutput(stderr)
	name := fs.String("name", "", "user name: print a whole [[users]] entry, not just the hash")
	role := fs.String("role", "monitor", "guard, site_manager, monitor or tracer (with -name)")
	site := fs.String("site", "", "the site of a guard or a site manager (with -name)")
	unit := fs.String("unit", "", "the unit of a guard (with -name)")
	if err := fs.Parse(args); err != nil {
		return 2
	}
	fmt.Fprintln(stderr, "password (one line on stdin; typed input is shown, so pipe it in):")
	line, err := bufio.NewReader(stdin).ReadString('\n')
	if err != nil && err != io.EOF {
		fmt.Fprintln(stderr, "kakou-cloud passwd: read the password:", err)
		return 1
	}
	password := strings.TrimRight(line, "\r\n")
	if len(password) < 10 {
		fmt.Fprintln(stderr, "kakou-cloud passwd: use at least 10 characters; a short password falls to the first guesses")
		return 1
	}
	hash, err := api.HashPassword(password, api.DefaultArgon2)
	if err != nil {
		fmt.Fprintln(stderr, "kakou-cloud passwd:", err)
		return 1
	}
	if *name == "" {
		fmt.Fprintln(stdout, hash)
		return 0
	}
	fmt.Fprintf(stdout, "[[users]]\nname = %q\nrole = %q\n", *name, *role)
	if *site != "" {
		fmt.Fprintf(stdout, "site = %q\n", *site)
	}
	if *unit != "" {
		fmt.Fprintf(stdout, "unit = %q\n", *unit)
	}
	fmt.Fprintf(stdout, "password_hash = %q\n", hash)
	return 0
}
