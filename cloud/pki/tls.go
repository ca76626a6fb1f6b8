package pki

import (
	"crypto/tls"
	"crypto/x509"
	"fmt"
)

// MinVersion is the oldest TLS the listeners accept. TLS 1.2 is what
// older MQTT client libraries on the units' side still need; 1.0 and 1.1
// are broken.
const MinVersion = tls.VersionTLS12

// ServerConfig loads a listener's TLS settings from PEM files: its
// certificate chain and key, and, when clientCAFile is set, the CA whose
// certificate every client must present (mutual TLS). The files are read
// now, at start, so a missing file stops the program with its name.
func ServerConfig(certFile, keyFile, clientCAFile string) (*tls.Config, error) {
	cert, err := tls.LoadX509KeyPair(certFile, keyFile)
	if err != nil {
		return nil, fmt.Errorf("pki: certificate %s / key %s: %w", certFile, keyFile, err)
	}
	c := &tls.Config{MinVersion: MinVersion, Certificates: []tls.Certificate{cert}}
	if clientCAFile != "" {
		if c.ClientCAs, err = CertPool(clientCAFile); err != nil {
			return nil, err
		}
		c.ClientAuth = tls.RequireAndVerifyClientCert
	}
	return c, nil
}

// ClientConfig loads the settings to dial a TLS server: caFile verifies
// it ("" = the system's roots, for a public broker) and certFile/keyFile,
// if given, are the client's own certificate for mutual TLS.
func ClientConfig(caFile, certFile, keyFile string) (*tls.Config, error) {
	c := &tls.Config{MinVersion: MinVersion}
	var err error
	if caFile != "" {
		if c.RootCAs, err = CertPool(caFile); err != nil {
			return nil, err
		}
	}
	if certFile != "" || keyFile != "" {
		cert, err := tls.LoadX509KeyPair(certFile, keyFile)
		if err != nil {
			return nil, fmt.Errorf("pki: certificate %s / key %s: %w", certFile, keyFile, err)
		}
		c.Certificates = []tls.Certificate{cert}
	}
	return c, nil
}

// CertPool reads the CA certificates in a PEM file.
func CertPool(path string) (*x509.CertPool, error) {
	certs, err := ReadCerts(path)
	if err != nil {
		return nil, err
	}
	pool := x509.NewCertPool()
	for _, c := range certs {
		pool.AddCert(c)
	}
	return pool, nil
}
