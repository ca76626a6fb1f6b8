package gateway

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/json"
	"encoding/pem"
	"fmt"
	"math/big"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	paho "github.com/eclipse/paho.mqtt.golang"

	"github.com/kakou/kakou/firmware/wire"
	"github.com/kakou/kakou/internal/testenv"
)

// testCA signs certificates as `kakou-cloud pki` would (the gateway may
// not import cloud/pki): ECDSA P-256, PKCS#8 keys, PEM files in dir.
type testCA struct {
	dir  string
	cert *x509.Certificate
	key  *ecdsa.PrivateKey
	file string // ca.pem
}

func newTestCA(t *testing.T) *testCA {
	t.Helper()
	key, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "test site CA"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour),
		IsCA: true, BasicConstraintsValid: true, KeyUsage: x509.KeyUsageCertSign}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, key.Public(), key)
	if err != nil {
		t.Fatal(err)
	}
	ca := &testCA{dir: t.TempDir(), key: key}
	ca.cert, _ = x509.ParseCertificate(der)
	ca.file = filepath.Join(ca.dir, "ca.pem")
	writePEM(t, ca.file, "CERTIFICATE", der)
	return ca
}

// keyPair names a certificate's two PEM files.
type keyPair struct{ cert, key string }

// issue writes name.pem and name-key.pem; ip makes it a server
// certificate for that address, nil a client one.
func (ca *testCA) issue(t *testing.T, name string, ip net.IP) keyPair {
	t.Helper()
	key, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(time.Now().UnixNano()), Subject: pkix.Name{CommonName: name},
		NotBefore: ca.cert.NotBefore, NotAfter: ca.cert.NotAfter, KeyUsage: x509.KeyUsageDigitalSignature,
		ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageClientAuth}}
	if ip != nil {
		tmpl.IPAddresses = []net.IP{ip}
		tmpl.ExtKeyUsage = append(tmpl.ExtKeyUsage, x509.ExtKeyUsageServerAuth)
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, ca.cert, key.Public(), ca.key)
	if err != nil {
		t.Fatal(err)
	}
	keyDER, _ := x509.MarshalPKCS8PrivateKey(key)
	p := keyPair{filepath.Join(ca.dir, name+".pem"), filepath.Join(ca.dir, name+"-key.pem")}
	writePEM(t, p.cert, "CERTIFICATE", der)
	writePEM(t, p.key, "PRIVATE KEY", keyDER)
	return p
}

func writePEM(t *testing.T, path, kind string, der []byte) {
	t.Helper()
	if err := os.WriteFile(path, pem.EncodeToMemory(&pem.Block{Type: kind, Bytes: der}), 0o600); err != nil {
		t.Fatal(err)
	}
}

// startTLSGateway runs a gateway whose LAN broker requires certificates
// from ca and whose web API is HTTPS, as configs/production/gateway.toml.
func startTLSGateway(t *testing.T, ca *testCA) *Gateway {
	t.Helper()
	cloudURL, _, _ := cloudBroker(t)
	cfg := testConfig(t, cloudURL)
	p := ca.issue(t, "gateway-1", net.IPv4(127, 0, 0, 1))
	cfg.LAN.CertFile, cfg.LAN.KeyFile, cfg.LAN.ClientCAFile = p.cert, p.key, ca.file
	cfg.Web.CertFile, cfg.Web.KeyFile = p.cert, p.key
	if err := cfg.Validate(); err != nil {
		t.Fatal(err)
	}
	return startGateway(t, cfg)
}

// unitTLS trusts ca and presents p, if it names files.
func unitTLS(t *testing.T, ca *testCA, p keyPair) *tls.Config {
	t.Helper()
	pool := x509.NewCertPool()
	pool.AddCert(ca.cert)
	c := &tls.Config{MinVersion: tls.VersionTLS12, RootCAs: pool}
	if p.cert != "" {
		cert, err := tls.LoadX509KeyPair(p.cert, p.key)
		if err != nil {
			t.Fatal(err)
		}
		c.Certificates = []tls.Certificate{cert}
	}
	return c
}

func TestGatewayLANOverMutualTLSCountsACertifiedUnitAndRefusesOthers(t *testing.T) {
	ca, stranger := newTestCA(t), newTestCA(t)
	g := startTLSGateway(t, ca)
	if !strings.HasPrefix(g.LANURL(), "ssl://127.0.0.1:") {
		t.Fatalf("LAN URL %q, want ssl://", g.LANURL())
	}
	opts := func(id string, tc *tls.Config) *paho.ClientOptions {
		return paho.NewClientOptions().AddBroker(g.LANURL()).SetClientID(id).SetTLSConfig(tc).
			SetAutoReconnect(false).SetConnectTimeout(10 * time.Second)
	}
	refused := map[string]*tls.Config{
		"certificate from another CA": unitTLS(t, ca, stranger.issue(t, "entrance-1", nil)),
		"no client certificate":       unitTLS(t, ca, keyPair{}),
	}
	for name, tc := range refused {
		c := paho.NewClient(opts("intruder", tc))
		if tok := c.Connect(); !tok.WaitTimeout(10*time.Second) || tok.Error() == nil {
			c.Disconnect(0)
			t.Errorf("%s: connected to the LAN broker, want refused", name)
		}
	}

	unit := paho.NewClient(opts("entrance-1", unitTLS(t, ca, ca.issue(t, "entrance-1", nil))))
	waitTok(t, unit.Connect())
	defer unit.Disconnect(0)
	e := wire.Entry{Schema: 1, ID: "tls-1", Site: "riverside-market", Unit: "entrance-1", Seq: 1, Lane: wire.LaneIn,
		Credential: wire.Credential{Kind: wire.CredentialNone}, Decision: wire.Allow, Time: time.Now().UTC()}
	body, _ := json.Marshal(e)
	waitTok(t, unit.Publish(wire.EntryTopic(e.Site, e.Unit), 1, false, body))
	testenv.Await(t, "the entry counted", 10*time.Second, func() bool { return g.lan.Occupancy().Occupancy == 1 })
}

