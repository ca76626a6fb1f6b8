package gateway

import (
	"bytes"
	"context"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/kakou/kakou/gateway/config"
)

func TestGatewaySetupScriptedWritesACommaSeparatedBrokerAsTheCloudClustersNodes(t *testing.T) {
	url, ca := setupCollector(t)
	dir := t.TempDir()
	o := SetupOptions{Config: filepath.Join(dir, "gateway.toml"), Yes: true, Site: "s1", Policy: setupPolicy,
		DataDir: filepath.Join(dir, "state"), EnrollURL: url, CAFile: ca, Token: "good",
		Broker: "ssl://n1.city:8883,ssl://n2.city:8883, ssl://n3.city:8883"}
	var out bytes.Buffer
	if err := Setup(context.Background(), o, strings.NewReader(""), &out); err != nil {
		t.Fatalf("%v\n%s", err, out.String())
	}
	cfg, err := config.LoadConfig(o.Config)
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"ssl://n1.city:8883", "ssl://n2.city:8883", "ssl://n3.city:8883"}
	if !slices.Equal(cfg.Cloud.Brokers, want) || cfg.Cloud.Broker != "" || cfg.Cloud.CAFile != ca {
		t.Fatalf("[cloud] = broker %q, brokers %v, ca_file %q; want brokers %v and the CA", cfg.Cloud.Broker, cfg.Cloud.Brokers, cfg.Cloud.CAFile, want)
	}
}

func TestGatewaySetupRefusesACloudBrokerListMixingTLSAndPlain(t *testing.T) {
	if err := cloudBrokerURL("ssl://n1:8883,tcp://n2:1883"); err == nil || !strings.Contains(err.Error(), "mix TLS and plain") {
		t.Fatalf("cloudBrokerURL = %v, want the mixed list explained", err)
	}
	if err := cloudBrokerURL("ssl://n1:8883,n2:8883"); err == nil || !strings.Contains(err.Error(), `"n2:8883"`) {
		t.Fatalf("cloudBrokerURL = %v, want the bad node named", err)
	}
}
