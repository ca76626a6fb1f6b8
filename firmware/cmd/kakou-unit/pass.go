package main

import (
	"crypto/ed25519"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	"github.com/kakou/kakou/firmware/credential"
)

// passCommand is the "kakou-unit pass" tool for a site office or a
// bureau. It runs on the issuer's machine, not at the gate, so it lives
// here rather than in the credential package every unit links:
//
//	pass keygen
//	    print a new issuer key pair (public line for units' config,
//	    private line to keep secret: redirect it to a 0600 file)
//	pass issue -key <priv text or @file> -iss <issuer> -id <pass id>
//	    [-role resident] [-hh <household>] [-site <site>] [-days 90]
//	    [-png pass.png] [-size 512]
//	    print a signed pass valid from now for -days days; write its QR
//	    code if -png is given
func passCommand(args []string, stdout io.Writer) error {
	if len(args) == 0 {
		return errors.New("pass: want a subcommand: keygen or issue")
	}
	switch args[0] {
	case "-h", "-help", "--help", "help":
		_, err := io.WriteString(stdout, passUsage)
		return err // asking for usage is not a failure
	case "keygen":
		if len(args) == 2 && isHelp(args[1]) {
			_, err := io.WriteString(stdout, passUsage)
			return err
		}
		return keygenCommand(args[1:], stdout)
	case "issue":
		err := issueCommand(args[1:], stdout, time.Now())
		if errors.Is(err, flag.ErrHelp) {
			return nil // usage went to stdout; asking for it is not a failure
		}
		return err
	}
	return fmt.Errorf("pass: unknown subcommand %q: want keygen or issue", args[0])
}

// passUsage is what "pass -h" prints.
const passUsage = `Usage:
  pass keygen              print a new issuer key pair: the public line goes in
                           units' [credentials] issuers, keep the private one safe
  pass issue -key @FILE -iss ISSUER -id ID -role ROLE [-days N] [-png FILE]
                           sign a pass; "pass issue -h" lists every flag
`

func isHelp(arg string) bool {
	return arg == "-h" || arg == "-help" || arg == "--help"
}

func keygenCommand(args []string, stdout io.Writer) error {
	if len(args) > 0 {
		return fmt.Errorf("pass keygen: takes no arguments, got %q", args)
	}
	pub, priv := credential.GenerateIssuer()
	_, err := fmt.Fprintf(stdout, "%s\n%s\n", credential.FormatPublicKey(pub), credential.FormatPrivateKey(priv))
	return err
}

type issueFlags struct {
	key, png string
	size     int
	days     int
	claims   credential.PassClaims
	role     string
}

func parseIssueFlags(args []string, stdout io.Writer) (issueFlags, error) {
	var f issueFlags
	fs := flag.NewFlagSet("pass issue", flag.ContinueOnError)
	fs.SetOutput(stdout) // -h prints the flags where the user is looking
	fs.StringVar(&f.key, "key", "", "issuer private key text, or @file holding it")
	fs.StringVar(&f.claims.Issuer, "iss", "", "issuer id, as units know it in their config")
	fs.StringVar(&f.claims.ID, "id", "", "pass id (A-Z a-z 0-9 -, at most 32)")
	fs.StringVar(&f.role, "role", string(credential.RoleResident), "resident, staff, supply_vehicle, courier or worker")
	fs.StringVar(&f.claims.Household, "hh", "", "household (一户一卡), optional")
	fs.StringVar(&f.claims.Site, "site", "", "site the pass is valid at; empty: every site")
	fs.IntVar(&f.days, "days", 90, "days of validity from now")
	fs.StringVar(&f.png, "png", "", "write the QR code to this PNG file")
	fs.IntVar(&f.size, "size", 512, "PNG width and height in pixels")
	if err := fs.Parse(args); err != nil {
		return f, fmt.Errorf("pass issue: %w", err)
	}
	if fs.NArg() > 0 {
		return f, fmt.Errorf("pass issue: unexpected arguments %q", fs.Args())
	}
	if f.days < 1 {
		return f, fmt.Errorf("pass issue: -days %d: want 1 or more", f.days)
	}
	f.claims.Role = credential.Role(f.role)
	return f, nil
}

func issueCommand(args []string, stdout io.Writer, now time.Time) error {
	f, err := parseIssueFlags(args, stdout)
	if err != nil {
		return err
	}
	priv, err := readPrivateKey(f.key)
	if err != nil {
		return fmt.Errorf("pass issue: -key: %w", err)
	}
	f.claims.NotBefore = now.Unix()
	f.claims.Expires = now.AddDate(0, 0, f.days).Unix()
	code, err := credential.IssuePass(priv, f.claims)
	if err != nil {
		return err
	}
	if f.png != "" {
		img, err := renderPNG(code, f.size)
		if err != nil {
			return err
		}
		if err := os.WriteFile(f.png, img, 0o644); err != nil {
			return fmt.Errorf("pass issue: %w", err)
		}
	}
	_, err = fmt.Fprintln(stdout, code)
	return err
}

// readPrivateKey takes the key text itself or "@file"; the file may be
// keygen's whole output, so the private line is picked out.
func readPrivateKey(arg string) (ed25519.PrivateKey, error) {
	if arg == "" {
		return nil, errors.New("required")
	}
	text := arg
	if name, ok := strings.CutPrefix(arg, "@"); ok {
		b, err := os.ReadFile(name)
		if err != nil {
			return nil, err
		}
		text = privateLine(string(b))
	}
	return credential.ParsePrivateKey(text)
}

func privateLine(s string) string {
	for line := range strings.Lines(s) {
		if strings.HasPrefix(strings.TrimSpace(line), credential.PrivateKeyPrefix) {
			return line
		}
	}
	return s
}
