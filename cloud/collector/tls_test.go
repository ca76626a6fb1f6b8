package collector

import (
	"bytes"
	"crypto/tls"
	"encoding/base64"
	"encoding/json"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	paho "github.com/eclipse/paho.mqtt.golang"

	"github.com/kakou/kakou/cloud/pki"
	"github.com/kakou/kakou/firmware/wire"
)

// tlsSite makes a CA with cloud/pki in a temp dir, a collector certificate
// for 127.0.0.1 and a unit's client certificate.
func tlsSite(t *testing.T) (caFile string, server, unit pki.CertPaths) {
	t.Helper()
	dir := filepath.Join(t.TempDir(), "pki")
	if _, err := pki.Init(dir, ""); err != nil {
		t.Fatal(err)
	}
	server, err := pki.Issue(dir, pki.Request{Name: "collector", Hosts: []string{"127.0.0.1", "localhost"}})
	if err != nil {
		t.Fatal(err)
	}
	if unit, err = pki.Issue(dir, pki.Request{Name: "unit-1", Client: true}); err != nil {
		t.Fatal(err)
	}
	return filepath.Join(dir, pki.CACertFile), server, unit
}

// tlsConfig is the production shape: HTTPS, and a broker that asks every
// client for a certificate from the site CA.
func tlsConfig(t *testing.T, caFile string, server pki.CertPaths) Config {
	cfg := testConfig(t)
	cfg.HTTP.TLS = TLSConfig{CertFile: server.Cert, KeyFile: server.Key}
	cfg.Broker.TLS = TLSConfig{CertFile: server.Cert, KeyFile: server.Key, ClientCAFile: caFile}
	return cfg
}

func TestCollectorServesHTTPSOnlyWhenTLSIsConfigured(t *testing.T) {
	caFile, server, _ := tlsSite(t)
	c := start(t, tlsConfig(t, caFile, server))
	if !strings.HasPrefix(c.HTTPURL(), "https://127.0.0.1:") {
		t.Fatalf("HTTPURL %q, want https://", c.HTTPURL())
	}
	plain := "http://" + strings.TrimPrefix(c.HTTPURL(), "https://") + "/healthz"
	if resp, err := http.Get(plain); err == nil {
		resp.Body.Close()
		if resp.StatusCode == http.StatusOK {
			t.Fatalf("plain HTTP to the TLS listener got %s", resp.Status)
		}
	}
	if _, err := http.Get(c.HTTPURL() + "/healthz"); err == nil {
		t.Fatal("HTTPS without the site CA succeeded: the certificate was not checked")
	}
	pool, err := pki.CertPool(caFile)
	if err != nil {
		t.Fatal(err)
	}
	client := &http.Client{Timeout: wait, Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: pool}}}
	resp, err := client.Get(c.HTTPURL() + "/healthz")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("HTTPS with the site CA: %s", resp.Status)
	}
}

// The collector's own ingest dials its mutual-TLS broker too: a unit's
// entry published over TLS comes back as the collector's ack.
func TestCollectorAcksAnEntryPublishedOverMutualTLS(t *testing.T) {
	caFile, server, unit := tlsSite(t)
	c := start(t, tlsConfig(t, caFile, server))
	if !strings.HasPrefix(c.BrokerURL(), "ssl://127.0.0.1:") {
		t.Fatalf("BrokerURL %q, want ssl://", c.BrokerURL())
	}
	tc, err := pki.ClientConfig(caFile, unit.Cert, unit.Key)
	if err != nil {
		t.Fatal(err)
	}
	acks := make(chan wire.Ack, 1)
	u := paho.NewClient(paho.NewClientOptions().AddBroker(c.BrokerURL()).SetClientID("unit-tls").
		SetTLSConfig(tc))
	if tok := u.Connect(); !tok.WaitTimeout(wait) || tok.Error() != nil {
		t.Fatalf("unit connect over TLS: %v", tok.Error())
	}
	defer u.Disconnect(0)
	tok := u.Subscribe(wire.AckTopic("site-a", "unit-1"), 1, func(_ paho.Client, m paho.Message) {
		var a wire.Ack
		if json.Unmarshal(m.Payload(), &a) == nil && a.Seq == 1 {
			select {
			case acks <- a:
			default:
			}
		}
	})
	if !tok.WaitTimeout(wait) || tok.Error() != nil {
		t.Fatalf("subscribe: %v", tok.Error())
	}
	publishEntryWith(t, u, 1)
	select {
	case <-acks:
	case <-time.After(wait):
		t.Fatal("no ack: the entry did not reach the store over TLS")
	}
}

func publishEntryWith(t *testing.T, c paho.Client, seq uint64) {
	t.Helper()
	e := wire.Entry{Schema: wire.SchemaVersion, ID: "e-tls", Site: "site-a", Unit: "unit-1", Seq: seq,
		BootID: "b", Lane: wire.LaneIn, Time: time.Now(), ClockSynced: true,
		Credential: wire.Credential{Kind: wire.CredentialNone}, Decision: wire.Allow}
	b, _ := json.Marshal(e)
	if tok := c.Publish(wire.EntryTopic(e.Site, e.Unit), 1, false, b); !tok.WaitTimeout(wait) || tok.Error() != nil {
		t.Fatalf("publish: %v", tok.Error())
	}
}

