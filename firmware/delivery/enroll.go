package delivery

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
)

// Enrollment is a device's first start ("Device identity"): it trades a
// one-time token from the centre for its own MQTT credential, keeps it in
// File and uses it from then on. The unit and the site gateway enroll the
// same way, each from its [enroll] table.
type Enrollment struct {
	URL    string // the collector's HTTP(S) address, e.g. https://cloud.example:8443
	Token  string // from kakou-cloud enroll-token; useless once spent
	CAFile string // verifies an https:// collector; "" = the system's roots
	// Site and Unit are the device as the centre knows it; a gateway's id
	// goes in Unit, as in its token.
	Site, Unit string
	Role       string // "unit" or "gateway", as the token was issued
	File       string // where the credential is kept, 0600
}

// Credential is what enrollment gave the device. Username is whatever the
// centre chose ("site/unit"): the device stores and uses it as given.
type Credential struct {
	Site     string `json:"site"`
	Unit     string `json:"unit"`
	Username string `json:"username"`
	Password string `json:"password"`
	// Role is what the centre's token made the device ("unit" or
	// "gateway"); first-boot setup checks it against what is installed.
	Role string `json:"role,omitempty"`
}

// enrollTimeout bounds the one request; commissioning waits for it.
const enrollTimeout = 30 * time.Second

// Credential returns the saved credential, enrolling first when URL is set
// and none is saved. ok is false when there is none and no enrollment is
// configured: the device's configured user name and password stand (the
// demo).
func (e Enrollment) Credential(ctx context.Context, log *slog.Logger) (c Credential, ok bool, err error) {
	c, err = e.load()
	if errors.Is(err, os.ErrNotExist) && e.URL != "" {
		if c, err = e.enroll(ctx); err == nil {
			err = e.save(c)
			log.Info("enrolled: credential saved", "file", e.File, "username", c.Username)
		}
	}
	switch {
	case errors.Is(err, os.ErrNotExist):
		return Credential{}, false, nil
	case err != nil:
		return Credential{}, false, err
	}
	return c, true, nil
}

func (e Enrollment) load() (Credential, error) {
	b, err := os.ReadFile(e.File)
	if err != nil {
		return Credential{}, err
	}
	var c Credential
	if err := json.Unmarshal(b, &c); err != nil || c.Username == "" {
		return Credential{}, fmt.Errorf("%s is damaged: delete it and enroll again with a new token", e.File)
	}
	if c.Site != e.Site || c.Unit != e.Unit {
		return Credential{}, fmt.Errorf("%s is for %s/%s, but this %s is %s/%s: delete it and enroll again with a token for this %[3]s",
			e.File, c.Site, c.Unit, e.Role, e.Site, e.Unit)
	}
	return c, nil
}

// save writes 0600 through a temporary file and a rename, so a power cut
// leaves the old file or the new one, never half of one.
func (e Enrollment) save(c Credential) error {
	if err := os.MkdirAll(filepath.Dir(e.File), 0o750); err != nil {
		return fmt.Errorf("save credential: %w", err)
	}
	b, _ := json.Marshal(c)
	tmp := e.File + ".tmp"
	if err := os.WriteFile(tmp, b, 0o600); err != nil {
		return fmt.Errorf("save credential: %w", err)
	}
	if err := os.Rename(tmp, e.File); err != nil {
		return fmt.Errorf("save credential: %w", err)
	}
	return nil
}

func (e Enrollment) enroll(ctx context.Context) (Credential, error) {
	client, err := CollectorClient(e.CAFile)
	if err != nil {
		return Credential{}, err
	}
	body, _ := json.Marshal(map[string]string{"site": e.Site, "unit": e.Unit, "token": e.Token, "role": e.Role})
	ctx, cancel := context.WithTimeout(ctx, enrollTimeout)
	defer cancel()
	endpoint := strings.TrimSuffix(e.URL, "/") + "/api/v1/enroll"
	req, _ := http.NewRequestWithContext(ctx, http.MethodPost, endpoint, bytes.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	resp, err := client.Do(req)
	if err != nil {
		return Credential{}, fmt.Errorf("enroll at %s: %w (check enroll.url and the network; the %s starts once it has enrolled)",
			endpoint, err, e.Role)
	}
	defer resp.Body.Close()
	var out struct {
		Credential
		Error string `json:"error"`
	}
	json.NewDecoder(io.LimitReader(resp.Body, 64<<10)).Decode(&out)
	if resp.StatusCode != http.StatusOK || out.Username == "" || out.Password == "" {
		return Credential{}, e.refused(resp.StatusCode, out.Error)
	}
	return out.Credential, nil
}

// refused says what went wrong and what the installer does about it.
func (e Enrollment) refused(code int, msg string) error {
	role := ""
	if e.Role != "unit" {
		role = "-role " + e.Role + " "
	}
	fix := fmt.Sprintf("ask the centre for a new token (kakou-cloud enroll-token %s-site %s -unit %s) and put it in [enroll] token",
		role, e.Site, e.Unit)
	switch code {
	case http.StatusConflict:
		return fmt.Errorf("enrollment refused: the token was already used: %s", fix)
	case http.StatusUnauthorized:
		return fmt.Errorf("enrollment refused (%s): check site and %s, or %s", msg, e.Role, fix)
	}
	return fmt.Errorf("enrollment failed: HTTP %d %s (is enroll.url the collector's address?)", code, msg)
}

// CollectorClient is an HTTPS client for the collector's API that trusts
// the authority in caFile (enroll.ca_file) instead of the system's; ""
// trusts the system's.
func CollectorClient(caFile string) (*http.Client, error) {
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
