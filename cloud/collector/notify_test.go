package collector

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"time"

	paho "github.com/eclipse/paho.mqtt.golang"
	"github.com/kakou/kakou/cloud/notify"
	"github.com/kakou/kakou/cloud/store"
	"github.com/kakou/kakou/firmware/wire"
	"github.com/kakou/kakou/internal/testenv"
)

const hookSecret = "a-long-shared-secret-for-tests"

// hookReceiver is a webhook receiver on loopback that verifies each
// request's signature as SECURITY.md tells receivers to, and notes when
// each alert's notification arrived.
type hookReceiver struct {
	srv  *httptest.Server
	hold chan struct{} // when non-nil, requests wait for it to close

	mu      sync.Mutex
	arrived map[string]time.Time // alert id → first arrival
	count   int
	forged  int
	signal  chan string
}

func newHookReceiver(t testing.TB) *hookReceiver {
	h := &hookReceiver{arrived: map[string]time.Time{}, signal: make(chan string, 1024)}
	h.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if h.hold != nil {
			select {
			case <-h.hold:
			case <-r.Context().Done():
				return
			}
		}
		body, _ := io.ReadAll(r.Body)
		if err := notify.VerifyWebhook(hookSecret, r.Header, body, time.Now()); err != nil {
			h.mu.Lock()
			h.forged++
			h.mu.Unlock()
			http.Error(w, err.Error(), http.StatusUnauthorized)
			return
		}
		var msg struct{ Alert notify.AlertFields }
		json.Unmarshal(body, &msg)
		h.mu.Lock()
		h.count++
		if _, ok := h.arrived[msg.Alert.ID]; !ok {
			h.arrived[msg.Alert.ID] = time.Now()
		}
		h.mu.Unlock()
		select {
		case h.signal <- msg.Alert.ID:
		default:
		}
		w.WriteHeader(http.StatusNoContent)
	}))
	t.Cleanup(h.srv.Close)
	return h
}

func (h *hookReceiver) got() (count int, alerts map[string]time.Time) {
	h.mu.Lock()
	defer h.mu.Unlock()
	out := map[string]time.Time{}
	for k, v := range h.arrived {
		out[k] = v
	}
	return h.count, out
}

// notifyConfig is a collector config with one webhook channel to h.
func notifyConfig(t testing.TB, dir string, h *hookReceiver) Config {
	cfg := Default()
	cfg.DataDir = dir
	cfg.HTTP.Listen, cfg.Broker.Listen = "127.0.0.1:0", "127.0.0.1:0"
	cfg.Sites = []SiteConfig{{ID: "site-a", Name: "阳光花园"}}
	cfg.Notify.Channels = []ChannelConfig{{Name: "hq", Kind: notify.KindWebhook, URL: h.srv.URL, SecretEnv: "KAKOU_TEST_HOOK_SECRET"}}
	return cfg
}

// unitClient is a unit's MQTT connection that publishes entries.
type unitClient struct{ c paho.Client }

func connectUnit(t testing.TB, brokerURL string) *unitClient {
	t.Helper()
	c := paho.NewClient(paho.NewClientOptions().AddBroker(brokerURL).SetClientID("unit-1"))
	if tok := c.Connect(); !tok.WaitTimeout(wait) || tok.Error() != nil {
		t.Fatalf("connect %s: %v", brokerURL, tok.Error())
	}
	t.Cleanup(func() { c.Disconnect(0) })
	return &unitClient{c}
}

// fever publishes entry seq of site-a/unit-1, a fever.
func (u *unitClient) fever(t testing.TB, seq uint64) { u.feverAt(t, seq, time.Now()) }

// feverAt is a fever whose unit's synced clock said at.
func (u *unitClient) feverAt(t testing.TB, seq uint64, at time.Time) {
	t.Helper()
	e := wire.Entry{Schema: wire.SchemaVersion, ID: fmt.Sprintf("fever-%d", seq), Site: "site-a",
		Unit: "unit-1", Seq: seq, BootID: "b", Lane: wire.LaneIn, Time: at, ClockSynced: true,
		Temperature: &wire.Temperature{RawC: 36.4, CorrectedC: 37.9},
		Credential:  wire.Credential{Kind: wire.CredentialNone}, Decision: wire.Deny, Alert: "fever",
		Reasons: []wire.Reason{{Code: "fever", ZH: "体温异常", EN: "fever"}}}
	b, err := json.Marshal(e)
	if err != nil {
		t.Fatal(err)
	}
	if tok := u.c.Publish(wire.EntryTopic(e.Site, e.Unit), 1, false, b); !tok.WaitTimeout(wait) || tok.Error() != nil {
		t.Fatalf("publish: %v", tok.Error())
	}
}

