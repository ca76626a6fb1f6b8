package config

import (
	"crypto/tls"
	"crypto/x509"
	"fmt"
	"net"
	"net/url"
	"os"
	"slices"
	"time"

	"github.com/kakou/kakou/firmware/delivery"
	"github.com/kakou/kakou/firmware/wire"
	"github.com/kakou/kakou/gateway/lan"
	"github.com/kakou/kakou/gateway/occupancy"
)

// tlsSchemes are the broker URL schemes that use TLS.
var tlsSchemes = []string{"ssl", "tls", "mqtts"}

// Validate reports every problem in c as a *ConfigError, or nil. It opens no
// files and no sockets.
func (c Config) Validate() error {
	var p []Problem
	bad := func(key, format string, args ...any) {
		p = append(p, Problem{key, fmt.Sprintf(format, args...)})
	}
	for _, id := range []struct{ key, v string }{{"site", c.Site}, {"gateway", c.Gateway}} {
		if err := wire.ValidateID(id.v); err != nil {
			bad(id.key, "%q: %v", id.v, err)
		}
	}
	if c.DataDir == "" {
		bad("data_dir", "is required (the directory that holds gateway.db)")
	}
	checkHostPort(bad, "lan.listen", c.LAN.Listen)
	checkHostPort(bad, "web.listen", c.Web.Listen)
	c.validateTLS(bad)
	c.Cloud.validate(bad)
	c.Enroll.validate(bad)
	if c.Policy.Path == "" {
		bad("policy.path", "is required: the site's policy file, whose [checks.capacity] max is the cap until the centre pushes a policy")
	}
	if c.Occupancy.Capacity != nil {
		bad("occupancy.capacity", capacityMoved)
	}
	c.validateManagers(bad)
	c.validateLanes(bad)
	c.Retention.validate(bad)
	c.validateUpdate(bad) // update.go
	if len(p) > 0 {
		return &ConfigError{Problems: p}
	}
	return nil
}

func checkHostPort(bad func(string, string, ...any), key, v string) {
	if _, port, err := net.SplitHostPort(v); err != nil || port == "" {
		bad(key, "%q is not host:port such as 127.0.0.1:1883", v)
	}
}

func (c Cloud) validate(bad func(string, string, ...any)) {
	if c.brokersValid(bad) {
		if u, _ := url.Parse(c.URLs()[0]); c.CAFile+c.CertFile+c.KeyFile != "" && !slices.Contains(tlsSchemes, u.Scheme) {
			bad("cloud.ca_file", "TLS files need a TLS broker URL (ssl:// or mqtts://), not %q", c.URLs()[0])
		}
	}
	if (c.CertFile == "") != (c.KeyFile == "") {
		bad("cloud.cert_file", "cert_file and key_file go together: set both or neither")
	}
	if d := c.AckTimeout.Duration; d < time.Second || d > 10*time.Minute {
		bad("cloud.ack_timeout", "%v: want 1s to 10m", d)
	}
	if _, err := delivery.SubscribeQoS0(c.SubscribeQoS); err != nil {
		bad("cloud.subscribe_qos", "%v", err)
	}
}

func (c Config) validateLanes(bad func(string, string, ...any)) {
	seen := map[string]bool{}
	for i, l := range c.Lanes {
		key := fmt.Sprintf("lanes[%d]", i)
		if err := wire.ValidateID(l.Unit); err != nil {
			bad(key+".unit", "%q: %v", l.Unit, err)
		} else if seen[l.Unit] {
			bad(key+".unit", "%q is named twice", l.Unit)
		}
		seen[l.Unit] = true
		if !occupancy.ValidRole(l.Role) {
			bad(key+".role", "%q: want in, out or both", l.Role)
		}
	}
}

// Capacity is the cap the gateway starts with: the policy file's
// [checks.capacity] max (0 when the check is off), until the centre
// pushes a policy. It reads the file.
func (c Config) Capacity() (int, error) {
	b, err := os.ReadFile(c.Policy.Path)
	if err != nil {
		return 0, fmt.Errorf("policy.path: %w", err)
	}
	n, err := lan.CapacityOf(string(b))
	if err != nil {
		return 0, fmt.Errorf("policy.path %s: %w", c.Policy.Path, err)
	}
	return n, nil
}

// TLS builds the cloud connection's TLS settings from the files named;
// nil for a plain tcp:// broker. It reads the files.
func (c Cloud) TLS() (*tls.Config, error) {
	u, err := url.Parse(c.URLs()[0])
	if err != nil || !slices.Contains(tlsSchemes, u.Scheme) {
		return nil, nil
	}
	t := &tls.Config{MinVersion: tls.VersionTLS12}
	if c.CAFile != "" {
		pem, err := os.ReadFile(c.CAFile)
		if err != nil {
			return nil, fmt.Errorf("cloud.ca_file: %w", err)
		}
		t.RootCAs = x509.NewCertPool()
		if !t.RootCAs.AppendCertsFromPEM(pem) {
			return nil, fmt.Errorf("cloud.ca_file %s: no PEM certificate in it", c.CAFile)
		}
	}
	if c.CertFile != "" {
		cert, err := tls.LoadX509KeyPair(c.CertFile, c.KeyFile)
		if err != nil {
			return nil, fmt.Errorf("cloud.cert_file/key_file: %w", err)
		}
		t.Certificates = []tls.Certificate{cert}
	}
	return t, nil
}
