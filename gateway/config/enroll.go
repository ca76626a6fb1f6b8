package config

import (
	"net/url"
	"path/filepath"
)

// Enroll is the [enroll] table (cloud/README.md "Device identity"): on its first
// start the gateway trades a one-time token (kakou-cloud enroll-token
// -role gateway) for its own credential on the cloud broker, kept in
// data_dir and used as cloud.username and cloud.password from then on.
type Enroll struct {
	URL    string `toml:"url"`     // the collector's HTTP(S) address
	Token  string `toml:"token"`   // useless once spent
	CAFile string `toml:"ca_file"` // verifies an https:// collector; "" = the system's roots
}

func (e Enroll) validate(bad func(string, string, ...any)) {
	u, err := url.Parse(e.URL)
	switch {
	case e.URL == "":
		if e.Token != "" || e.CAFile != "" {
			bad("enroll.url", "is required with enroll.token, e.g. https://cloud.example:8443")
		}
	case err != nil || u.Host == "" || u.Scheme != "http" && u.Scheme != "https":
		bad("enroll.url", "%q is not an http:// or https:// address", e.URL)
	case e.CAFile != "" && u.Scheme != "https":
		bad("enroll.ca_file", "only for an https:// enroll.url")
	}
}

// CredentialFile is where the enrolled credential is kept.
func (c Config) CredentialFile() string { return filepath.Join(c.DataDir, "credential.json") }
