package kakou

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/nats-io/nats-server/v2/server"

	"github.com/kakou/kakou/internal/testenv"
)

// The nodes of a city's NATS cluster (configs/nats) are loaded as the
// server loads them, with the passwords they read from the environment.
func init() {
	loaders["nats"] = func(p string) error {
		for k, v := range testenv.NATSPasswords {
			if os.Getenv(k) == "" {
				os.Setenv(k, v)
			}
		}
		_, err := server.ProcessConfigFile(p)
		return err
	}
}

var natsNodes = []string{"configs/nats/node-1.conf", "configs/nats/node-2.conf", "configs/nats/node-3.conf"}

func TestNATSNodeConfigsPassTheRealServersCheck(t *testing.T) {
	bin := testenv.NATSServer(t)
	for _, f := range natsNodes {
		cmd := exec.Command(bin, "-t", "-c", f)
		for k, v := range testenv.NATSPasswords {
			cmd.Env = append(cmd.Env, k+"="+v)
		}
		out, err := cmd.CombinedOutput()
		if err != nil || !strings.Contains(string(out), "is valid") {
			t.Errorf("nats-server -t -c %s: %v\n%s", f, err, out)
		}
		if strings.Contains(strings.ToLower(string(out)), "warning") || strings.Contains(string(out), "ignored") {
			t.Errorf("nats-server -t -c %s warns; a key it ignores misleads whoever reads the file:\n%s", f, out)
		}
	}
}

func TestNATSNodeConfigsFormAClusterOfThreeFromTheirOwnFiles(t *testing.T) {
	var confs []string
	for _, f := range natsNodes {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		confs = append(confs, string(b))
	}
	c := testenv.StartNATSCluster(t, confs)
	names := map[string]bool{}
	for i, n := range c.Nodes {
		names[n.Name] = true
		var v struct {
			Cluster struct {
				Name string `json:"name"`
			} `json:"cluster"`
			MQTT struct {
				Port int `json:"port"`
			} `json:"mqtt"`
			JetStream struct {
				Config struct {
					StoreDir string `json:"store_dir"`
				} `json:"config"`
			} `json:"jetstream"`
		}
		if err := c.Monitor(i, "/varz", &v); err != nil {
			t.Fatal(err)
		}
		if v.Cluster.Name != "kakou-city" || v.MQTT.Port != n.MQTT || !strings.HasPrefix(v.JetStream.Config.StoreDir, filepath.Dir(n.Conf)) {
			t.Errorf("%s: cluster %q, MQTT port %d, store %q; want kakou-city, %d, under %s",
				n.Name, v.Cluster.Name, v.MQTT.Port, v.JetStream.Config.StoreDir, n.MQTT, filepath.Dir(n.Conf))
		}
	}
	if len(names) != 3 || !names["kakou-nats-1"] || !names["kakou-nats-3"] {
		t.Fatalf("server names %v, want kakou-nats-1 to 3", names)
	}
}
