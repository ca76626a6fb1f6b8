// Package pki makes the certificates of a small Kakou deployment: one site
// certificate authority (CA) and, signed by it, a server certificate for
// every listener (collector, gateway) and a client certificate for every
// unit or gateway that connects to a broker with mutual TLS.
//
// A district with a few dozen units needs no outside CA and no ACME: the
// operator runs `kakou-cloud pki init` once on a trusted machine, keeps
// ca-key.pem offline, and runs `kakou-cloud pki issue` for each device.
//
// Everything is ECDSA P-256: small keys and fast handshakes on a Pi, and
// supported by Go, paho, mochi, Mosquitto and every browser. Files are PEM;
// private keys are PKCS#8 and written 0600, certificates 0644.
//
// The directory holds:
//
//	ca.pem, ca-key.pem        the site CA (10 years)
//	NAME.pem, NAME-key.pem    one per issued certificate
package pki

import (
	"cmp"
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"errors"
	"fmt"
	"math/big"
	"path/filepath"
	"time"
)

// File names inside a PKI directory.
const (
	CACertFile = "ca.pem"
	CAKeyFile  = "ca-key.pem"
)

// Validity periods. The CA outlives the devices it signs: re-issuing a
// device certificate is one command, replacing the CA means visiting
// every unit.
const (
	CAValidity   = 10 * 365 * 24 * time.Hour
	LeafValidity = 2 * 365 * 24 * time.Hour
)

// backdate starts every certificate an hour early so a device whose clock
// is a little behind still accepts a certificate issued just now.
const backdate = time.Hour

// Organization names the deployment in every certificate's subject.
const Organization = "Kakou"

// CertPaths are the files of one issued certificate.
type CertPaths struct{ Cert, Key string }

// Paths are the files certificate name has in dir.
func Paths(dir, name string) CertPaths {
	return CertPaths{Cert: filepath.Join(dir, name+".pem"), Key: filepath.Join(dir, name+"-key.pem")}
}

// Init makes a new site CA in dir (created 0700 if missing), named
// commonName. It refuses to overwrite an existing CA: every certificate
// issued so far would stop verifying.
func Init(dir, commonName string) (CertPaths, error) {
	if commonName == "" {
		commonName = "Kakou site CA"
	}
	key, err := newKey()
	if err != nil {
		return CertPaths{}, err
	}
	now := time.Now()
	tmpl, err := baseTemplate(commonName, now, CAValidity)
	if err != nil {
		return CertPaths{}, err
	}
	tmpl.IsCA, tmpl.BasicConstraintsValid = true, true
	// Path length 0: the CA signs devices directly, so a stolen device
	// key can never act as an intermediate CA.
	tmpl.MaxPathLen, tmpl.MaxPathLenZero = 0, true
	tmpl.KeyUsage = x509.KeyUsageCertSign | x509.KeyUsageCRLSign
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, key.Public(), key)
	if err != nil {
		return CertPaths{}, fmt.Errorf("pki: sign the CA: %w", err)
	}
	p := CertPaths{Cert: filepath.Join(dir, CACertFile), Key: filepath.Join(dir, CAKeyFile)}
	if err := writePair(dir, p, der, key); err != nil {
		return CertPaths{}, err
	}
	return p, nil
}

// Request describes one certificate to issue.
type Request struct {
	// Name is the certificate's common name and file name: a unit, gateway
	// or host id such as "community-gate-1" or "collector".
	Name string
	// Hosts are the DNS names and IP addresses a server is reached by;
	// a server certificate needs at least one.
	Hosts []string
	// Client makes a client-only certificate (a unit); otherwise it is a
	// server certificate that can also authenticate as a client.
	Client   bool
	Validity time.Duration // 0 = LeafValidity
}

// Issue signs a new key for r with the CA in dir and writes it beside the
// CA as NAME.pem and NAME-key.pem. Existing files are never overwritten.
func Issue(dir string, r Request) (CertPaths, error) {
	if err := r.check(); err != nil {
		return CertPaths{}, err
	}
	ca, caKey, err := LoadCA(dir)
	if err != nil {
		return CertPaths{}, err
	}
	key, err := newKey()
	if err != nil {
		return CertPaths{}, err
	}
	tmpl, err := r.template(time.Now())
	if err != nil {
		return CertPaths{}, err
	}
	if tmpl.NotAfter.After(ca.NotAfter) {
		tmpl.NotAfter = ca.NotAfter // a leaf outliving its CA would fail verification anyway
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, ca, key.Public(), caKey)
	if err != nil {
		return CertPaths{}, fmt.Errorf("pki: sign %s: %w", r.Name, err)
	}
	p := Paths(dir, r.Name)
	if err := writePair(dir, p, der, key); err != nil {
		return CertPaths{}, err
	}
	return p, nil
}

// template is the certificate r asks for, valid from now.
func (r Request) template(now time.Time) (*x509.Certificate, error) {
	tmpl, err := baseTemplate(r.Name, now, cmp.Or(r.Validity, LeafValidity))
	if err != nil {
		return nil, err
	}
	tmpl.KeyUsage = x509.KeyUsageDigitalSignature
	// A server certificate carries clientAuth too: a gateway serves its
	// LAN and is a client of the cloud, and the collector connects to its
	// own broker, both with the one certificate.
	tmpl.ExtKeyUsage = []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth, x509.ExtKeyUsageClientAuth}
	if r.Client {
		tmpl.ExtKeyUsage = []x509.ExtKeyUsage{x509.ExtKeyUsageClientAuth}
	}
	tmpl.DNSNames, tmpl.IPAddresses = splitHosts(r.Hosts)
	return tmpl, nil
}

// baseTemplate is what every certificate shares: subject, random serial and
// validity window.
func baseTemplate(commonName string, now time.Time, valid time.Duration) (*x509.Certificate, error) {
	// 128 random bits, as CA/Browser Forum rules ask (at least 64).
	serial, err := rand.Int(rand.Reader, new(big.Int).Lsh(big.NewInt(1), 128))
	if err != nil {
		return nil, fmt.Errorf("pki: serial number: %w", err)
	}
	return &x509.Certificate{
		SerialNumber: serial,
		Subject:      pkix.Name{CommonName: commonName, Organization: []string{Organization}},
		NotBefore:    now.Add(-backdate),
		NotAfter:     now.Add(valid),
	}, nil
}

func newKey() (*ecdsa.PrivateKey, error) {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return nil, fmt.Errorf("pki: generate key: %w", err)
	}
	return key, nil
}

// LoadCA reads the CA certificate and key from dir and checks they belong
// together, so a mixed-up directory is found before anything is signed.
func LoadCA(dir string) (*x509.Certificate, crypto.Signer, error) {
	certs, err := ReadCerts(filepath.Join(dir, CACertFile))
	if err != nil {
		return nil, nil, fmt.Errorf("%w (run `kakou-cloud pki init -dir %s` first)", err, dir)
	}
	key, err := readKey(filepath.Join(dir, CAKeyFile))
	if err != nil {
		return nil, nil, err
	}
	ca := certs[0]
	pub, ok := ca.PublicKey.(*ecdsa.PublicKey)
	if !ok || !pub.Equal(key.Public()) {
		return nil, nil, fmt.Errorf("pki: %s does not match %s: restore the pair from backup",
			CAKeyFile, CACertFile)
	}
	if !ca.IsCA {
		return nil, nil, errors.New("pki: " + CACertFile + " is not a CA certificate")
	}
	return ca, key, nil
}
