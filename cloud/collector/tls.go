package collector

import (
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"net"
	"net/http"

	"github.com/kakou/kakou/cloud/broker"
	"github.com/kakou/kakou/cloud/pki"
)

// httpTLS loads [http.tls]; nil serves plain HTTP (the demo on loopback).
func (c *Collector) httpTLS() (*tls.Config, error) {
	t := c.cfg.HTTP.TLS
	if !t.On() {
		return nil, nil
	}
	tc, err := pki.ServerConfig(t.CertFile, t.KeyFile, "")
	if err != nil {
		return nil, fmt.Errorf("http.tls: %w", err)
	}
	return tc, nil
}

// serveHTTP serves HTTPS when [http.tls] is set. ServeTLS rather than a
// TLS listener: it negotiates HTTP/2 and answers a plain-HTTP request
// with a 400 that says to use https, instead of a dropped connection.
func (c *Collector) serveHTTP(srv *http.Server, ln net.Listener) error {
	if c.cfg.HTTP.TLS.On() {
		return srv.ServeTLS(ln, "", "")
	}
	return srv.Serve(ln)
}

func (c *Collector) httpScheme() string {
	if c.cfg.HTTP.TLS.On() {
		return "https"
	}
	return "http"
}

func (c *Collector) brokerScheme() string {
	if c.cfg.Broker.TLS.On() {
		return "ssl"
	}
	return "tcp"
}

// listenTLS puts the embedded broker on TLS when [broker.tls] is set, and
// prepares how ingest dials it.
func (c *Collector) listenTLS(b *broker.Broker) error {
	t := c.cfg.Broker.TLS
	if !t.On() {
		return nil
	}
	tc, err := pki.ServerConfig(t.CertFile, t.KeyFile, t.ClientCAFile)
	if err != nil {
		return fmt.Errorf("broker.tls: %w", err)
	}
	if c.brokerTLS, err = selfClient(tc); err != nil {
		return fmt.Errorf("broker.tls: %w", err)
	}
	return b.UseTLS(tc)
}

// externalTLS prepares dialing an external broker at an ssl:// URL with
// [broker.tls] ca_file and the collector's client certificate.
func (c *Collector) externalTLS() error {
	t := c.cfg.Broker.TLS
	if !t.On() && t.CAFile == "" {
		return nil // paho dials ssl:// with the system's roots by itself
	}
	tc, err := pki.ClientConfig(t.CAFile, t.CertFile, t.KeyFile)
	if err != nil {
		return fmt.Errorf("collector: broker.tls: %w", err)
	}
	c.brokerTLS = tc
	return nil
}

// selfClient is how ingest dials the collector's own broker. It trusts
// exactly the broker's certificate rather than a CA and a host name: the
// broker is in this process, dialled on loopback under whatever address
// it listens on, which need not be a name on the certificate. It presents
// the same certificate as its own, which the broker accepts only if the
// certificate comes from the client CA; that is checked here so a wrong
// file stops the collector with a reason instead of a refused connection.
func selfClient(server *tls.Config) (*tls.Config, error) {
	own := server.Certificates[0]
	leaf := own.Leaf
	if leaf == nil {
		return nil, errors.New("certificate could not be parsed")
	}
	roots := x509.NewCertPool()
	roots.AddCert(leaf)
	if server.ClientCAs != nil {
		_, err := leaf.Verify(x509.VerifyOptions{Roots: server.ClientCAs,
			Intermediates: intermediates(own), KeyUsages: []x509.ExtKeyUsage{x509.ExtKeyUsageClientAuth}})
		if err != nil {
			return nil, fmt.Errorf("the collector connects to its own broker with cert_file, so it must "+
				"come from client_ca_file's CA with clientAuth (kakou-cloud pki issue without -client): %w", err)
		}
	}
	return &tls.Config{MinVersion: pki.MinVersion, RootCAs: roots, ServerName: nameOn(leaf),
		Certificates: server.Certificates}, nil
}

// nameOn is a name the certificate is valid for, to verify it against.
func nameOn(leaf *x509.Certificate) string {
	if len(leaf.DNSNames) > 0 {
		return leaf.DNSNames[0]
	}
	if len(leaf.IPAddresses) > 0 {
		return leaf.IPAddresses[0].String()
	}
	return leaf.Subject.CommonName // Go refuses this; the error will name the certificate
}

// intermediates are the chain certificates after the leaf in cert_file.
func intermediates(c tls.Certificate) *x509.CertPool {
	pool := x509.NewCertPool()
	for _, der := range c.Certificate[1:] {
		if ic, err := x509.ParseCertificate(der); err == nil {
			pool.AddCert(ic)
		}
	}
	return pool
}
