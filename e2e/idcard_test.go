package e2e

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/kakou/kakou/cloud/store"
	"github.com/kakou/kakou/drivers/idcard"
	"github.com/kakou/kakou/firmware/policy"
	"github.com/kakou/kakou/firmware/wire"
	"github.com/kakou/kakou/internal/testenv"
)

// TestAnIDCardOnTheRosterRaisesTheCentresAlertAndNoNumberIsStored: a
// person in health monitoring (listed at the centre by ID number, outcome
// deny) has no phone and puts their ID card on the gate's reader. The
// unit matches the card by the ID hash, refuses them and the centre
// raises the alert; the entry at the centre is of kind id_card, and the
// full number is in neither the centre's stored entry nor any file of the
// unit's data directory (the ledger and its journal).
func TestAnIDCardOnTheRosterRaisesTheCentresAlertAndNoNumberIsStored(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	const number = "11010519491231002X"
	keys := newRosterKeys(t)
	c := startCollector(t, ctx, fmt.Sprintf("[broker]\nembedded = true\nlisten = \"127.0.0.1:0\"\n"+
		"[policy]\nsigning_key_file = %q\n[privacy]\ntracing_key_file = %q\n", keys.signing, keys.tracing))
	today := time.Now().In(time.FixedZone("CST", 8*3600)).Format(time.DateOnly)
	postRoster(t, c.HTTPURL(), `[{"id":"m-9","site":"estate","id_number":"`+number+`","kind":"health_monitoring","start":"`+today+`","plan":"14","outcome":"deny"}]`)

	var data string
	u := runUnit(t, ctx, "gate-1", func(dir string) string {
		data = filepath.Join(dir, "data")
		return fmt.Sprintf(`site = "estate"
unit = "gate-1"
lane = "in"
data_dir = %q
trust_clock = true
[console]
listen = "off"
[mqtt]
broker = %q
[thermometer]
driver = "sim"
[scanner]
driver = "sim"
[simulator]
max_people = 1
fever_ratio = 0.0
[policy]
verify_keys = [%q]
[privacy]
tracing_key_file = %q
`, data, c.BrokerURL(), keys.verify, keys.tracing)
	})
	testenv.Await(t, "the roster at the gate", patience, func() bool { return u.Roster().Len() == 1 })

	card := idcard.Card{Name: "陈静", Sex: "女", Ethnicity: "汉", Birth: "19491231", Address: "北京市东城区景山前街4号",
		Number: number, Authority: "北京市公安局东城分局", ValidFrom: "20160101", ValidUntil: "长期"}
	e, err := u.PlaceCard(ctx, card)
	if err != nil {
		t.Fatal(err)
	}
	if e.Credential.Kind != wire.CredentialIDCard || e.Decision != wire.Deny || e.Alert != policy.AlertWatchMonitoring ||
		e.Watch == nil || e.Watch.Entry != "m-9" || e.Watch.By != wire.WatchByIDHash {
		t.Fatalf("the card at the gate: %+v watch %+v", e, e.Watch)
	}

	testenv.Await(t, "the alert at the centre", patience, func() bool {
		return strings.Contains(getBody(t, c.HTTPURL()+"/api/v1/alerts?site=estate"), `"watch_monitoring"`)
	})
	var stored *store.Record
	testenv.Await(t, "the entry at the centre", patience, func() bool {
		recs, _ := c.Store().Entries(ctx, store.Query{Site: "estate", Unit: "gate-1", Limit: store.MaxLimit})
		for i := range recs {
			if recs[i].ID == e.ID {
				stored = &recs[i]
			}
		}
		return stored != nil
	})
	if stored.Credential.Kind != wire.CredentialIDCard || stored.Credential.Subject != e.Credential.Subject {
		t.Fatalf("stored %+v", stored.Credential)
	}
	b, _ := json.Marshal(stored)
	for _, secret := range []string{number, strings.ToLower(number), "陈静", "景山前街"} {
		if strings.Contains(string(b), secret) {
			t.Errorf("%q in the centre's stored entry: %s", secret, b)
		}
	}
	for _, body := range []string{getBody(t, c.HTTPURL()+"/api/v1/alerts?site=estate"),
		getBody(t, c.HTTPURL()+"/api/v1/entries?limit=1000&site=estate&unit=gate-1")} {
		if strings.Contains(body, number) {
			t.Errorf("the full number in the centre's API: %s", body)
		}
	}
	files, _ := filepath.Glob(filepath.Join(data, "*"))
	if len(files) == 0 {
		t.Fatal("no files in the unit's data directory")
	}
	for _, f := range files {
		raw, err := os.ReadFile(f)
		if err != nil {
			continue // a directory
		}
		if bytes.Contains(raw, []byte(number)) {
			t.Errorf("the full number is in %s", f)
		}
	}
}
