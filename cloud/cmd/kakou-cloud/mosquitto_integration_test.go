package main

import (
	"bytes"
	"context"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	paho "github.com/eclipse/paho.mqtt.golang"

	"github.com/kakou/kakou/cloud/devicepass"
	"github.com/kakou/kakou/cloud/store"
	"github.com/kakou/kakou/cloud/store/sqlite"
	"github.com/kakou/kakou/internal/testenv"
)

// wait bounds every blocking step; a ceiling, not a timing assertion.
const wait = 10 * time.Second

const servicePassword = "service-password-0123"

// fleetConfig writes a collector config for an external broker, enrolls
// units u1 and u2 of site s1 through enroll-token and the store, and
// returns the config path and each unit's password.
func fleetConfig(t *testing.T) (string, map[string]string) {
	t.Helper()
	dir := t.TempDir()
	cfg := filepath.Join(dir, "cloud.toml")
	os.WriteFile(cfg, []byte(`data_dir = "`+filepath.Join(dir, "data")+`"
[broker]
embedded = false
url = "tcp://127.0.0.1:1883"
username = "kakou-cloud"
password = "`+servicePassword+`"
`), 0o600)
	pws := map[string]string{}
	for _, unit := range []string{"u1", "u2"} {
		var out bytes.Buffer
		if code := enrollToken([]string{"-config", cfg, "-site", "s1", "-unit", unit}, &out); code != 0 {
			t.Fatalf("enroll-token exit %d", code)
		}
		pws[unit] = redeem(t, filepath.Join(dir, "data", "cloud.db"), "s1", unit, strings.TrimSpace(out.String()))
	}
	return cfg, pws
}

func redeem(t *testing.T, db, site, unit, tok string) string {
	t.Helper()
	st, err := sqlite.Open(db)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	pw := devicepass.New()
	hash, _ := devicepass.Hash(pw)
	_, err = st.Enroll(context.Background(), store.Enrollment{Token: tok, Site: site, Unit: unit, PasswordHash: hash, At: time.Now()})
	if err != nil {
		t.Fatalf("redeem %s's token: %v", unit, err)
	}
	return pw
}

// startMosquitto runs Debian's mosquitto with the files mosquitto-acl
// wrote; it skips without mosquitto unless KAKOU_INTEGRATION=1.
func startMosquitto(t *testing.T, aclDir string) string {
	t.Helper()
	bin := testenv.Need(t, "mosquitto")
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	l.Close()
	_, port, _ := net.SplitHostPort(addr)
	conf := filepath.Join(aclDir, "mosquitto.conf")
	// user: as root mosquitto would drop to "mosquitto", which cannot
	// read the test's temporary files.
	whoami := "user " + os.Getenv("USER") + "\n"
	if os.Getuid() == 0 {
		whoami = "user root\n"
	}
	os.WriteFile(conf, []byte("listener "+port+" 127.0.0.1\nallow_anonymous false\npersistence false\n"+whoami+
		"password_file "+filepath.Join(aclDir, "passwd")+"\nacl_file "+filepath.Join(aclDir, "acl")+"\n"), 0o600)
	logFile, _ := os.Create(filepath.Join(aclDir, "mosquitto.log"))
	cmd := exec.Command(bin, "-c", conf)
	cmd.Stdout, cmd.Stderr = logFile, logFile
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		cmd.Process.Kill()
		cmd.Wait()
		if t.Failed() {
			b, _ := os.ReadFile(filepath.Join(aclDir, "mosquitto.log"))
			t.Logf("mosquitto log:\n%s", b)
		}
	})
	testenv.Await(t, "mosquitto listening on "+addr, wait, func() bool {
		c, err := net.Dial("tcp", addr)
		if err == nil {
			c.Close()
		}
		return err == nil
	})
	return "tcp://" + addr
}

func dial(url, id, user, pw string) (paho.Client, error) {
	c := paho.NewClient(paho.NewClientOptions().AddBroker(url).SetClientID(id).
		SetUsername(user).SetPassword(pw).SetAutoReconnect(false))
	tok := c.Connect()
	if !tok.WaitTimeout(wait) {
		return nil, context.DeadlineExceeded
	}
	return c, tok.Error()
}

