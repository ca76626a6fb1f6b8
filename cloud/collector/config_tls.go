package collector

import (
	"net/url"
	"slices"
)

// TLSConfig is the [http.tls] or [broker.tls] table: PEM files, read when
// the collector starts (cloud/pki makes them). Production configs set it
// on every listener (configs/production/cloud.toml); the demo runs plain
// on loopback.
type TLSConfig struct {
	// CertFile and KeyFile are the listener's own certificate and key. On
	// an external broker they are the collector's client certificate.
	CertFile string `toml:"cert_file"`
	KeyFile  string `toml:"key_file"`
	// ClientCAFile, embedded broker only, turns on mutual TLS: every
	// client must present a certificate from this CA.
	ClientCAFile string `toml:"client_ca_file"`
	// CAFile, external broker only, verifies the broker; "" = the
	// system's roots.
	CAFile string `toml:"ca_file"`
}

// On says whether the listener serves TLS.
func (t TLSConfig) On() bool { return t.CertFile != "" }

// tlsURLSchemes are the broker URL schemes paho dials with TLS.
var tlsURLSchemes = []string{"ssl", "tls", "mqtts", "wss"}

// validateTLS checks both tls tables for keys that are missing their
// partner or do not apply where they are set.
func (c Config) validateTLS(bad func(key, format string, args ...any)) {
	pair(bad, "http.tls", c.HTTP.TLS)
	if c.HTTP.TLS.ClientCAFile != "" || c.HTTP.TLS.CAFile != "" {
		bad("http.tls", "takes only cert_file and key_file: people sign in with a password, "+
			"client certificates are for devices on the broker")
	}
	b := c.Broker.TLS
	pair(bad, "broker.tls", b)
	if c.Broker.Embedded {
		if b.CAFile != "" {
			bad("broker.tls.ca_file", "is for an external broker; the embedded broker uses "+
				"client_ca_file to check its clients")
		}
		if b.ClientCAFile != "" && !b.On() {
			bad("broker.tls.client_ca_file", "needs broker.tls.cert_file and key_file: "+
				"mutual TLS is TLS first")
		}
		return
	}
	if b.ClientCAFile != "" {
		bad("broker.tls.client_ca_file", "only the embedded broker checks clients; "+
			"configure the external broker's own (Mosquitto: require_certificate)")
	}
	u, err := url.Parse(c.Broker.URL)
	if (b.On() || b.CAFile != "") && (err != nil || !slices.Contains(tlsURLSchemes, u.Scheme)) {
		bad("broker.tls", "TLS files need a TLS broker URL (ssl://host:8883), not %q", c.Broker.URL)
	}
}

// pair insists on cert_file and key_file together.
func pair(bad func(key, format string, args ...any), table string, t TLSConfig) {
	if (t.CertFile == "") != (t.KeyFile == "") {
		bad(table+".cert_file", "cert_file and key_file go together: give both or neither")
	}
}
