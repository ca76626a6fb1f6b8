package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"os"

	"github.com/kakou/kakou/cloud/fleet"
)

const policyKeyUsage = `usage: kakou-cloud policy-key -out DIR

Makes the key the centre signs policy pushes with (cloud/README.md,
"Signed policy"): DIR/policy-signing.pem, the Ed25519 private key (PKCS#8,
mode 0600), for the collector's [policy] signing_key_file, and
DIR/policy-verify.pem, its public key, for each unit's [policy]
verify_keys. An existing key is never overwritten.

To rotate: make a new pair in another DIR, add its policy-verify.pem to
every unit's verify_keys beside the old one, switch the collector's
signing_key_file, then remove the old key from the units.

`

// policyKey is the "policy-key" subcommand; it returns the exit code.
func policyKey(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("kakou-cloud policy-key", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() { fmt.Fprint(stderr, policyKeyUsage); fs.PrintDefaults() }
	out := fs.String("out", "", "the directory to write the key pair in (created 0700 if missing)")
	if err := fs.Parse(args); errors.Is(err, flag.ErrHelp) {
		return 0
	} else if err != nil {
		return 2
	}
	if *out == "" || fs.NArg() > 0 {
		fmt.Fprintln(stderr, "kakou-cloud policy-key: -out DIR is required and no arguments follow the flags")
		return 2
	}
	if err := os.MkdirAll(*out, 0o700); err != nil {
		fmt.Fprintln(stderr, "kakou-cloud policy-key:", err)
		return 1
	}
	signing, verify, err := fleet.WriteKeyPair(*out)
	if err != nil {
		fmt.Fprintln(stderr, "kakou-cloud policy-key:", err)
		return 1
	}
	fmt.Fprintf(stdout, "signing key: %s (collector [policy] signing_key_file; keep it secret)\n", signing)
	fmt.Fprintf(stdout, "verify key:  %s (each unit's [policy] verify_keys)\n", verify)
	return 0
}
