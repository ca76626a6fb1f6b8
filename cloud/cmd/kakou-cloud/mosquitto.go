package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"github.com/kakou/kakou/cloud/broker"
	"github.com/kakou/kakou/cloud/collector"
	"github.com/kakou/kakou/cloud/devicepass"
	"github.com/kakou/kakou/cloud/store"
	"github.com/kakou/kakou/firmware/wire"
)

const mosquittoUsage = `usage: kakou-cloud mosquitto-acl -config F -out DIR

Writes DIR/passwd (mosquitto's $7$ PBKDF2-SHA512 password file) and
DIR/acl (one block of topic rules per enrolled device) for an external
mosquitto, the same rules the embedded broker applies with
[broker] auth = "devices". The collector's own user is [broker] username
with [broker] password (or $KAKOU_SERVICE_PASSWORD). In mosquitto.conf:

  allow_anonymous false
  password_file DIR/passwd
  acl_file DIR/acl

Run it again after enrolling devices, then reload mosquitto (SIGHUP).

`

// mosquittoACL is the "mosquitto-acl" subcommand; it returns the exit code.
func mosquittoACL(args []string) int {
	fs := flag.NewFlagSet("kakou-cloud mosquitto-acl", flag.ContinueOnError)
	fs.Usage = func() { fmt.Fprint(fs.Output(), mosquittoUsage); fs.PrintDefaults() }
	configPath := fs.String("config", "/etc/kakou/cloud.toml", "collector configuration file (TOML)")
	out := fs.String("out", "", "directory to write passwd and acl into")
	if code, done := parseFlags(fs, args); done {
		return code
	}
	if *out == "" {
		fmt.Fprintln(os.Stderr, "kakou-cloud mosquitto-acl: -out DIR is required")
		return 2
	}
	if err := writeMosquittoFiles(*configPath, *out); err != nil {
		fmt.Fprintln(os.Stderr, "kakou-cloud mosquitto-acl:", err)
		return 1
	}
	return 0
}

func writeMosquittoFiles(configPath, dir string) error {
	cfg, err := collector.LoadConfig(configPath)
	if err != nil {
		return fmt.Errorf("configuration problems:\n%w", err)
	}
	svc := broker.Service{Username: cfg.Broker.Username, Password: cfg.Broker.Password}
	if pw := os.Getenv("KAKOU_SERVICE_PASSWORD"); pw != "" {
		svc.Password = pw
	}
	if svc.Username == "" || len(svc.Password) < 16 {
		return fmt.Errorf("%s: set [broker] username and a password of 16 characters or more "+
			"(or $KAKOU_SERVICE_PASSWORD): the collector needs its own user on the broker", configPath)
	}
	var devices []store.DeviceCredential
	err = withStore(configPath, func(ctx context.Context, st deviceStore) error {
		devices, err = st.DeviceCredentials(ctx)
		return err
	})
	if err != nil {
		return err
	}
	if err := os.MkdirAll(dir, 0o750); err != nil {
		return err
	}
	var pw, acl strings.Builder
	if err := writeMosquitto(&pw, &acl, svc, devices); err != nil {
		return err
	}
	// 0640: mosquitto reads them as its own group; nobody else should.
	if err := os.WriteFile(filepath.Join(dir, "passwd"), []byte(pw.String()), 0o640); err != nil {
		return err
	}
	return os.WriteFile(filepath.Join(dir, "acl"), []byte(acl.String()), 0o640)
}

// writeMosquitto writes the password file and the ACL file. Device hashes
// are copied as stored: they are already in mosquitto's $7$ form.
func writeMosquitto(pw, acl io.Writer, svc broker.Service, devices []store.DeviceCredential) error {
	hash, err := devicepass.Hash(svc.Password)
	if err != nil {
		return err
	}
	fmt.Fprintf(pw, "%s:%s\n", svc.Username, hash)
	fmt.Fprintf(acl, "# written by kakou-cloud mosquitto-acl: re-run it after enrolling devices\n\n")
	fmt.Fprintf(acl, "# the collector\nuser %s\ntopic readwrite %s/#\n", svc.Username, wire.Root)
	ids := map[string]int{}
	for _, d := range devices {
		ids[d.Unit]++
	}
	for _, d := range devices {
		if strings.ContainsAny(d.Unit+d.Site+d.PasswordHash, ":\n\r \t") {
			return fmt.Errorf("device %q: stored credential would corrupt the files; re-enroll it", d.Username())
		}
		users := []string{d.Username()}
		if ids[d.Unit] == 1 {
			// A device enrolled before user names carried the site still
			// connects with its bare id: as the embedded broker does, that
			// name is its own while no other site has a device of that id.
			users = append(users, d.Unit)
		}
		for _, user := range users {
			fmt.Fprintf(pw, "%s:%s\n", user, d.PasswordHash)
			writeDeviceACL(acl, user, d)
		}
	}
	return nil
}

// writeDeviceACL is wire.Grant, the embedded broker's ACL too
// (cloud/broker/auth.go), in mosquitto's words: a unit names its own
// topics, a gateway '+' for every unit of its site.
func writeDeviceACL(acl io.Writer, user string, d store.DeviceCredential) {
	g := wire.Grant{Site: d.Site, Unit: d.Unit}
	if d.Role == store.RoleGateway {
		g.Unit = wire.AnyUnit
	}
	fmt.Fprintf(acl, "\n# %s %s of site %s\nuser %s\n", d.Role, d.Unit, d.Site, user)
	for _, f := range g.Filters(true) {
		fmt.Fprintf(acl, "topic write %s\n", f)
	}
	for _, f := range g.Filters(false) {
		fmt.Fprintf(acl, "topic read %s\n", f)
	}
}