func TestFeverAtTheGateReachesTheWebhookSigned(t *testing.T) {
	t.Setenv("KAKOU_TEST_HOOK_SECRET", hookSecret)
	h := newHookReceiver(t)
	c := start(t, notifyConfig(t, t.TempDir(), h))
	u := connectUnit(t, c.BrokerURL())
	u.fever(t, 1)
	// A unit whose "synced" clock says year 9999: the alert is dated when
	// it was received (store.ClockTimes), so it is neither stale nor lost.
	u.feverAt(t, 2, time.Date(9999, 12, 31, 23, 0, 0, 0, time.UTC))
	testenv.Await(t, "the webhook to hear of both fevers", wait, func() bool {
		_, alerts := h.got()
		return !alerts["fever-1"].IsZero() && !alerts["fever-2"].IsZero()
	})
	alerts, err := c.Store().Alerts(bg, store.AlertQuery{})
	if err != nil || len(alerts) != 2 || alerts[0].Severity != store.SeverityHigh {
		t.Fatalf("alerts %+v, %v; want two high", alerts, err)
	}
	if n, _ := h.got(); n != 2 || h.forged != 0 {
		t.Errorf("%d requests (%d failed the signature check), want 2", n, h.forged)
	}
}

func TestIngestKeepsStoringWhileTheWebhookHangs(t *testing.T) {
	t.Setenv("KAKOU_TEST_HOOK_SECRET", hookSecret)
	h := newHookReceiver(t)
	h.hold = make(chan struct{})
	c := start(t, notifyConfig(t, t.TempDir(), h))
	u := connectUnit(t, c.BrokerURL())
	for seq := uint64(1); seq <= 40; seq++ {
		u.fever(t, seq)
	}
	testenv.Await(t, "all 40 fevers stored while the webhook hangs", wait, func() bool {
		seq, err := c.Store().AckedSeq(bg, store.UnitID{Site: "site-a", Unit: "unit-1"})
		return err == nil && seq == 40
	})
	if n, _ := h.got(); n != 0 {
		t.Fatalf("the hung receiver answered %d", n)
	}
	close(h.hold)
	testenv.Await(t, "every fever notified once the webhook answers", 3*wait, func() bool {
		_, alerts := h.got()
		return len(alerts) == 40
	})
}

func TestNotificationPendingAtShutdownIsSentOnceByTheNextRun(t *testing.T) {
	t.Setenv("KAKOU_TEST_HOOK_SECRET", hookSecret)
	dead := newHookReceiver(t)
	dead.srv.Close() // the receiver is down while the collector runs
	dir := t.TempDir()
	c := start(t, notifyConfig(t, dir, dead))
	connectUnit(t, c.BrokerURL()).fever(t, 1)
	testenv.Await(t, "a failed attempt recorded", wait, func() bool {
		n, err := notificationsOf(c, "fever-1")
		return err == nil && len(n) == 1 && n[0].LastError != ""
	})
	shutdown(t, c)
	up := newHookReceiver(t)
	cfg := notifyConfig(t, dir, up)
	again := start(t, cfg)
	testenv.Await(t, "the notification delivered after the restart", 3*wait, func() bool {
		n, err := notificationsOf(again, "fever-1")
		return err == nil && len(n) == 1 && !n[0].DeliveredAt.IsZero()
	})
	if n, _ := up.got(); n != 1 {
		t.Errorf("the receiver got %d requests, want 1", n)
	}
}

func notificationsOf(c *Collector, alertID string) ([]store.Notification, error) {
	st, ok := c.Store().(interface {
		Notifications(context.Context, string) ([]store.Notification, error)
	})
	if !ok {
		return nil, fmt.Errorf("the store has no outbox")
	}
	return st.Notifications(bg, alertID)
}

// A channel chosen by region hears of the sites anywhere below it, by the
// [[regions]] tree; another district's does not.
func TestChannelOfADistrictHearsOfItsTownsSites(t *testing.T) {
	t.Setenv("KAKOU_TEST_HOOK_SECRET", hookSecret)
	district, other := newHookReceiver(t), newHookReceiver(t)
	cfg := notifyConfig(t, t.TempDir(), district)
	cfg.RegionList = []RegionConfig{{ID: "wujin"}, {ID: "hutang", Parent: "wujin"}, {ID: "xinbei"}}
	cfg.Sites[0].Region = "hutang"
	cfg.Notify.Channels[0].Regions = []string{"wujin"}
	cfg.Notify.Channels = append(cfg.Notify.Channels, ChannelConfig{Name: "xinbei", Kind: notify.KindWebhook,
		URL: other.srv.URL, SecretEnv: "KAKOU_TEST_HOOK_SECRET", Regions: []string{"xinbei"}})
	c := start(t, cfg)
	connectUnit(t, c.BrokerURL()).fever(t, 1)
	testenv.Await(t, "the district's channel to hear of the fever", wait, func() bool {
		_, alerts := district.got()
		return !alerts["fever-1"].IsZero()
	})
	rows, err := notificationsOf(c, "fever-1")
	if err != nil || len(rows) != 1 || rows[0].Channel != "hq" {
		t.Fatalf("notifications %+v, %v; want the district's channel alone", rows, err)
	}
}