func TestGatewayWebServesHTTPSAndRefusesPlainHTTP(t *testing.T) {
	ca := newTestCA(t)
	g := startTLSGateway(t, ca)
	if !strings.HasPrefix(g.WebURL(), "https://") {
		t.Fatalf("web URL %q, want https://", g.WebURL())
	}
	path := "/api/v1/occupancy"
	if resp, err := http.Get("http://" + g.WebAddr() + path); err == nil {
		resp.Body.Close()
		if resp.StatusCode == http.StatusOK {
			t.Fatalf("plain HTTP to the TLS API got %s", resp.Status)
		}
	}
	if _, err := http.Get(g.WebURL() + path); err == nil {
		t.Fatal("HTTPS without the site CA succeeded: the certificate was not checked")
	}
	client := &http.Client{Timeout: 10 * time.Second,
		Transport: &http.Transport{TLSClientConfig: unitTLS(t, ca, keyPair{})}}
	resp, err := client.Get(g.WebURL() + path)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("HTTPS with the site CA: %s", resp.Status)
	}
}

// TestGatewayLANLetsACertifiedUnitUseOnlyItsOwnTopics: with mutual TLS the
// name on a unit's certificate is its identity on the LAN broker. A unit
// certified as entrance-2 cannot log entries for entrance-1, publish a
// flow or a policy, read entrance-1's acks, or leave a will on its status.
func TestGatewayLANLetsACertifiedUnitUseOnlyItsOwnTopics(t *testing.T) {
	ca := newTestCA(t)
	g := startTLSGateway(t, ca)
	const site = "riverside-market"
	tc := unitTLS(t, ca, ca.issue(t, "entrance-2", nil))
	opts := paho.NewClientOptions().AddBroker(g.LANURL()).SetClientID("entrance-2").SetTLSConfig(tc).
		SetAutoReconnect(false).SetConnectTimeout(10 * time.Second)

	withWill := *opts
	withWill.SetWill(wire.StatusTopic(site, "entrance-1"), `{"state":"offline"}`, 1, true)
	if c := paho.NewClient(&withWill); c.Connect().WaitTimeout(10*time.Second) && c.IsConnected() {
		c.Disconnect(0)
		t.Fatal("a will on entrance-1's status was accepted from entrance-2")
	}

	c := paho.NewClient(opts)
	waitTok(t, c.Connect())
	defer c.Disconnect(0)
	sub := c.Subscribe(wire.AckTopic(site, "entrance-1"), 1, nil)
	waitTok(t, sub)
	if r := sub.(*paho.SubscribeToken).Result()[wire.AckTopic(site, "entrance-1")]; r != 0x80 {
		t.Fatalf("subscription to entrance-1's acks: result %#x, want 0x80 (refused)", r)
	}
	entry := func(unit string, seq uint64) []byte {
		b, _ := json.Marshal(wire.Entry{Schema: 1, ID: fmt.Sprintf("acl-%s-%d", unit, seq), Site: site, Unit: unit,
			Seq: seq, Lane: wire.LaneIn, Credential: wire.Credential{Kind: wire.CredentialNone},
			Decision: wire.Allow, Time: time.Now().UTC()})
		return b
	}
	c.Publish(wire.EntryTopic(site, "entrance-1"), 1, false, entry("entrance-1", 1)).WaitTimeout(2 * time.Second)
	c.Publish(wire.FlowTopic(site, "entrance-1"), 1, true, `{"schema":1}`).WaitTimeout(2 * time.Second)

	// Its own entry still counts, and is the only one that did.
	own := paho.NewClient(opts)
	waitTok(t, own.Connect())
	defer own.Disconnect(0)
	waitTok(t, own.Publish(wire.EntryTopic(site, "entrance-2"), 1, false, entry("entrance-2", 1)))
	testenv.Await(t, "entrance-2's own entry counted", 10*time.Second, func() bool { return g.lan.Occupancy().Occupancy >= 1 })
	time.Sleep(200 * time.Millisecond) // anything forged would have been counted by now
	if n := g.lan.Occupancy().Occupancy; n != 1 {
		t.Fatalf("occupancy %d, want 1: an entry published for entrance-1 by entrance-2 was counted", n)
	}
}
