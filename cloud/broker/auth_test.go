package broker

import (
	"context"
	"path/filepath"
	"testing"
	"time"

	paho "github.com/eclipse/paho.mqtt.golang"

	"github.com/kakou/kakou/cloud/devicepass"
	"github.com/kakou/kakou/cloud/store"
	"github.com/kakou/kakou/cloud/store/sqlite"
)

var service = Service{Username: "kakou-cloud", Password: "service-password-123"}

// devicesBroker starts a broker with device auth over a real SQLite store
// holding unit u1 and u2 of site s1 and gateway gw1 of s1; it returns the
// broker and each device's password.
func devicesBroker(t *testing.T) (*Broker, map[string]string) {
	t.Helper()
	st, err := sqlite.Open(filepath.Join(t.TempDir(), "cloud.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	pws := map[string]string{}
	for _, d := range []struct{ site, unit, role string }{
		{"s1", "u1", store.RoleUnit}, {"s1", "u2", store.RoleUnit}, {"s1", "gw1", store.RoleGateway},
	} {
		pws[d.unit] = enrollDevice(t, st, d.site, d.unit, d.role)
	}
	a, err := NewDeviceAuth(st, service, nil)
	if err != nil {
		t.Fatal(err)
	}
	b, err := New("127.0.0.1:0", nil)
	if err != nil {
		t.Fatal(err)
	}
	if err := b.RequireDevices(a); err != nil {
		t.Fatal(err)
	}
	if err := b.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { b.Close() })
	return b, pws
}

func enrollDevice(t *testing.T, st *sqlite.Store, site, unit, role string) string {
	t.Helper()
	ctx, now := context.Background(), time.Now()
	tok := "token-for-" + unit + "-0123456789"
	err := st.PutEnrollmentToken(ctx, store.EnrollmentToken{Token: tok, Site: site, Unit: unit, Role: role,
		CreatedAt: now, ExpiresAt: now.Add(time.Hour)})
	if err != nil {
		t.Fatal(err)
	}
	pw := devicepass.New()
	hash, err := devicepass.Hash(pw)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := st.Enroll(ctx, store.Enrollment{Token: tok, Site: site, Unit: unit, PasswordHash: hash, At: now}); err != nil {
		t.Fatal(err)
	}
	return pw
}

func clientOpts(b *Broker, id, user, pw string) *paho.ClientOptions {
	return paho.NewClientOptions().AddBroker(b.URL()).SetClientID(id).
		SetUsername(user).SetPassword(pw).SetAutoReconnect(false).SetConnectRetry(false)
}

func publish(c paho.Client, topic, payload string) error {
	tok := c.Publish(topic, 1, false, payload)
	if !tok.WaitTimeout(wait) {
		return context.DeadlineExceeded
	}
	return tok.Error()
}

// subscribeResult is the SUBACK code for filter (0x80: refused).
func subscribeResult(t *testing.T, c paho.Client, filter string, got chan paho.Message) byte {
	t.Helper()
	tok := c.Subscribe(filter, 1, func(_ paho.Client, m paho.Message) { got <- m })
	if !tok.WaitTimeout(wait) || tok.Error() != nil {
		t.Fatalf("subscribe %s: %v", filter, tok.Error())
	}
	return tok.(*paho.SubscribeToken).Result()[filter]
}

func TestDeviceAuthRefusesUnknownClientsAndBadPasswords(t *testing.T) {
	b, pws := devicesBroker(t)
	cases := []struct{ name, user, pw string }{
		{"anonymous", "", ""},
		{"unknown device", "u9", pws["u1"]},
		{"wrong password", "u1", pws["u2"]},
		{"empty password", "u1", ""},
		{"service with a wrong password", service.Username, "guess-guess-guess"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			cl := paho.NewClient(clientOpts(b, "c-"+c.user, c.user, c.pw))
			tok := cl.Connect()
			if !tok.WaitTimeout(wait) || tok.Error() == nil {
				cl.Disconnect(0)
				t.Fatalf("connect as %q was accepted", c.user)
			}
		})
	}
}

