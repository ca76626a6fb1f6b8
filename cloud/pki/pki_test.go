package pki

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/tls"
	"crypto/x509"
	"io"
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func newCA(t *testing.T) string {
	t.Helper()
	dir := filepath.Join(t.TempDir(), "pki")
	if _, err := Init(dir, ""); err != nil {
		t.Fatal(err)
	}
	return dir
}

func TestInitMakesATenYearP256CAWithAPrivateKey(t *testing.T) {
	dir := newCA(t)
	ca, key, err := LoadCA(dir)
	if err != nil {
		t.Fatal(err)
	}
	pub, ok := ca.PublicKey.(*ecdsa.PublicKey)
	if !ok || pub.Curve != elliptic.P256() {
		t.Fatalf("CA key is %T, want ECDSA P-256", ca.PublicKey)
	}
	if !ca.IsCA || !ca.MaxPathLenZero || ca.KeyUsage&x509.KeyUsageCertSign == 0 {
		t.Errorf("CA constraints: IsCA %v, MaxPathLenZero %v, usage %v", ca.IsCA, ca.MaxPathLenZero, ca.KeyUsage)
	}
	if years := ca.NotAfter.Sub(time.Now()).Hours() / 24 / 365; years < 9.9 || years > 10.1 {
		t.Errorf("CA valid for %.1f years, want 10", years)
	}
	if key == nil {
		t.Fatal("no CA key")
	}
	assertMode(t, filepath.Join(dir, CAKeyFile), 0o600)
	assertMode(t, dir, 0o700)
}

func TestInitRefusesToReplaceAnExistingCA(t *testing.T) {
	dir := newCA(t)
	before, _ := os.ReadFile(filepath.Join(dir, CACertFile))
	_, err := Init(dir, "")
	if err == nil || !strings.Contains(err.Error(), "exists") {
		t.Fatalf("second Init = %v, want an error saying the CA exists", err)
	}
	after, _ := os.ReadFile(filepath.Join(dir, CACertFile))
	if string(before) != string(after) {
		t.Fatal("the CA was overwritten")
	}
}

func TestIssueSignsServerAndClientCertificatesThatVerify(t *testing.T) {
	dir := newCA(t)
	pool, err := CertPool(filepath.Join(dir, CACertFile))
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		req      Request
		host     string // verified against the SANs; "" for a client
		usage    x509.ExtKeyUsage
		refusing x509.ExtKeyUsage // a usage it must not verify for
	}{
		{Request{Name: "collector", Hosts: []string{"cloud.example.org", "10.0.0.5"}}, "10.0.0.5",
			x509.ExtKeyUsageServerAuth, -1},
		{Request{Name: "collector-dns", Hosts: []string{"cloud.example.org"}}, "cloud.example.org",
			x509.ExtKeyUsageClientAuth, -1},
		{Request{Name: "community-gate-1", Client: true}, "", x509.ExtKeyUsageClientAuth,
			x509.ExtKeyUsageServerAuth},
	}
	for _, tt := range tests {
		t.Run(tt.req.Name, func(t *testing.T) {
			p, err := Issue(dir, tt.req)
			if err != nil {
				t.Fatal(err)
			}
			assertMode(t, p.Key, 0o600)
			if _, err := tls.LoadX509KeyPair(p.Cert, p.Key); err != nil {
				t.Fatalf("files do not load as a key pair: %v", err)
			}
			certs, _ := ReadCerts(p.Cert)
			leaf := certs[0]
			opts := x509.VerifyOptions{Roots: pool, DNSName: tt.host, KeyUsages: []x509.ExtKeyUsage{tt.usage}}
			if _, err := leaf.Verify(opts); err != nil {
				t.Fatalf("verify for %v: %v", tt.usage, err)
			}
			if tt.refusing >= 0 {
				opts.KeyUsages = []x509.ExtKeyUsage{tt.refusing}
				if _, err := leaf.Verify(opts); err == nil {
					t.Fatalf("a client certificate verified for %v", tt.refusing)
				}
			}
			if leaf.Subject.CommonName != tt.req.Name {
				t.Errorf("common name %q, want %q", leaf.Subject.CommonName, tt.req.Name)
			}
		})
	}
}

