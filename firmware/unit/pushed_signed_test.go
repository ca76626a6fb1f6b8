package unit

import (
	"crypto/ed25519"
	"crypto/rand"
	"crypto/x509"
	"encoding/json"
	"encoding/pem"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"

	paho "github.com/eclipse/paho.mqtt.golang"

	"github.com/kakou/kakou/firmware/wire"
)

// newKey makes an Ed25519 key pair and writes its public half as the PEM
// a unit's [policy] verify_keys names.
func newKey(t *testing.T) (ed25519.PrivateKey, string) {
	t.Helper()
	pub, priv, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	der, err := x509.MarshalPKIXPublicKey(pub)
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "policy-verify.pem")
	if err := os.WriteFile(path, pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: der}), 0o644); err != nil {
		t.Fatal(err)
	}
	return priv, path
}

func signed(t *testing.T, version string, key ed25519.PrivateKey) wire.PolicyPush {
	p := pushFor(t, version)
	wire.SignPolicy(&p, key)
	return p
}

// newVerifyingUnit is newSimUnit with [policy] verify_keys set.
func newVerifyingUnit(t *testing.T, dataDir, broker string, log *logSink, keys ...string) (*Unit, error) {
	t.Helper()
	quoted := make([]string, len(keys))
	for i, k := range keys {
		quoted[i] = fmt.Sprintf("%q", k)
	}
	body := fmt.Sprintf(`site = "s1"
unit = "u1"
data_dir = %q
trust_clock = true
[console]
listen = "off"
[mqtt]
broker = %q
[simulator]
mean_interval = "5ms"
[policy]
verify_keys = [%s]
`, dataDir, broker, strings.Join(quoted, ", "))
	path := filepath.Join(t.TempDir(), "unit.toml")
	if err := os.WriteFile(path, []byte(body), 0o600); err != nil {
		t.Fatal(err)
	}
	cfg, err := LoadConfig(path)
	if err != nil {
		t.Fatal(err)
	}
	return New(cfg, slog.New(slog.NewTextHandler(log, nil)))
}

// attacker is an MQTT client of its own that may publish on the unit's
// policy topic: what a leaked credential or an open broker allows.
func attacker(t *testing.T, url string) func(wire.PolicyPush) {
	t.Helper()
	c := paho.NewClient(paho.NewClientOptions().AddBroker(url).SetClientID("attacker"))
	if tok := c.Connect(); !tok.WaitTimeout(hangGuard) || tok.Error() != nil {
		t.Fatalf("attacker connect: %v", tok.Error())
	}
	t.Cleanup(func() { c.Disconnect(0) })
	return func(p wire.PolicyPush) {
		b, _ := json.Marshal(p)
		if tok := c.Publish(wire.PolicyTopic("s1", "u1"), wire.QoSPolicy, true, b); !tok.WaitTimeout(hangGuard) || tok.Error() != nil {
			t.Fatalf("attacker publish: %v", tok.Error())
		}
	}
}

func TestUnitWithVerifyKeysRefusesForgedPushesAndRunsSignedOnes(t *testing.T) {
	centre, pubPath := newKey(t)
	forger, _ := newKey(t)
	b := startTestBroker(t)
	forge := attacker(t, b.url)
	forge(pushFor(t, "open-0")) // retained, unsigned, waiting for the unit
	dataDir := filepath.Join(t.TempDir(), "data")
	log := newLogSink()
	u, err := newVerifyingUnit(t, dataDir, b.url, log, pubPath)
	if err != nil {
		t.Fatal(err)
	}
	run(t, u)
	log.await(t, "policy push refused: signature check failed", 1)

	b.publish(t, "u1", signed(t, "closed-1", centre))
	b.awaitStatus(t, "closed-1")

	tampered := signed(t, "closed-4", centre)
	tampered.Document = strings.Replace(tampered.Document, "fever_threshold_c = 37.3", "fever_threshold_c = 42", 1)
	retargeted := signed(t, "closed-5", centre)
	retargeted.IssuedBy = "attacker"
	for i, p := range []wire.PolicyPush{pushFor(t, "closed-2"), signed(t, "closed-3", forger), tampered, retargeted} {
		forge(p)
		logged := log.await(t, "policy push refused: signature check failed", i+2)
		if !strings.Contains(logged, "running=closed-1") {
			t.Fatalf("refusal of %s does not say what keeps running:\n%s", p.Version, logged)
		}
	}
	logged := log.String()
	for _, want := range []string{"not signed", "does not verify", "verify_keys"} {
		if !strings.Contains(logged, want) {
			t.Errorf("the refusals do not say %q:\n%s", want, logged)
		}
	}
	if e := entryAfter(t, u, lastSeq(t, u)); e.PolicyVersion != "closed-1" {
		t.Fatalf("after the forgeries entry seq %d decided under %q, want closed-1", e.Seq, e.PolicyVersion)
	}
	if v := savedVersion(t, dataDir); v != "closed-1" {
		t.Fatalf("a forged push replaced the saved one: %q", v)
	}
	// A push the centre signed runs whoever relays it.
	forge(signed(t, "closed-6", centre))
	b.awaitStatus(t, "closed-6")
}