func TestCollectorRefusesABrokerCertificateOutsideItsClientCA(t *testing.T) {
	caFile, _, _ := tlsSite(t)
	_, foreign, _ := tlsSite(t) // a collector certificate from another CA
	c, err := New(tlsConfig(t, caFile, foreign), nil)
	if err != nil {
		t.Fatal(err)
	}
	err = c.startBroker(t.Context())
	if err == nil || !strings.Contains(err.Error(), "client_ca_file") {
		t.Fatalf("startBroker = %v, want an error naming client_ca_file", err)
	}
}

func TestTLSConfigProblemsAreReportedWithTheirKeys(t *testing.T) {
	tests := []struct{ body, want string }{
		{"[http.tls]\ncert_file = \"c.pem\"", "http.tls.cert_file: cert_file and key_file go together"},
		{"[http.tls]\ncert_file = \"c\"\nkey_file = \"k\"\nclient_ca_file = \"ca\"", "http.tls: takes only"},
		{"[broker.tls]\nclient_ca_file = \"ca.pem\"", "broker.tls.client_ca_file: needs"},
		{"[broker.tls]\nca_file = \"ca.pem\"", "broker.tls.ca_file: is for an external broker"},
		{"[broker]\nembedded = false\nurl = \"tcp://h:1883\"\n[broker.tls]\nca_file = \"ca.pem\"",
			"broker.tls: TLS files need a TLS broker URL"},
		{"[broker]\nembedded = false\nurl = \"ssl://h:8883\"\n[broker.tls]\nclient_ca_file = \"x\"",
			"broker.tls.client_ca_file: only the embedded broker"},
		{"[broker.tls]\ncertfile = \"x\"", "broker.tls.certfile: unknown key"},
	}
	for _, tt := range tests {
		_, err := LoadConfig(writeConfig(t, "data_dir = \"d\"\n"+tt.body))
		if err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("%q: error %v, want %q", tt.body, err, tt.want)
		}
	}
}

// configs/production/cloud.toml loads, has TLS on both listeners with
// mutual TLS on the broker, and starts once its /etc/kakou/tls/ files
// exist: they are made here with cloud/pki, as the file's comment says.
func TestProductionConfigStartsWithCertificatesFromPKI(t *testing.T) {
	const path = "../../configs/production/cloud.toml"
	cfg, err := LoadConfig(path)
	if err != nil {
		t.Fatal(err)
	}
	if !cfg.HTTP.TLS.On() || !cfg.Broker.TLS.On() || cfg.Broker.TLS.ClientCAFile == "" || !cfg.Broker.Embedded {
		t.Fatalf("%s: want HTTPS and a mutual-TLS embedded broker, got http %+v broker %+v",
			path, cfg.HTTP.TLS, cfg.Broker.TLS)
	}
	dir := t.TempDir()
	if _, err := pki.Init(dir, ""); err != nil {
		t.Fatal(err)
	}
	if _, err := pki.Issue(dir, pki.Request{Name: "collector", Hosts: []string{"127.0.0.1"}}); err != nil {
		t.Fatal(err)
	}
	for _, f := range []*string{&cfg.HTTP.TLS.CertFile, &cfg.HTTP.TLS.KeyFile, &cfg.Broker.TLS.CertFile,
		&cfg.Broker.TLS.KeyFile, &cfg.Broker.TLS.ClientCAFile} {
		if !strings.HasPrefix(*f, "/etc/kakou/tls/") {
			t.Fatalf("%s names %s, want a file under /etc/kakou/tls/", path, *f)
		}
		*f = filepath.Join(dir, filepath.Base(*f))
	}
	for _, f := range []*string{&cfg.Privacy.TracingKeyFile, &cfg.Privacy.SealKeyFile} {
		*f = filepath.Join(dir, filepath.Base(*f))
		if err := os.WriteFile(*f, bytes.Repeat([]byte{7}, 32), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	// The signing key signs guard rosters even without a policies folder.
	cfg.Policy.SigningKeyFile = filepath.Join(dir, "policy-signing.pem")
	seed := base64.StdEncoding.EncodeToString(bytes.Repeat([]byte{9}, 32))
	if err := os.WriteFile(cfg.Policy.SigningKeyFile, []byte(seed+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	cfg.DataDir, cfg.PoliciesDir = t.TempDir(), ""
	cfg.HTTP.Listen, cfg.Broker.Listen = "127.0.0.1:0", "127.0.0.1:0"
	c := start(t, cfg)
	if !strings.HasPrefix(c.HTTPURL(), "https://") || !strings.HasPrefix(c.BrokerURL(), "ssl://") {
		t.Fatalf("HTTPURL %q, BrokerURL %q: want https:// and ssl://", c.HTTPURL(), c.BrokerURL())
	}
}
