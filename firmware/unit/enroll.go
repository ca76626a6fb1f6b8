package unit

import (
	"context"
	"fmt"
	"log/slog"
	"net/url"
	"path/filepath"

	"github.com/kakou/kakou/firmware/delivery"
)

// EnrollConfig is the [enroll] table ("Device identity"): on its
// first start a unit trades a one-time token from the centre for its own
// MQTT credential, which it keeps in data_dir and uses from then on.
type EnrollConfig struct {
	URL    string `toml:"url"`     // the collector's HTTP(S) address, e.g. https://cloud.example:8443
	Token  string `toml:"token"`   // from kakou-cloud enroll-token; useless once spent
	CAFile string `toml:"ca_file"` // verifies an https:// collector; "" = the system's roots
}

func (e *EnrollConfig) problems() []string {
	var p []string
	u, err := url.Parse(e.URL)
	switch {
	case e.URL == "":
		if e.Token != "" || e.CAFile != "" {
			p = append(p, "enroll.url: required with enroll.token, e.g. https://cloud.example:8443")
		}
	case err != nil || u.Host == "" || u.Scheme != "http" && u.Scheme != "https":
		p = append(p, fmt.Sprintf("enroll.url: %q is not an http:// or https:// address", e.URL))
	case e.CAFile != "" && u.Scheme != "https":
		p = append(p, "enroll.ca_file: only for an https:// enroll.url")
	}
	return p
}

// credentialFile holds the unit's MQTT credential, inside data_dir.
const credentialFile = "credential.json"

// useCredential puts the unit's enrolled credential into cfg.MQTT,
// enrolling first when [enroll] is set and none is saved
// (delivery.Enrollment). Without [enroll] the config's own mqtt.username
// and password stand (the demo).
func useCredential(ctx context.Context, cfg *Config, log *slog.Logger) error {
	e := delivery.Enrollment{
		URL: cfg.Enroll.URL, Token: cfg.Enroll.Token, CAFile: cfg.Enroll.CAFile,
		Site: cfg.Site, Unit: cfg.Unit, Role: "unit",
		File: filepath.Join(cfg.DataDir, credentialFile),
	}
	cred, ok, err := e.Credential(ctx, log)
	if err != nil || !ok {
		return err
	}
	cfg.MQTT.Username, cfg.MQTT.Password = cred.Username, cred.Password
	return nil
}
