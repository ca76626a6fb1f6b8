package collector

import "strings"

// TrustConfig is the [trust] table: what the centre's trust list holds on
// a fleet's first start (cloud/trust Seed). Once the list has been changed
// it lives in the store and changes through the API (/api/v1/trust); the
// files are not read again, so an issuer removed at the centre does not
// come back with a restart.
type TrustConfig struct {
	// Issuers and HealthIssuers are TOML files of
	// `id = "kakou-ed25519-pub:…"` lines: the pass issuers and the health
	// authority every unit of the fleet trusts, besides each unit's own.
	Issuers       string `toml:"issuers"`
	HealthIssuers string `toml:"health_issuers"`
	// DCCTrustList is a JSON list of EU DCC signer certificates (base64
	// DER or PEM), as POST /api/v1/trust/dcc takes.
	DCCTrustList string `toml:"dcc_trust_list"`
}

// validateTrust checks the file names only: reading them is I/O, done at
// start (a file that does not parse stops the collector with its key).
func (c Config) validateTrust(bad func(key, format string, args ...any)) {
	for key, v := range map[string]struct{ path, ext string }{
		"trust.issuers": {c.Trust.Issuers, ".toml"}, "trust.health_issuers": {c.Trust.HealthIssuers, ".toml"},
		"trust.dcc_trust_list": {c.Trust.DCCTrustList, ".json"},
	} {
		if v.path != "" && !strings.HasSuffix(v.path, v.ext) {
			bad(key, "%q: want a %s file", v.path, v.ext)
		}
	}
}
