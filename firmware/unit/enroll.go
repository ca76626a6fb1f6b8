package unit

import (
	"bytes"
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"time"
)

// EnrollConfig is the [enroll] table (issue 8 "Device identity"): on its
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

// savedCredential is what enrollment gave the unit.
type savedCredential struct {
	Site     string `json:"site"`
	Unit     string `json:"unit"`
	Username string `json:"username"`
	Password string `json:"password"`
}

// useCredential puts the unit's enrolled credential into cfg.MQTT,
// enrolling first when [enroll] is set and none is saved. Without
// [enroll] the config's own mqtt.username and password stand (the demo).
func useCredential(ctx context.Context, cfg *Config, log *slog.Logger) error {
	path := filepath.Join(cfg.DataDir, credentialFile)
	cred, err := loadCredential(path, cfg.Site, cfg.Unit)
	if errors.Is(err, os.ErrNotExist) && cfg.Enroll.URL != "" {
		if cred, err = enroll(ctx, cfg); err == nil {
			err = saveCredential(path, cred)
			log.Info("enrolled: MQTT credential saved", "file", path, "username", cred.Username)
		}
	}
	switch {
	case errors.Is(err, os.ErrNotExist):
		return nil
	case err != nil:
		return err
	}
	cfg.MQTT.Username, cfg.MQTT.Password = cred.Username, cred.Password
	return nil
}

func loadCredential(path, site, unit string) (savedCredential, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return savedCredential{}, err
	}
	var c savedCredential
	if err := json.Unmarshal(b, &c); err != nil || c.Username == "" {
		return savedCredential{}, fmt.Errorf("%s is damaged: delete it and enroll again with a new token", path)
	}
	if c.Site != site || c.Unit != unit {
		return savedCredential{}, fmt.Errorf("%s is for %s/%s, but this unit is %s/%s: delete it and enroll again with a token for this unit",
			path, c.Site, c.Unit, site, unit)
	}
	return c, nil
}

// saveCredential writes 0600 through a temporary file and a rename, so a
// power cut leaves the old file or the new one, never half of one.
func saveCredential(path string, c savedCredential) error {
	b, _ := json.Marshal(c)
	tmp := path + ".tmp"
	if err := os.WriteFile(tmp, b, 0o600); err != nil {
		return fmt.Errorf("save credential: %w", err)
	}
	if err := os.Rename(tmp, path); err != nil {
		return fmt.Errorf("save credential: %w", err)
	}
	return nil
}

// enrollTimeout bounds the one request; commissioning waits for it.
const enrollTimeout = 30 * time.Second

func enroll(ctx context.Context, cfg *Config) (savedCredential, error) {
	client, err := enrollClient(cfg.Enroll.CAFile)
	if err != nil {
		return savedCredential{}, err
	}
	body, _ := json.Marshal(map[string]string{"site": cfg.Site, "unit": cfg.Unit, "token": cfg.Enroll.Token})
	ctx, cancel := context.WithTimeout(ctx, enrollTimeout)
	defer cancel()
	endpoint := strings.TrimSuffix(cfg.Enroll.URL, "/") + "/api/v1/enroll"
	req, _ := http.NewRequestWithContext(ctx, http.MethodPost, endpoint, bytes.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	resp, err := client.Do(req)
	if err != nil {
		return savedCredential{}, fmt.Errorf("enroll at %s: %w (check enroll.url and the network; the unit starts once it has enrolled)", endpoint, err)
	}
	defer resp.Body.Close()
	var out struct {
		savedCredential
		Error string `json:"error"`
	}
	json.NewDecoder(io.LimitReader(resp.Body, 64<<10)).Decode(&out)
	if resp.StatusCode != http.StatusOK || out.Username == "" || out.Password == "" {
		return savedCredential{}, refused(resp.StatusCode, out.Error, cfg)
	}
	return out.savedCredential, nil
}

// refused says what went wrong and what the installer does about it.
func refused(code int, msg string, cfg *Config) error {
	fix := fmt.Sprintf("ask the centre for a new token (kakou-cloud enroll-token -site %s -unit %s) and put it in [enroll] token",
		cfg.Site, cfg.Unit)
	switch code {
	case http.StatusConflict:
		return fmt.Errorf("enrollment refused: the token was already used: %s", fix)
	case http.StatusUnauthorized:
		return fmt.Errorf("enrollment refused (%s): check site and unit, or %s", msg, fix)
	}
	return fmt.Errorf("enrollment failed: HTTP %d %s (is enroll.url the collector's address?)", code, msg)
}

func enrollClient(caFile string) (*http.Client, error) {
	if caFile == "" {
		return &http.Client{}, nil
	}
	pem, err := os.ReadFile(caFile)
	if err != nil {
		return nil, fmt.Errorf("enroll.ca_file: %w", err)
	}
	pool := x509.NewCertPool()
	if !pool.AppendCertsFromPEM(pem) {
		return nil, fmt.Errorf("enroll.ca_file %s: no PEM certificate in it", caFile)
	}
	tr := http.DefaultTransport.(*http.Transport).Clone()
	tr.TLSClientConfig = &tls.Config{RootCAs: pool, MinVersion: tls.VersionTLS12}
	return &http.Client{Transport: tr}, nil
}
