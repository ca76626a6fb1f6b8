package broker

import (
	"crypto/tls"
	"path/filepath"
	"strings"
	"testing"

	paho "github.com/eclipse/paho.mqtt.golang"

	"github.com/kakou/kakou/cloud/pki"
)

// site is a PKI made with cloud/pki in a temp dir: a broker certificate
// for 127.0.0.1, a unit's client certificate, and a unit certificate from
// another CA that the broker must not accept.
type site struct {
	caFile         string
	server, client pki.CertPaths
	stranger       pki.CertPaths // signed by another CA
}

func newSite(t *testing.T) site {
	t.Helper()
	dir, other := filepath.Join(t.TempDir(), "site"), filepath.Join(t.TempDir(), "other")
	for _, d := range []string{dir, other} {
		if _, err := pki.Init(d, ""); err != nil {
			t.Fatal(err)
		}
	}
	s := site{caFile: filepath.Join(dir, pki.CACertFile)}
	var err error
	issue := func(d string, r pki.Request) pki.CertPaths {
		var p pki.CertPaths
		if err == nil {
			p, err = pki.Issue(d, r)
		}
		return p
	}
	s.server = issue(dir, pki.Request{Name: "collector", Hosts: []string{"127.0.0.1"}})
	s.client = issue(dir, pki.Request{Name: "gate-1", Client: true})
	s.stranger = issue(other, pki.Request{Name: "gate-1", Client: true})
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// startTLSBroker runs a broker requiring client certificates from s's CA.
func startTLSBroker(t *testing.T, s site) *Broker {
	t.Helper()
	tc, err := pki.ServerConfig(s.server.Cert, s.server.Key, s.caFile)
	if err != nil {
		t.Fatal(err)
	}
	b, err := New("127.0.0.1:0", nil)
	if err != nil {
		t.Fatal(err)
	}
	if err := b.UseTLS(tc); err != nil {
		t.Fatal(err)
	}
	if err := b.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { b.Close() })
	return b
}

func tlsOptions(t *testing.T, url, caFile string, cert pki.CertPaths, id string) *paho.ClientOptions {
	t.Helper()
	tc, err := pki.ClientConfig(caFile, cert.Cert, cert.Key)
	if err != nil {
		t.Fatal(err)
	}
	return paho.NewClientOptions().AddBroker(url).SetClientID(id).SetTLSConfig(tc).
		SetAutoReconnect(false).SetConnectTimeout(wait)
}

func TestBrokerOverTLSCarriesACertifiedUnitsEntry(t *testing.T) {
	s := newSite(t)
	b := startTLSBroker(t, s)
	if !strings.HasPrefix(b.URL(), "ssl://127.0.0.1:") {
		t.Fatalf("URL() = %q, want ssl://", b.URL())
	}
	// The collector connects with its server certificate, which carries
	// clientAuth for exactly this.
	collector := connect(t, tlsOptions(t, b.URL(), s.caFile, s.server, "kakou-cloud"))
	got := subscribe(t, collector, "kakou/v1/+/+/entry")
	unit := connect(t, tlsOptions(t, b.URL(), s.caFile, s.client, "kakou-unit-s-gate-1"))
	tok := unit.Publish("kakou/v1/s/gate-1/entry", 1, false, `{"id":"e1"}`)
	if !tok.WaitTimeout(wait) || tok.Error() != nil {
		t.Fatalf("publish: %v", tok.Error())
	}
	if m := receive(t, got); string(m.Payload()) != `{"id":"e1"}` {
		t.Fatalf("collector got %s", m.Payload())
	}
}

func TestBrokerOverTLSRefusesClientsWithoutAValidCertificate(t *testing.T) {
	s := newSite(t)
	b := startTLSBroker(t, s)
	plainURL := "tcp://" + b.Addr()
	tests := []struct {
		name string
		opts *paho.ClientOptions
	}{
		{"certificate from another CA", tlsOptions(t, b.URL(), s.caFile, s.stranger, "stranger")},
		{"no client certificate", tlsOptions(t, b.URL(), s.caFile, pki.CertPaths{}, "anonymous")},
		{"plain MQTT to the TLS port", paho.NewClientOptions().AddBroker(plainURL).SetClientID("plain").
			SetAutoReconnect(false).SetConnectTimeout(wait)},
		// The client's side of the same check: a broker whose certificate
		// the unit cannot verify is not talked to.
		{"client not trusting the broker's CA", paho.NewClientOptions().AddBroker(b.URL()).
			SetClientID("untrusting").SetAutoReconnect(false).SetConnectTimeout(wait).
			SetTLSConfig(&tls.Config{MinVersion: tls.VersionTLS12})},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := paho.NewClient(tt.opts)
			tok := c.Connect()
			if !tok.WaitTimeout(wait) {
				t.Fatal("connect neither succeeded nor failed")
			}
			if tok.Error() == nil {
				c.Disconnect(0)
				t.Fatal("connected, want refused")
			}
		})
	}
}

func TestUseTLSRefusesAConfigWithoutACertificateOrAfterStart(t *testing.T) {
	b, err := New("127.0.0.1:0", nil)
	if err != nil {
		t.Fatal(err)
	}
	if err := b.UseTLS(&tls.Config{}); err == nil {
		t.Error("UseTLS without a certificate succeeded")
	}
	s := newSite(t)
	tc, err := pki.ServerConfig(s.server.Cert, s.server.Key, "")
	if err != nil {
		t.Fatal(err)
	}
	if err := b.Start(); err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	if err := b.UseTLS(tc); err == nil || !strings.Contains(err.Error(), "before Start") {
		t.Errorf("UseTLS after Start = %v, want refused", err)
	}
}
