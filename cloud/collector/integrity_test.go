package collector

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"path/filepath"
	"strings"
	"testing"

	paho "github.com/eclipse/paho.mqtt.golang"
	"github.com/kakou/kakou/cloud/fleet"
	"github.com/kakou/kakou/internal/testenv"
)

func TestLoadConfigReportsPolicyKeyProblems(t *testing.T) {
	path := writeConfig(t, `data_dir = "d"
[policy]
signing_key_file = "  "
`)
	_, err := LoadConfig(path)
	var cerr *ConfigError
	if !errors.As(err, &cerr) || !strings.Contains(err.Error(), path+": policy.signing_key_file: ") ||
		!strings.Contains(err.Error(), "policy-key") {
		t.Fatalf("err = %v, want the file, policy.signing_key_file and how to make a key", err)
	}
}

func TestCollectorRefusesToStartWithAnUnreadableSigningKey(t *testing.T) {
	cfg := testConfig(t)
	cfg.PoliciesDir = filepath.Join("..", "..", "configs", "policies")
	cfg.Policy.SigningKeyFile = filepath.Join(t.TempDir(), "missing.pem")
	c, err := New(cfg, nil)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), wait)
	defer cancel()
	if err := c.Start(ctx); err == nil || !strings.Contains(err.Error(), "policy.signing_key_file") {
		t.Fatalf("Start = %v, want a refusal naming policy.signing_key_file", err)
	}
}

func TestCollectorStartsWithASigningKey(t *testing.T) {
	signing, _, err := fleet.WriteKeyPair(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	cfg := testConfig(t)
	cfg.PoliciesDir = filepath.Join("..", "..", "configs", "policies")
	cfg.Policy.SigningKeyFile = signing
	c := start(t, cfg)
	if c.fleet == nil || len(c.fleet.Profiles()) == 0 {
		t.Fatal("the collector started without its fleet")
	}
	httpGet(t, c.HTTPURL()+"/healthz") // serving before the cleanup shuts it down
}

// A malformed message reaches the dead-letter table, the API and the
// metric, and the collector goes on.
func TestCollectorDeadLettersAMalformedMessage(t *testing.T) {
	c := start(t, testConfig(t))
	p := paho.NewClient(paho.NewClientOptions().AddBroker(c.brokerURL).SetClientID("prober"))
	if tok := p.Connect(); !tok.WaitTimeout(wait) || tok.Error() != nil {
		t.Fatalf("connect: %v", tok.Error())
	}
	defer p.Disconnect(0)
	if tok := p.Publish("kakou/v1/site-a/u1/entry", 1, false, []byte(`{"schema":1,"site":"<script>"}`)); !tok.WaitTimeout(wait) || tok.Error() != nil {
		t.Fatalf("publish: %v", tok.Error())
	}
	var got struct {
		DeadLetters []struct{ Topic, Error string } `json:"dead_letters"`
	}
	testenv.Await(t, "a dead letter listed", wait, func() bool {
		if err := json.Unmarshal([]byte(httpGet(t, c.HTTPURL()+"/api/v1/dead-letters")), &got); err != nil {
			t.Fatal(err)
		}
		return len(got.DeadLetters) > 0
	})
	if d := got.DeadLetters[0]; d.Topic != "kakou/v1/site-a/u1/entry" || d.Error == "" {
		t.Fatalf("dead letter %+v", d)
	}
	if m := httpGet(t, c.HTTPURL()+"/metrics"); !strings.Contains(m, "kakou_dead_letters_total 1") {
		t.Fatal("kakou_dead_letters_total is not 1")
	}
	publishEntry(t, c.brokerURL, 1) // and the collector goes on
}

func httpGet(t *testing.T, url string) string {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("GET %s: %s %s", url, resp.Status, b)
	}
	return string(b)
}

// configs/production/cloud.toml signs every policy push.
func TestProductionCollectorConfigSignsPolicyPushes(t *testing.T) {
	const path = "../../configs/production/cloud.toml"
	cfg, err := LoadConfig(path)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(cfg.Policy.SigningKeyFile, "/etc/kakou/") {
		t.Fatalf("%s: policy.signing_key_file = %q, want the centre's key under /etc/kakou/", path, cfg.Policy.SigningKeyFile)
	}
}
