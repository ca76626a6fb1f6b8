package config

import (
	"crypto/tls"
	"crypto/x509"
	"fmt"
	"os"
)

// validateTLS checks the [lan] and [web] certificate keys: cert_file and
// key_file go together, and a client CA needs a certificate to go with.
// Plain listeners stay allowed for the demo on loopback;
// configs/production/gateway.toml sets all of them.
func (c Config) validateTLS(bad func(string, string, ...any)) {
	pairs := []struct{ table, cert, key string }{
		{"lan", c.LAN.CertFile, c.LAN.KeyFile},
		{"web", c.Web.CertFile, c.Web.KeyFile},
	}
	for _, p := range pairs {
		if (p.cert == "") != (p.key == "") {
			bad(p.table+".cert_file", "cert_file and key_file go together: set both or neither")
		}
	}
	if c.LAN.ClientCAFile != "" && c.LAN.CertFile == "" {
		bad("lan.client_ca_file", "needs lan.cert_file and key_file: mutual TLS is TLS first")
	}
}

// TLS loads the LAN broker's TLS settings; nil for a plain listener. With
// a client CA the broker refuses, before MQTT CONNECT, any unit without a
// certificate from it. It reads the files.
func (l LAN) TLS() (*tls.Config, error) {
	if l.CertFile == "" {
		return nil, nil
	}
	t, err := serverTLS("lan", l.CertFile, l.KeyFile)
	if err != nil {
		return nil, err
	}
	if l.ClientCAFile != "" {
		if t.ClientCAs, err = certPool(l.ClientCAFile); err != nil {
			return nil, fmt.Errorf("lan.client_ca_file: %w", err)
		}
		t.ClientAuth = tls.RequireAndVerifyClientCert
	}
	return t, nil
}

// TLS loads the web API's certificate; nil serves plain HTTP.
func (w Web) TLS() (*tls.Config, error) {
	if w.CertFile == "" {
		return nil, nil
	}
	return serverTLS("web", w.CertFile, w.KeyFile)
}

// serverTLS is a listener's certificate with TLS 1.2 as the oldest
// version: 1.0 and 1.1 are broken, 1.2 is what older MQTT stacks on units
// still need.
func serverTLS(table, certFile, keyFile string) (*tls.Config, error) {
	cert, err := tls.LoadX509KeyPair(certFile, keyFile)
	if err != nil {
		return nil, fmt.Errorf("%s.cert_file/key_file: %w", table, err)
	}
	return &tls.Config{MinVersion: tls.VersionTLS12, Certificates: []tls.Certificate{cert}}, nil
}

func certPool(path string) (*x509.CertPool, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	pool := x509.NewCertPool()
	if !pool.AppendCertsFromPEM(b) {
		return nil, fmt.Errorf("%s: no PEM certificate in it", path)
	}
	return pool, nil
}
