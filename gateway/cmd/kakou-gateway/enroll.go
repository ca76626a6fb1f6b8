package main

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
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/kakou/kakou/gateway/config"
)

// credential is what enrollment gave the gateway: its user name and
// password on the cloud broker. The gateway may import only the wire
// contract, so this mirrors the unit's client (firmware/unit/enroll.go)
// rather than sharing it.
type credential struct {
	Site     string `json:"site"`
	Unit     string `json:"unit"`
	Username string `json:"username"`
	Password string `json:"password"`
}

// useCredential sets cfg.Cloud.Username and Password from the saved
// credential, enrolling first when [enroll] is set and none is saved.
func useCredential(ctx context.Context, cfg *config.Config, log *slog.Logger) error {
	path := cfg.CredentialFile()
	cred, err := loadCredential(path, cfg.Site, cfg.Gateway)
	if errors.Is(err, os.ErrNotExist) && cfg.Enroll.URL != "" {
		if cred, err = enroll(ctx, *cfg); err == nil {
			err = saveCredential(path, cred)
			log.Info("enrolled: cloud credential saved", "file", path, "username", cred.Username)
		}
	}
	switch {
	case errors.Is(err, os.ErrNotExist):
		return nil
	case err != nil:
		return err
	}
	cfg.Cloud.Username, cfg.Cloud.Password = cred.Username, cred.Password
	return nil
}

func loadCredential(path, site, gateway string) (credential, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return credential{}, err
	}
	var c credential
	if err := json.Unmarshal(b, &c); err != nil || c.Username == "" {
		return credential{}, fmt.Errorf("%s is damaged: delete it and enroll again with a new token", path)
	}
	if c.Site != site || c.Unit != gateway {
		return credential{}, fmt.Errorf("%s is for %s/%s, not this gateway %s/%s: delete it and enroll again", path, c.Site, c.Unit, site, gateway)
	}
	return c, nil
}

// saveCredential writes 0600 through a rename: never half a file.
func saveCredential(path string, c credential) error {
	if err := os.MkdirAll(filepath.Dir(path), 0o750); err != nil {
		return fmt.Errorf("save credential: %w", err)
	}
	b, _ := json.Marshal(c)
	if err := os.WriteFile(path+".tmp", b, 0o600); err != nil {
		return fmt.Errorf("save credential: %w", err)
	}
	if err := os.Rename(path+".tmp", path); err != nil {
		return fmt.Errorf("save credential: %w", err)
	}
	return nil
}

func enroll(ctx context.Context, cfg config.Config) (credential, error) {
	client, err := enrollClient(cfg.Enroll.CAFile)
	if err != nil {
		return credential{}, err
	}
	body, _ := json.Marshal(map[string]string{"site": cfg.Site, "unit": cfg.Gateway, "token": cfg.Enroll.Token})
	ctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	endpoint := strings.TrimSuffix(cfg.Enroll.URL, "/") + "/api/v1/enroll"
	req, _ := http.NewRequestWithContext(ctx, http.MethodPost, endpoint, bytes.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	resp, err := client.Do(req)
	if err != nil {
		return credential{}, fmt.Errorf("enroll at %s: %w (check enroll.url and the network)", endpoint, err)
	}
	defer resp.Body.Close()
	var out struct {
		credential
		Error string `json:"error"`
	}
	json.NewDecoder(io.LimitReader(resp.Body, 64<<10)).Decode(&out)
	if resp.StatusCode == http.StatusOK && out.Username != "" && out.Password != "" {
		return out.credential, nil
	}
	fix := fmt.Sprintf("ask the centre for a new token (kakou-cloud enroll-token -role gateway -site %s -unit %s) and put it in [enroll] token",
		cfg.Site, cfg.Gateway)
	switch resp.StatusCode {
	case http.StatusConflict:
		return credential{}, fmt.Errorf("enrollment refused: the token was already used: %s", fix)
	case http.StatusUnauthorized:
		return credential{}, fmt.Errorf("enrollment refused (%s): check site and gateway, or %s", out.Error, fix)
	}
	return credential{}, fmt.Errorf("enrollment failed: HTTP %d %s (is enroll.url the collector's address?)", resp.StatusCode, out.Error)
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
