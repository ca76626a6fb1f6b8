package uplink

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
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/kakou/kakou/firmware/wire"
	"github.com/kakou/kakou/internal/embedbroker"
)

// pki is a throw-away CA with one server and one client certificate, and
// the PEM files a unit would be installed with.
type pki struct {
	pool                  *x509.CertPool
	server                tls.Certificate
	caFile, certFile, key string
}

func newPKI(t *testing.T) pki {
	t.Helper()
	dir := t.TempDir()
	caKey, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	caTmpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "kakou test CA"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour),
		IsCA: true, BasicConstraintsValid: true, KeyUsage: x509.KeyUsageCertSign}
	caDER, err := x509.CreateCertificate(rand.Reader, caTmpl, caTmpl, &caKey.PublicKey, caKey)
	if err != nil {
		t.Fatal(err)
	}
	ca, _ := x509.ParseCertificate(caDER)
	p := pki{pool: x509.NewCertPool(), caFile: filepath.Join(dir, "ca.pem"),
		certFile: filepath.Join(dir, "unit.pem"), key: filepath.Join(dir, "unit-key.pem")}
	p.pool.AddCert(ca)
	writePEM(t, p.caFile, "CERTIFICATE", caDER)
	leaf := func(serial int64, usage x509.ExtKeyUsage) ([]byte, *ecdsa.PrivateKey) {
		k, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
		tmpl := &x509.Certificate{SerialNumber: big.NewInt(serial), Subject: pkix.Name{CommonName: "kakou test"},
			NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour),
			ExtKeyUsage: []x509.ExtKeyUsage{usage}, IPAddresses: []net.IP{net.IPv4(127, 0, 0, 1)}}
		der, err := x509.CreateCertificate(rand.Reader, tmpl, ca, &k.PublicKey, caKey)
		if err != nil {
			t.Fatal(err)
		}
		return der, k
	}
	srvDER, srvKey := leaf(2, x509.ExtKeyUsageServerAuth)
	p.server = tls.Certificate{Certificate: [][]byte{srvDER}, PrivateKey: srvKey}
	cliDER, cliKey := leaf(3, x509.ExtKeyUsageClientAuth)
	writePEM(t, p.certFile, "CERTIFICATE", cliDER)
	keyDER, _ := x509.MarshalECPrivateKey(cliKey)
	writePEM(t, p.key, "EC PRIVATE KEY", keyDER)
	return p
}

func writePEM(t *testing.T, path, kind string, der []byte) {
	t.Helper()
	if err := os.WriteFile(path, pem.EncodeToMemory(&pem.Block{Type: kind, Bytes: der}), 0o600); err != nil {
		t.Fatal(err)
	}
}

func TestUplinkConnectsToABrokerThatRequiresItsCertificate(t *testing.T) {
	p := newPKI(t)
	capt := newCapture(t)
	ln := embedbroker.NewTCP("tls", "127.0.0.1:0", &tls.Config{
		Certificates: []tls.Certificate{p.server}, ClientAuth: tls.RequireAndVerifyClientCert,
		ClientCAs: p.pool, MinVersion: tls.VersionTLS12})
	b := serveBroker(t, ln, "ssl://", capt)
	l := newLedger(t)
	l.addN(t, 3)
	startUplink(t, l, b.url, func(o *Options) { o.CAFile, o.CertFile, o.KeyFile = p.caFile, p.certFile, p.key })
	capt.awaitStatus(wire.Online)
	if e := capt.nextEntry(); e.Seq != 1 {
		t.Fatalf("first entry over TLS has seq %d, want 1", e.Seq)
	}
}

func TestNewRejectsUnusableTLSFiles(t *testing.T) {
	p := newPKI(t)
	cases := []struct {
		name               string
		ca, cert, key, why string
	}{
		{"CA file without PEM", p.key, "", "", "no PEM certificate"},
		{"key that is not the cert's", p.caFile, p.certFile, p.caFile, "uplink: client certificate"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			_, err := New(nothingPending{}, Options{Broker: "ssl://127.0.0.1:8883", Status: testStatus,
				CAFile: tc.ca, CertFile: tc.cert, KeyFile: tc.key})
			if err == nil || !strings.Contains(err.Error(), tc.why) {
				t.Fatalf("New = %v, want an error mentioning %q", err, tc.why)
			}
		})
	}
}
