package pki

import (
	"crypto"
	"crypto/x509"
	"encoding/pem"
	"errors"
	"fmt"
	"io/fs"
	"net"
	"os"
	"regexp"
	"strings"
)

// validName keeps a certificate name usable as a file name and as an MQTT
// client id: no path separators, no dots leading to "..".
var validName = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9_-]{0,62}$`)

// check refuses a request before any key is made or file touched.
func (r Request) check() error {
	if !validName.MatchString(r.Name) {
		return fmt.Errorf("pki: name %q: want letters, digits, - and _ (at most 63), e.g. community-gate-1", r.Name)
	}
	if r.Name == "ca" || r.Name == "ca-key" {
		return fmt.Errorf("pki: name %q is the CA's own file; choose another", r.Name)
	}
	if !r.Client && len(r.Hosts) == 0 {
		return fmt.Errorf("pki: server certificate %s needs -host (the DNS names or IPs clients dial); "+
			"use -client for a unit's certificate", r.Name)
	}
	if r.Validity < 0 {
		return fmt.Errorf("pki: validity %v is negative", r.Validity)
	}
	for _, h := range r.Hosts {
		if h == "" || strings.ContainsAny(h, " /:") && net.ParseIP(h) == nil {
			return fmt.Errorf("pki: host %q: want a DNS name such as collector.example.org or an IP address", h)
		}
	}
	return nil
}

// splitHosts sorts hosts into the two kinds of subject alternative name;
// clients check these, never the common name.
func splitHosts(hosts []string) (dns []string, ips []net.IP) {
	for _, h := range hosts {
		if ip := net.ParseIP(h); ip != nil {
			ips = append(ips, ip)
		} else {
			dns = append(dns, h)
		}
	}
	return dns, ips
}

// writePair writes the certificate and its key, creating dir 0700. The key
// is 0600 from the moment it exists (O_CREATE with the mode, never a chmod
// afterwards), and neither file may exist already.
func writePair(dir string, p CertPaths, der []byte, key crypto.Signer) error {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return fmt.Errorf("pki: %w", err)
	}
	for _, f := range []string{p.Cert, p.Key} {
		if _, err := os.Stat(f); err == nil {
			return fmt.Errorf("pki: %s exists; remove it first if you mean to replace it", f)
		}
	}
	keyDER, err := x509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		return fmt.Errorf("pki: encode key: %w", err)
	}
	if err := writePEM(p.Key, "PRIVATE KEY", keyDER, 0o600); err != nil {
		return err
	}
	if err := writePEM(p.Cert, "CERTIFICATE", der, 0o644); err != nil {
		os.Remove(p.Key) // a key without its certificate is of no use
		return err
	}
	return nil
}

func writePEM(path, kind string, der []byte, mode fs.FileMode) error {
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, mode)
	if err != nil {
		return fmt.Errorf("pki: %w", err)
	}
	err = pem.Encode(f, &pem.Block{Type: kind, Bytes: der})
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		os.Remove(path)
		return fmt.Errorf("pki: write %s: %w", path, err)
	}
	return nil
}

// ReadCerts reads every certificate in a PEM file, leaf first.
func ReadCerts(path string) ([]*x509.Certificate, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("pki: %w", err)
	}
	var certs []*x509.Certificate
	for block, rest := pem.Decode(b); block != nil; block, rest = pem.Decode(rest) {
		if block.Type != "CERTIFICATE" {
			continue
		}
		c, err := x509.ParseCertificate(block.Bytes)
		if err != nil {
			return nil, fmt.Errorf("pki: %s: %w", path, err)
		}
		certs = append(certs, c)
	}
	if len(certs) == 0 {
		return nil, fmt.Errorf("pki: %s: no PEM certificate in it", path)
	}
	return certs, nil
}

func readKey(path string) (crypto.Signer, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("pki: %w", err)
	}
	block, _ := pem.Decode(b)
	if block == nil || block.Type != "PRIVATE KEY" {
		return nil, fmt.Errorf("pki: %s: no PKCS#8 \"PRIVATE KEY\" PEM block in it", path)
	}
	key, err := x509.ParsePKCS8PrivateKey(block.Bytes)
	if err != nil {
		return nil, fmt.Errorf("pki: %s: %w", path, err)
	}
	signer, ok := key.(crypto.Signer)
	if !ok {
		return nil, errors.New("pki: " + path + ": not a signing key")
	}
	return signer, nil
}
