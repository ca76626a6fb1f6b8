package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/kakou/kakou/cloud/pki"
)

const pkiUsage = `usage: kakou-cloud pki init  -dir DIR [-cn NAME]
       kakou-cloud pki issue -dir DIR -name NAME [-host h1,ip1] [-client] [-days N]

Makes the certificates of a small deployment (cloud/README.md, "TLS and
certificates"): init makes the site CA (ECDSA P-256, 10 years) as
DIR/ca.pem and DIR/ca-key.pem; issue signs a certificate with it as
DIR/NAME.pem and DIR/NAME-key.pem. Keys are written 0600; nothing is ever
overwritten. Keep ca-key.pem off the collector once the devices have their
certificates.

  kakou-cloud pki init  -dir /etc/kakou/pki
  kakou-cloud pki issue -dir /etc/kakou/pki -name collector -host cloud.example.org,10.0.0.5
  kakou-cloud pki issue -dir /etc/kakou/pki -name riverside-market-gw -host 192.168.1.10
  kakou-cloud pki issue -dir /etc/kakou/pki -name community-gate-1 -client

`

// pkiCmd is the "pki" subcommand; it returns the exit code.
func pkiCmd(args []string, stdout, stderr io.Writer) int {
	if len(args) == 0 || (args[0] != "init" && args[0] != "issue") {
		fmt.Fprint(stderr, pkiUsage)
		return 2
	}
	fs := flag.NewFlagSet("kakou-cloud pki "+args[0], flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() { fmt.Fprint(stderr, pkiUsage); fs.PrintDefaults() }
	dir := fs.String("dir", "", "the PKI directory (holds ca.pem and ca-key.pem)")
	cn := fs.String("cn", "Kakou site CA", "init: the CA's common name")
	name := fs.String("name", "", "issue: the certificate's name and file name (a unit, gateway or host id)")
	hosts := fs.String("host", "", "issue: comma-separated DNS names and IPs the server is reached by")
	client := fs.Bool("client", false, "issue: a client-only certificate (a unit)")
	days := fs.Int("days", int(pki.LeafValidity.Hours()/24), "issue: days the certificate is valid")
	if err := fs.Parse(args[1:]); errors.Is(err, flag.ErrHelp) {
		return 0
	} else if err != nil {
		return 2
	}
	if *dir == "" || fs.NArg() > 0 {
		fmt.Fprintln(stderr, "kakou-cloud pki: -dir is required and no arguments follow the flags")
		return 2
	}
	var p pki.CertPaths
	var err error
	if args[0] == "init" {
		p, err = pki.Init(*dir, *cn)
	} else {
		p, err = pki.Issue(*dir, pki.Request{Name: *name, Hosts: splitList(*hosts), Client: *client,
			Validity: time.Duration(*days) * 24 * time.Hour})
	}
	if err != nil {
		fmt.Fprintln(stderr, "kakou-cloud", err)
		return 1
	}
	fmt.Fprintf(stdout, "wrote %s\nwrote %s (private: keep it 0600, never copy it off the device)\n", p.Cert, p.Key)
	return 0
}

// splitList reads "a, b,c" as [a b c]; empty input is no hosts.
func splitList(s string) []string {
	var out []string
	for _, f := range strings.Split(s, ",") {
		if f = strings.TrimSpace(f); f != "" {
			out = append(out, f)
		}
	}
	return out
}