func mustDial(t *testing.T, url, id, user, pw string) paho.Client {
	t.Helper()
	c, err := dial(url, id, user, pw)
	if err != nil {
		t.Fatalf("connect as %s: %v", user, err)
	}
	t.Cleanup(func() { c.Disconnect(0) })
	return c
}

func sub(t *testing.T, c paho.Client, filter string, got chan<- paho.Message) {
	t.Helper()
	if tok := c.Subscribe(filter, 1, func(_ paho.Client, m paho.Message) { got <- m }); !tok.WaitTimeout(wait) || tok.Error() != nil {
		t.Fatalf("subscribe %s: %v", filter, tok.Error())
	}
}

func pub(t *testing.T, c paho.Client, topic, payload string) {
	t.Helper()
	// mosquitto acknowledges a refused QoS 1 publish and drops it, so
	// the publish itself succeeds; what arrives is what the test checks.
	if tok := c.Publish(topic, 1, false, payload); !tok.WaitTimeout(wait) || tok.Error() != nil {
		t.Fatalf("publish %s: %v", topic, tok.Error())
	}
}

func next(t *testing.T, got <-chan paho.Message) paho.Message {
	t.Helper()
	select {
	case m := <-got:
		return m
	case <-time.After(wait):
		t.Fatal("no message arrived")
		return nil
	}
}

// TestMosquittoIntegrationEnforcesTheWrittenACL: messages from one client
// arrive in order, so when the message published after a forged one
// arrives first, the forged one was dropped.
func TestMosquittoIntegrationEnforcesTheWrittenACL(t *testing.T) {
	cfg, pws := fleetConfig(t)
	out := filepath.Join(t.TempDir(), "mosquitto")
	if code := mosquittoACL([]string{"-config", cfg, "-out", out}); code != 0 {
		t.Fatalf("mosquitto-acl exit %d", code)
	}
	url := startMosquitto(t, out)
	svc := mustDial(t, url, "kakou-cloud", "kakou-cloud", servicePassword)
	entries := make(chan paho.Message, 10)
	sub(t, svc, "kakou/v1/+/+/entry", entries)

	u1 := mustDial(t, url, "kakou-unit-s1-u1", "u1", pws["u1"])
	pub(t, u1, "kakou/v1/s1/u1/entry", "own-1")
	if m := next(t, entries); string(m.Payload()) != "own-1" {
		t.Fatalf("collector got %s %q, want u1's own entry", m.Topic(), m.Payload())
	}
	pub(t, u1, "kakou/v1/s1/u2/entry", "forged")
	pub(t, u1, "kakou/v1/s1/u1/entry", "own-2")
	if m := next(t, entries); string(m.Payload()) != "own-2" {
		t.Fatalf("collector got %s %q: u1 published u2's entry", m.Topic(), m.Payload())
	}

	u2 := mustDial(t, url, "kakou-unit-s1-u2", "u2", pws["u2"])
	acks := make(chan paho.Message, 10)
	sub(t, u2, "kakou/v1/s1/u1/ack", acks) // refused by SUBACK or by delivery
	sub(t, u2, "kakou/v1/s1/u2/ack", acks)
	pub(t, svc, "kakou/v1/s1/u1/ack", "ack-u1")
	pub(t, svc, "kakou/v1/s1/u2/ack", "ack-u2")
	if m := next(t, acks); m.Topic() != "kakou/v1/s1/u2/ack" {
		t.Fatalf("u2 read %s %q: another unit's ack", m.Topic(), m.Payload())
	}

	for _, c := range []struct{ user, pw string }{{"u9", pws["u1"]}, {"u1", pws["u2"]}, {"", ""}} {
		if cl, err := dial(url, "intruder-"+c.user, c.user, c.pw); err == nil {
			cl.Disconnect(0)
			t.Errorf("mosquitto admitted user %q", c.user)
		}
	}
}