func TestIssueRefusesBadRequestsBeforeWritingAnything(t *testing.T) {
	dir := newCA(t)
	tests := []struct {
		req  Request
		want string
	}{
		{Request{Name: "../etc/passwd", Client: true}, "name"},
		{Request{Name: "", Client: true}, "name"},
		{Request{Name: "ca", Client: true}, "CA's own file"},
		{Request{Name: "collector"}, "needs -host"},
		{Request{Name: "collector", Hosts: []string{"http://x"}}, "host"},
		{Request{Name: "unit-1", Client: true, Validity: -time.Hour}, "negative"},
	}
	for _, tt := range tests {
		_, err := Issue(dir, tt.req)
		if err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("Issue(%+v) = %v, want an error about %q", tt.req, err, tt.want)
		}
	}
	entries, _ := os.ReadDir(dir)
	if len(entries) != 2 {
		t.Errorf("directory holds %d files, want only the CA's 2", len(entries))
	}
}

func TestIssueNeverOverwritesAnIssuedCertificate(t *testing.T) {
	dir := newCA(t)
	r := Request{Name: "unit-1", Client: true}
	if _, err := Issue(dir, r); err != nil {
		t.Fatal(err)
	}
	if _, err := Issue(dir, r); err == nil || !strings.Contains(err.Error(), "exists") {
		t.Fatalf("second Issue = %v, want an error saying the file exists", err)
	}
}

func TestIssueWithoutACANamesTheInitCommand(t *testing.T) {
	_, err := Issue(t.TempDir(), Request{Name: "unit-1", Client: true})
	if err == nil || !strings.Contains(err.Error(), "pki init") {
		t.Fatalf("Issue = %v, want an error pointing at pki init", err)
	}
}

func TestLoadCARefusesAKeyFromAnotherCA(t *testing.T) {
	a, b := newCA(t), newCA(t)
	key, _ := os.ReadFile(filepath.Join(b, CAKeyFile))
	if err := os.WriteFile(filepath.Join(a, CAKeyFile), key, 0o600); err != nil {
		t.Fatal(err)
	}
	if _, _, err := LoadCA(a); err == nil || !strings.Contains(err.Error(), "does not match") {
		t.Fatalf("LoadCA = %v, want a mismatch error", err)
	}
}

// A real handshake over loopback: the server asks for client certificates
// from its CA, so a client from another CA is refused and one from its own
// CA gets through.
func TestServerConfigRequiresAClientCertificateFromItsCA(t *testing.T) {
	site, other := newCA(t), newCA(t)
	srv := mustIssue(t, site, Request{Name: "collector", Hosts: []string{"127.0.0.1"}})
	good := mustIssue(t, site, Request{Name: "unit-1", Client: true})
	bad := mustIssue(t, other, Request{Name: "unit-1", Client: true})
	sc, err := ServerConfig(srv.Cert, srv.Key, filepath.Join(site, CACertFile))
	if err != nil {
		t.Fatal(err)
	}
	ln, err := tls.Listen("tcp", "127.0.0.1:0", sc)
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	go acceptAndEcho(ln)
	for _, tt := range []struct {
		name   string
		client CertPaths
		ok     bool
	}{{"own CA", good, true}, {"other CA", bad, false}, {"no certificate", CertPaths{}, false}} {
		t.Run(tt.name, func(t *testing.T) {
			cc, err := ClientConfig(filepath.Join(site, CACertFile), tt.client.Cert, tt.client.Key)
			if err != nil {
				t.Fatal(err)
			}
			err = roundTrip(ln.Addr().String(), cc)
			if (err == nil) != tt.ok {
				t.Fatalf("round trip = %v, want ok=%v", err, tt.ok)
			}
		})
	}
}

func mustIssue(t *testing.T, dir string, r Request) CertPaths {
	t.Helper()
	p, err := Issue(dir, r)
	if err != nil {
		t.Fatal(err)
	}
	return p
}

func acceptAndEcho(ln net.Listener) {
	for {
		c, err := ln.Accept()
		if err != nil {
			return
		}
		go func() { defer c.Close(); io.CopyN(c, c, 1) }()
	}
}

// roundTrip sends one byte and reads it back: with TLS 1.3 a refused
// client certificate shows only on the first read, not in the handshake.
func roundTrip(addr string, cc *tls.Config) error {
	c, err := tls.Dial("tcp", addr, cc)
	if err != nil {
		return err
	}
	defer c.Close()
	c.SetDeadline(time.Now().Add(10 * time.Second))
	if _, err := c.Write([]byte{1}); err != nil {
		return err
	}
	_, err = c.Read(make([]byte, 1))
	return err
}

func assertMode(t *testing.T, path string, want os.FileMode) {
	t.Helper()
	fi, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	if got := fi.Mode().Perm(); got != want {
		t.Errorf("%s has mode %o, want %o", filepath.Base(path), got, want)
	}
}