// During a rotation units hold the old key and the new; once the old one
// is dropped from verify_keys, its pushes are refused.
func TestUnitAcceptsEitherKeyDuringARotation(t *testing.T) {
	oldKey, oldPub := newKey(t)
	newK, newPub := newKey(t)
	b := startTestBroker(t)
	dataDir := filepath.Join(t.TempDir(), "data")
	log := newLogSink()
	u, err := newVerifyingUnit(t, dataDir, b.url, log, oldPub, newPub)
	if err != nil {
		t.Fatal(err)
	}
	stop := run(t, u)
	b.publish(t, "u1", signed(t, "closed-1", oldKey))
	b.awaitStatus(t, "closed-1")
	b.publish(t, "u1", signed(t, "closed-2", newK))
	b.awaitStatus(t, "closed-2")
	stop()

	log = newLogSink()
	u, err = newVerifyingUnit(t, dataDir, b.url, log, newPub)
	if err != nil {
		t.Fatal(err)
	}
	run(t, u)
	b.awaitStatus(t, "closed-2") // the saved push, signed with the new key, still verifies
	b.publish(t, "u1", signed(t, "closed-3", oldKey))
	log.await(t, "policy push refused: signature check failed", 1)
	if v := u.policy.Current().Version; v != "closed-2" {
		t.Fatalf("runs %q after a push signed with the retired key, want closed-2", v)
	}
}

// A push saved before verify_keys were set, or written onto the card, is
// not run at start: the data directory is no more trusted than the wire.
func TestUnitWithVerifyKeysIgnoresAnUnsignedSavedPush(t *testing.T) {
	_, pub := newKey(t)
	dataDir := t.TempDir()
	if err := savePush(filepath.Join(dataDir, pushedFile), pushFor(t, "closed-1")); err != nil {
		t.Fatal(err)
	}
	log := newLogSink()
	u, err := newVerifyingUnit(t, dataDir, "tcp://127.0.0.1:1", log, pub)
	if err != nil {
		t.Fatal(err)
	}
	defer u.Close()
	if v := u.policy.Current().Version; v == "closed-1" {
		t.Fatal("the unsigned saved push runs")
	}
	if s := log.String(); !strings.Contains(s, "saved policy push not used") || !strings.Contains(s, "not signed") {
		t.Fatalf("the log does not say why the saved push was dropped:\n%s", s)
	}
}

func TestUnitStopsOnAVerifyKeyItCannotRead(t *testing.T) {
	priv := filepath.Join(t.TempDir(), "policy-signing.pem")
	os.WriteFile(priv, pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: []byte{1}}), 0o600)
	for _, c := range []struct{ name, path, want string }{
		{"missing", filepath.Join(t.TempDir(), "nope.pem"), "no such file"},
		{"private key given", priv, "never its private one"},
	} {
		_, err := newVerifyingUnit(t, t.TempDir(), "tcp://127.0.0.1:1", newLogSink(), c.path)
		if err == nil || !strings.Contains(err.Error(), "policy.verify_keys[0]") || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: New: %v, want an error naming the key and saying %q", c.name, err, c.want)
		}
	}
}

func TestUnitWithoutVerifyKeysWarnsAtStart(t *testing.T) {
	log := newLogSink()
	u := newSimUnit(t, t.TempDir(), "tcp://127.0.0.1:1", log)
	defer u.Close()
	if !strings.Contains(log.String(), "policy pushes are accepted unsigned") {
		t.Fatalf("no startup warning:\n%s", log.String())
	}
}
