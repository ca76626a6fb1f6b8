package console

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"math/big"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// testCert writes a site CA and a console certificate for 127.0.0.1 it
// signed, as `kakou-cloud pki` would (firmware may not import cloud/pki).
func testCert(t *testing.T) (ca *x509.CertPool, certFile, keyFile string) {
	t.Helper()
	caKey, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	caTmpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "test CA"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour),
		IsCA: true, BasicConstraintsValid: true, KeyUsage: x509.KeyUsageCertSign}
	caDER, err := x509.CreateCertificate(rand.Reader, caTmpl, caTmpl, caKey.Public(), caKey)
	if err != nil {
		t.Fatal(err)
	}
	caCert, _ := x509.ParseCertificate(caDER)
	key, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	leaf := &x509.Certificate{SerialNumber: big.NewInt(2), Subject: pkix.Name{CommonName: "gate-1"},
		NotBefore: caTmpl.NotBefore, NotAfter: caTmpl.NotAfter, IPAddresses: []net.IP{net.IPv4(127, 0, 0, 1)},
		KeyUsage: x509.KeyUsageDigitalSignature, ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth}}
	der, err := x509.CreateCertificate(rand.Reader, leaf, caCert, key.Public(), caKey)
	if err != nil {
		t.Fatal(err)
	}
	keyDER, _ := x509.MarshalPKCS8PrivateKey(key)
	dir := t.TempDir()
	certFile, keyFile = filepath.Join(dir, "gate-1.pem"), filepath.Join(dir, "gate-1-key.pem")
	writePEM(t, certFile, "CERTIFICATE", der)
	writePEM(t, keyFile, "PRIVATE KEY", keyDER)
	ca = x509.NewCertPool()
	ca.AddCert(caCert)
	return ca, certFile, keyFile
}

func writePEM(t *testing.T, path, kind string, der []byte) {
	t.Helper()
	if err := os.WriteFile(path, pem.EncodeToMemory(&pem.Block{Type: kind, Bytes: der}), 0o600); err != nil {
		t.Fatal(err)
	}
}

func TestConsoleOverTLSServesHTTPSAndRefusesPlainHTTP(t *testing.T) {
	ca, certFile, keyFile := testCert(t)
	c, _ := newLane(t)
	if err := c.StartTLS("127.0.0.1:0", certFile, keyFile); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Shutdown(t.Context()) })
	if !strings.HasPrefix(c.URL(), "https://127.0.0.1:") {
		t.Fatalf("URL %q, want https://", c.URL())
	}
	stateURL := c.URL() + "api/state"

	if resp, err := http.Get("http://" + strings.TrimPrefix(stateURL, "https://")); err == nil {
		resp.Body.Close()
		if resp.StatusCode == http.StatusOK {
			t.Fatalf("plain HTTP to the TLS console got %s", resp.Status)
		}
	}
	if _, err := http.Get(stateURL); err == nil {
		t.Fatal("HTTPS without the site CA succeeded: the certificate was not checked")
	}
	client := &http.Client{Timeout: 10 * time.Second,
		Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: ca}}}
	resp, err := client.Get(stateURL)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("HTTPS with the site CA: %s", resp.Status)
	}
}

func TestConsoleStartTLSNamesAMissingCertificate(t *testing.T) {
	c, _ := newLane(t)
	missing := filepath.Join(t.TempDir(), "absent.pem")
	err := c.StartTLS("127.0.0.1:0", missing, missing)
	if err == nil || !strings.Contains(err.Error(), "absent.pem") || !strings.Contains(err.Error(), "console.cert_file") {
		t.Fatalf("StartTLS = %v, want an error naming the file and the config key", err)
	}
}
