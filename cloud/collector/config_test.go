package collector

import (
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

func writeConfig(t *testing.T, body string) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "cloud.toml")
	if err := os.WriteFile(path, []byte(body), 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

func TestLoadConfigAppliesDefaults(t *testing.T) {
	cfg, err := LoadConfig(writeConfig(t, `data_dir = "/var/lib/kakou"`))
	if err != nil {
		t.Fatal(err)
	}
	want := Default()
	want.DataDir = "/var/lib/kakou"
	if !reflect.DeepEqual(cfg, want) {
		t.Fatalf("got %+v\nwant %+v", cfg, want)
	}
	if cfg.DatabasePath() != "/var/lib/kakou/cloud.db" {
		t.Fatalf("database path %q", cfg.DatabasePath())
	}
}

func TestLoadConfigReadsExternalBroker(t *testing.T) {
	cfg, err := LoadConfig(writeConfig(t, `
data_dir = "d"
timezone = "Asia/Urumqi"
[http]
listen = "0.0.0.0:80"
[broker]
embedded = false
url = "tcp://10.0.0.5:1883"
username = "cloud"
password = "secret"
client_id = "cloud-1"`))
	if err != nil {
		t.Fatal(err)
	}
	want := Config{DataDir: "d", Timezone: "Asia/Urumqi", HTTP: HTTPConfig{Listen: "0.0.0.0:80"},
		Broker: BrokerConfig{Listen: Default().Broker.Listen, URL: "tcp://10.0.0.5:1883",
			Username: "cloud", Password: "secret", ClientID: "cloud-1", JetStream: defaultJetStream()},
		Store: Default().Store, Report: Default().Report, Auth: Default().Auth, Retention: Default().Retention,
		Alerts: Default().Alerts, Notify: Default().Notify}
	if !reflect.DeepEqual(cfg, want) {
		t.Fatalf("got %+v\nwant %+v", cfg, want)
	}
}

func TestLoadConfigReportsEveryProblemWithFileAndKey(t *testing.T) {
	tests := []struct {
		name, body string
		want       []string // each "key: reason" fragment expected in the error
	}{
		{"unknown key", "data_dir = \"d\"\n[http]\nlisten = \"127.0.0.1:1\"\nlisen = \"x\"",
			[]string{"http.lisen: unknown key"}},
		{"unknown table", "data_dir = \"d\"\n[mqtt]\nurl = \"x\"", []string{"mqtt: unknown key"}},
		{"missing data_dir", "", []string{"data_dir: is required"}},
		{"bad values together", `
timezone = "Mars/Olympus"
[http]
listen = "abc"
[broker]
listen = "127.0.0.1:99999"
url = "tcp://10.0.0.5:1883"
client_id = "has space"
password = "p"`, []string{
			"data_dir: is required",
			`timezone: "Mars/Olympus" is not a time zone`,
			`http.listen: "abc" is not host:port`,
			`broker.listen: "127.0.0.1:99999" is not host:port`,
			"broker.url: is for an external broker",
			`broker.client_id: "has space"`,
			"broker.password: is set without broker.username"}},
		{"external without url", "data_dir = \"d\"\n[broker]\nembedded = false",
			[]string{"broker.url: is required when broker.embedded = false"}},
		{"external with listen", "data_dir = \"d\"\n[broker]\nembedded = false\nlisten = \"127.0.0.1:1\"\nurl = \"tcp://h:1\"",
			[]string{"broker.listen: only the embedded broker listens"}},
		{"bad url", "data_dir = \"d\"\n[broker]\nembedded = false\nurl = \"http://h\"",
			[]string{`broker.url: "http://h" is not a broker URL`}},
		{"wrong type", "data_dir = 5", []string{"data_dir"}},
		{"not TOML", "data_dir = ", []string{"toml"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			path := writeConfig(t, tt.body)
			_, err := LoadConfig(path)
			var cerr *ConfigError
			if !errors.As(err, &cerr) {
				t.Fatalf("LoadConfig = %v, want a *ConfigError", err)
			}
			msg := err.Error()
			for _, want := range tt.want {
				if !strings.Contains(msg, path+": "+want) && !strings.Contains(msg, want) {
					t.Errorf("error lacks %q:\n%s", want, msg)
				}
			}
			for _, line := range strings.Split(msg, "\n") {
				if !strings.HasPrefix(line, path+": ") {
					t.Errorf("line %q does not start with the file name", line)
				}
			}
			if len(cerr.Problems) < len(tt.want) {
				t.Errorf("%d problems reported, want at least %d:\n%s", len(cerr.Problems), len(tt.want), msg)
			}
		})
	}
}

func TestLoadConfigNamesAMissingFile(t *testing.T) {
	_, err := LoadConfig(filepath.Join(t.TempDir(), "absent.toml"))
	if err == nil || !strings.Contains(err.Error(), "absent.toml") {
		t.Fatalf("LoadConfig = %v, want an error naming the file", err)
	}
}

// Every shipped collector config must load and validate.
func TestExampleConfigsLoad(t *testing.T) {
	paths, err := filepath.Glob("../../configs/cloud*.toml")
	if err != nil {
		t.Fatal(err)
	}
	if len(paths) == 0 {
		t.Fatal("no configs/cloud*.toml found")
	}
	for _, path := range paths {
		if _, err := LoadConfig(path); err != nil {
			t.Errorf("%v", err)
		}
	}
}

func TestLoadConfigReportsFleetProblems(t *testing.T) {
	_, err := LoadConfig(writeConfig(t, `
data_dir = "d"
[store]
driver = "postgres"
[report]
cut = "25:00"
[[sites]]
id = "Mart"
capacity = -1
[[api_tokens]]
token = "short"
role = "admin"`))
	for _, key := range []string{"store.dsn", "report.cut", "sites[0].id", "sites[0].capacity",
		"api_tokens[0].token", "api_tokens[0].user", "api_tokens[0].role"} {
		if err == nil || !strings.Contains(err.Error(), key+":") {
			t.Errorf("error %v does not name %s", err, key)
		}
	}
}
