package collector

import (
	"context"
	"encoding/json"
	"net/http"
	"strings"
	"testing"
	"time"

	paho "github.com/eclipse/paho.mqtt.golang"

	"github.com/kakou/kakou/cloud/store"
	"github.com/kakou/kakou/firmware/wire"
)

// enrollOverHTTP redeems tok for site/unit at the collector's API and
// returns the status code and the body.
func enrollOverHTTP(t *testing.T, c *Collector, site, unit, tok string) (int, map[string]string) {
	t.Helper()
	body, _ := json.Marshal(map[string]string{"site": site, "unit": unit, "token": tok})
	resp, err := http.Post(c.HTTPURL()+"/api/v1/enroll", "application/json", strings.NewReader(string(body)))
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var out map[string]string
	json.NewDecoder(resp.Body).Decode(&out)
	return resp.StatusCode, out
}

// TestCollectorWithDeviceAuthAdmitsOnlyEnrolledUnits runs the whole path
// on real parts: a token from the store, enrollment over HTTP, the unit
// on the embedded broker with its credential, its entry stored and acked
// by ingest on the collector's own service credential, and an unknown
// client and a reused token refused.
func TestCollectorWithDeviceAuthAdmitsOnlyEnrolledUnits(t *testing.T) {
	cfg := testConfig(t)
	cfg.Broker.Auth = AuthDevices
	c := start(t, cfg)
	ds := c.Store().(interface {
		PutEnrollmentToken(context.Context, store.EnrollmentToken) error
	})
	now := time.Now()
	tok := "token-site-a-unit-1-xyz"
	if err := ds.PutEnrollmentToken(context.Background(), store.EnrollmentToken{Token: tok, Site: "site-a",
		Unit: "unit-1", Role: store.RoleUnit, CreatedAt: now, ExpiresAt: now.Add(time.Hour)}); err != nil {
		t.Fatal(err)
	}
	code, cred := enrollOverHTTP(t, c, "site-a", "unit-1", tok)
	if code != http.StatusOK {
		t.Fatalf("enroll: %d %v", code, cred)
	}
	if code, _ := enrollOverHTTP(t, c, "site-a", "unit-1", tok); code != http.StatusConflict {
		t.Fatalf("token reused: %d, want 409", code)
	}

	anon := paho.NewClient(paho.NewClientOptions().AddBroker(c.BrokerURL()).SetClientID("anon"))
	if tok := anon.Connect(); !tok.WaitTimeout(wait) || tok.Error() == nil {
		anon.Disconnect(0)
		t.Fatal("an anonymous client connected to a broker with device auth")
	}

	unit := paho.NewClient(paho.NewClientOptions().AddBroker(c.BrokerURL()).SetClientID("kakou-unit-site-a-unit-1").
		SetUsername(cred["username"]).SetPassword(cred["password"]))
	if tok := unit.Connect(); !tok.WaitTimeout(wait) || tok.Error() != nil {
		t.Fatalf("enrolled unit cannot connect: %v", tok.Error())
	}
	defer unit.Disconnect(0)
	acks := make(chan paho.Message, 10)
	if tok := unit.Subscribe(wire.AckTopic("site-a", "unit-1"), 1, func(_ paho.Client, m paho.Message) { acks <- m }); !tok.WaitTimeout(wait) || tok.Error() != nil {
		t.Fatal(tok.Error())
	}
	e := wire.Entry{Schema: wire.SchemaVersion, ID: "e-1", Site: "site-a", Unit: "unit-1", Seq: 1, BootID: "b",
		Lane: wire.LaneIn, Time: now, ClockSynced: true, Credential: wire.Credential{Kind: wire.CredentialNone}, Decision: wire.Allow}
	b, _ := json.Marshal(e)
	if tok := unit.Publish(wire.EntryTopic("site-a", "unit-1"), 1, false, b); !tok.WaitTimeout(wait) || tok.Error() != nil {
		t.Fatalf("publish: %v", tok.Error())
	}
	select {
	case m := <-acks:
		var a wire.Ack
		if json.Unmarshal(m.Payload(), &a) != nil || a.Seq != 1 {
			t.Fatalf("ack %s, want seq 1", m.Payload())
		}
	case <-time.After(wait):
		t.Fatal("no ack: ingest did not store the entry on its service credential")
	}
}

func TestDeviceAuthConfigIsForTheEmbeddedBrokerOnly(t *testing.T) {
	cases := map[string]func(*Config){
		"unknown mode": func(c *Config) { c.Broker.Auth = "ldap" },
		"external broker": func(c *Config) {
			c.Broker.Auth, c.Broker.Embedded, c.Broker.URL = AuthDevices, false, "tcp://10.0.0.5:1883"
		},
		"weak service secret": func(c *Config) { c.Broker.Auth, c.Broker.Username, c.Broker.Password = AuthDevices, "svc", "short" },
	}
	for name, mutate := range cases {
		cfg := testConfig(t)
		mutate(&cfg)
		if err := cfg.Validate(); err == nil || !strings.Contains(err.Error(), "broker.") {
			t.Errorf("%s: Validate() = %v, want a broker.* problem", name, err)
		}
	}
}