func TestDeviceAuthLetsAUnitUseOnlyItsOwnTopics(t *testing.T) {
	b, pws := devicesBroker(t)
	svc := connect(t, clientOpts(b, "kakou-cloud", service.Username, service.Password))
	entries := subscribe(t, svc, "kakou/v1/+/+/entry")
	u1 := connect(t, clientOpts(b, "kakou-unit-s1-u1", "u1", pws["u1"]))

	if err := publish(u1, "kakou/v1/s1/u1/entry", "own"); err != nil {
		t.Fatalf("publish own entry: %v", err)
	}
	if m := receive(t, entries); string(m.Payload()) != "own" {
		t.Fatalf("collector got %q", m.Payload())
	}
	got := make(chan paho.Message, 10)
	for _, filter := range []string{"kakou/v1/s1/u2/ack", "kakou/v1/s1/+/ack", "kakou/#", "kakou/v1/s1/u1/entry"} {
		if code := subscribeResult(t, u1, filter, got); code != 0x80 {
			t.Errorf("subscribe %s: SUBACK %#x, want 0x80 (refused)", filter, code)
		}
	}
	if code := subscribeResult(t, u1, "kakou/v1/s1/u1/ack", got); code != 1 {
		t.Fatalf("subscribe own ack: SUBACK %#x, want QoS 1", code)
	}
	if err := publish(svc, "kakou/v1/s1/u1/ack", "ack"); err != nil {
		t.Fatal(err)
	}
	if m := receive(t, got); m.Topic() != "kakou/v1/s1/u1/ack" {
		t.Fatalf("unit received %s", m.Topic())
	}
	// MQTT 3.1.1 has no way to refuse one PUBLISH: mochi drops the
	// connection, so the QoS 1 publish never completes.
	if err := publish(u1, "kakou/v1/s1/u2/entry", "forged"); err == nil {
		t.Fatal("publishing another unit's entry succeeded")
	}
	if u1.IsConnectionOpen() {
		t.Fatal("the unit is still connected after publishing another unit's entry")
	}
}

func TestDeviceAuthLetsAGatewaySpeakForItsSiteOnly(t *testing.T) {
	b, pws := devicesBroker(t)
	gw := connect(t, clientOpts(b, "kakou-gateway-s1", "gw1", pws["gw1"]))
	got := make(chan paho.Message, 10)
	for filter, want := range map[string]byte{
		"kakou/v1/s1/+/ack": 1, "kakou/v1/s1/+/policy": 1, "kakou/v1/s1/u1/ack": 1,
		"kakou/v1/s2/+/ack": 0x80, "kakou/v1/+/+/ack": 0x80, "kakou/v1/s1/+/entry": 0x80,
	} {
		if code := subscribeResult(t, gw, filter, got); code != want {
			t.Errorf("gateway subscribe %s: SUBACK %#x, want %#x", filter, code, want)
		}
	}
	for _, topic := range []string{"kakou/v1/s1/u1/entry", "kakou/v1/s1/u2/status", "kakou/v1/s1/gw1/status"} {
		if err := publish(gw, topic, "x"); err != nil {
			t.Fatalf("gateway publish %s: %v", topic, err)
		}
	}
	if err := publish(gw, "kakou/v1/s2/u7/entry", "forged"); err == nil {
		t.Fatal("a gateway published an entry of another site")
	}
}

func TestDeviceAuthRefusesAWillOnAnotherUnitsStatus(t *testing.T) {
	b, pws := devicesBroker(t)
	opts := clientOpts(b, "kakou-unit-s1-u1", "u1", pws["u1"]).
		SetWill("kakou/v1/s1/u2/status", `{"state":"offline"}`, 1, true)
	cl := paho.NewClient(opts)
	if tok := cl.Connect(); !tok.WaitTimeout(wait) || tok.Error() == nil {
		cl.Disconnect(0)
		t.Fatal("a unit connected with a last will on another unit's status")
	}
	connect(t, clientOpts(b, "kakou-unit-s1-u1", "u1", pws["u1"]).
		SetWill("kakou/v1/s1/u1/status", `{"state":"offline"}`, 1, true))
}

func TestDeviceAuthRefusesTakingOverAnotherDevicesClientID(t *testing.T) {
	b, pws := devicesBroker(t)
	connect(t, clientOpts(b, "kakou-unit-s1-u1", "u1", pws["u1"]))
	thief := paho.NewClient(clientOpts(b, "kakou-unit-s1-u1", "u2", pws["u2"]))
	if tok := thief.Connect(); !tok.WaitTimeout(wait) || tok.Error() == nil {
		thief.Disconnect(0)
		t.Fatal("u2 connected with u1's client id")
	}
}

func TestNewDeviceAuthNeedsAServiceCredential(t *testing.T) {
	for _, s := range []Service{{}, {Username: "kakou-cloud", Password: "short"}} {
		if _, err := NewDeviceAuth(nil, s, nil); err == nil {
			t.Errorf("NewDeviceAuth(%+v) accepted", s)
		}
	}
}
