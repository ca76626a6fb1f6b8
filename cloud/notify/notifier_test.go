package notify

import (
	"context"
	"fmt"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/kakou/kakou/cloud/store"
	"github.com/kakou/kakou/cloud/store/sqlite"
)

var ctx = context.Background()

// t0 is when the tests' alerts are raised.
var t0 = time.Date(2022, 4, 2, 2, 15, 7, 0, time.UTC)

// clock is a settable clock for escalation deadlines and backoff.
type clock struct {
	mu  sync.Mutex
	now time.Time
}

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *clock) add(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(d)
}

type harness struct {
	t     *testing.T
	path  string
	st    *sqlite.Store
	clock *clock
	n     *Notifier
	opts  Options
}

func newHarness(t *testing.T, channels ...Channel) *harness {
	t.Parallel()
	h := &harness{t: t, path: filepath.Join(t.TempDir(), "cloud.db"), clock: &clock{now: t0}}
	h.opts = Options{Channels: channels, Now: h.clock.Now, Location: shanghai(t),
		Dashboard: "https://kakou.example/", RetryBase: time.Second, RetryMax: time.Minute,
		EscalateAfter: map[string]time.Duration{"fever": 30 * time.Minute, "": time.Hour},
		Names: func(site, unit string) (string, string) {
			if site == "sunshine-garden" {
				return "阳光花园", "北门"
			}
			return "", ""
		}}
	h.open()
	return h
}

// open (re)opens the store and a notifier on it, as a collector starting.
func (h *harness) open() {
	h.t.Helper()
	st, err := sqlite.Open(h.path)
	if err != nil {
		h.t.Fatal(err)
	}
	h.t.Cleanup(func() { st.Close() })
	h.st = st
	if h.n, err = New(st, h.opts); err != nil {
		h.t.Fatal(err)
	}
}

// restart closes the store and starts over on the same file.
func (h *harness) restart() {
	h.n.Wait()
	h.st.Close()
	h.open()
}

// cycle is one poll, waiting for the sends it started.
func (h *harness) cycle() {
	h.n.Tick(ctx)
	h.n.Wait()
}

func (h *harness) raise(id, kind string) store.Alert {
	h.t.Helper()
	a := store.Alert{ID: id, Site: "sunshine-garden", Unit: "north-gate", Kind: kind, RaisedAt: h.clock.Now(),
		Detail: "37.9 °C；体温异常", Severity: store.SeverityOf(kind)}
	if _, err := h.st.RaiseAlert(ctx, a); err != nil {
		h.t.Fatal(err)
	}
	return a
}

func (h *harness) rows(id string) []store.Notification {
	h.t.Helper()
	rows, err := h.st.Notifications(ctx, id)
	if err != nil {
		h.t.Fatal(err)
	}
	return rows
}

func shanghai(t *testing.T) *time.Location {
	loc, err := time.LoadLocation("Asia/Shanghai")
	if err != nil {
		t.Fatal(err)
	}
	return loc
}

func TestWeComRobotGetsOneChineseMarkdownMessagePerAlert(t *testing.T) {
	var h *harness
	wecom := newReceiver(t, KindWeCom, "", func() time.Time { return h.clock.Now() })
	h = newHarness(t, Channel{Name: "garden-wecom", Kind: KindWeCom, URL: wecom.url()})
	h.raise("fever-1", "fever")
	h.raise("fever-1", "fever") // the same alert again: nothing new
	h.cycle()
	h.cycle()
	got := wecom.messages()
	if len(got) != 1 {
		t.Fatalf("WeCom got %d messages, want 1; refused: %v", len(got), wecom.refusals())
	}
	for _, want := range []string{"【紧急】发热告警", "阳光花园", "北门", "2022-04-02 10:15:07（Asia/Shanghai）",
		"37.9 °C", "[在控制台查看并确认](https://kakou.example/)"} {
		if !strings.Contains(got[0].Markdown, want) {
			t.Errorf("message lacks %q:\n%s", want, got[0].Markdown)
		}
	}
	if rows := h.rows("fever-1"); len(rows) != 1 || rows[0].DeliveredAt.IsZero() || rows[0].Attempts != 1 {
		t.Errorf("outbox %+v, want one delivered row, one attempt", rows)
	}
}

func TestDingTalkRobotTakesTheSignedRequest(t *testing.T) {
	var h *harness
	ding := newReceiver(t, KindDingTalk, "SEC0123456789abcdef", func() time.Time { return h.clock.Now() })
	h = newHarness(t, Channel{Name: "county-ding", Kind: KindDingTalk, URL: ding.url(), Secret: "SEC0123456789abcdef"})
	h.raise("red-1", "health_code_red")
	h.cycle()
	if got := ding.messages(); len(got) != 1 || !strings.Contains(got[0].Title, "健康码红码") {
		t.Fatalf("DingTalk got %+v; refused %v", got, ding.refusals())
	}
}

func TestDingTalkRefusesAWrongSecretAndTheNotificationIsRetried(t *testing.T) {
	var h *harness
	ding := newReceiver(t, KindDingTalk, "SEC-the-real-one", func() time.Time { return h.clock.Now() })
	h = newHarness(t, Channel{Name: "county-ding", Kind: KindDingTalk, URL: ding.url(), Secret: "SEC-a-stale-one"})
	h.raise("red-1", "health_code_red")
	h.cycle()
	rows := h.rows("red-1")
	if len(ding.messages()) != 0 || len(rows) != 1 || !rows[0].DeliveredAt.IsZero() ||
		!strings.Contains(rows[0].LastError, "errcode 310000") || rows[0].NextAt.IsZero() {
		t.Fatalf("outbox %+v; want the refusal recorded and a retry due", rows)
	}
}

func TestWebhookIsSignedAndNamesTheDelivery(t *testing.T) {
	var h *harness
	hook := newReceiver(t, KindWebhook, "a-long-shared-secret", func() time.Time { return h.clock.Now() })
	h = newHarness(t, Channel{Name: "hq", Kind: KindWebhook, URL: hook.url(), Secret: "a-long-shared-secret"})
	h.raise("fever-1", "fever")
	h.cycle()
	got := hook.messages()
	if len(got) != 1 {
		t.Fatalf("webhook got %d; refused %v", len(got), hook.refusals())
	}
	a := got[0].Alert
	if got[0].Delivery != "fever-1/hq/0" || a.ID != "fever-1" || a.Severity != "high" || a.SiteName != "阳光花园" ||
		a.KindName != "发热" || !a.RaisedAt.Equal(t0) {
		t.Errorf("webhook body %+v, delivery %q", a, got[0].Delivery)
	}
}

func TestReceiverDownThenUpGetsTheMessageOnce(t *testing.T) {
	var h *harness
	hook := newReceiver(t, KindWebhook, "a-long-shared-secret", func() time.Time { return h.clock.Now() })
	h = newHarness(t, Channel{Name: "hq", Kind: KindWebhook, URL: hook.url(), Secret: "a-long-shared-secret"})
	hook.set(func(r *receiver) { r.down = true })
	h.raise("fever-1", "fever")
	for range 4 { // four failed attempts, each after its backoff
		h.cycle()
		h.clock.add(time.Minute)
	}
	hook.set(func(r *receiver) { r.down = false })
	for range 3 {
		h.cycle()
		h.clock.add(time.Minute)
	}
	if got := hook.messages(); len(got) != 1 {
		t.Fatalf("received %d, want exactly 1", len(got))
	}
	if rows := h.rows("fever-1"); rows[0].Attempts != 5 || rows[0].DeliveredAt.IsZero() || rows[0].LastError != "" {
		t.Errorf("outbox %+v; want delivered on the 5th attempt", rows[0])
	}
}

func TestRobotErrcodeIsNotDeliveryAndIsRetried(t *testing.T) {
	var h *harness
	wecom := newReceiver(t, KindWeCom, "", func() time.Time { return h.clock.Now() })
	h = newHarness(t, Channel{Name: "w", Kind: KindWeCom, URL: wecom.url()})
	wecom.set(func(r *receiver) { r.errcode = 45009 }) // WeCom's "too many messages a minute"
	h.raise("fever-1", "fever")
	h.cycle()
	if rows := h.rows("fever-1"); !rows[0].DeliveredAt.IsZero() || !strings.Contains(rows[0].LastError, "45009") {
		t.Fatalf("after errcode 45009: %+v; want not delivered, the errcode recorded", rows[0])
	}
	wecom.set(func(r *receiver) { r.errcode = 0 })
	h.clock.add(time.Minute)
	h.cycle()
	if got := wecom.messages(); len(got) != 1 {
		t.Fatalf("received %d after the robot took messages again, want 1", len(got))
	}
}

func TestGivesUpAfterTheBoundAndKeepsWhy(t *testing.T) {
	var h *harness
	hook := newReceiver(t, KindWebhook, "a-long-shared-secret", func() time.Time { return h.clock.Now() })
	h = newHarness(t, Channel{Name: "hq", Kind: KindWebhook, URL: hook.url(), Secret: "a-long-shared-secret"})
	hook.set(func(r *receiver) { r.down = true })
	h.raise("fever-1", "fever")
	h.cycle()
	h.clock.add(DefaultGiveUp)
	h.cycle()
	rows := h.rows("fever-1")
	if rows[0].GaveUpAt.IsZero() || !strings.Contains(rows[0].LastError, "HTTP 502") || !rows[0].NextAt.IsZero() {
		t.Fatalf("outbox %+v; want given up with the reason", rows[0])
	}
	hook.set(func(r *receiver) { r.down = false })
	h.clock.add(time.Hour)
	h.cycle()
	if n := len(hook.messages()); n != 0 {
		t.Errorf("a given-up notification was sent %d times", n)
	}
}

func escalationChannels(first, second *receiver) []Channel {
	return []Channel{
		{Name: "community", Kind: KindWebhook, URL: first.url(), Secret: "a-long-shared-secret"},
		{Name: "street", Kind: KindWebhook, URL: second.url(), Secret: "a-long-shared-secret", Level: 1},
	}
}

func TestUnacknowledgedFeverEscalatesAfterItsDeadline(t *testing.T) {
	var h *harness
	now := func() time.Time { return h.clock.Now() }
	community, street := newReceiver(t, KindWebhook, "a-long-shared-secret", now), newReceiver(t, KindWebhook, "a-long-shared-secret", now)
	h = newHarness(t, escalationChannels(community, street)...)
	h.raise("fever-1", "fever")
	h.cycle()
	h.clock.add(29 * time.Minute)
	h.cycle()
	if len(community.messages()) != 1 || len(street.messages()) != 0 {
		t.Fatalf("before the deadline: community %d, street %d; want 1, 0", len(community.messages()), len(street.messages()))
	}
	h.clock.add(time.Minute)
	h.cycle()
	h.cycle()
	got := street.messages()
	if len(got) != 1 || got[0].Alert.Level != 1 || !strings.Contains(got[0].Title, "升级") || got[0].Delivery != "fever-1/street/1" {
		t.Fatalf("street after 30 minutes: %+v; want one level-1 message", got)
	}
	if len(community.messages()) != 1 {
		t.Errorf("community heard %d times, want once", len(community.messages()))
	}
}

func TestAcknowledgedAlertDoesNotEscalate(t *testing.T) {
	var h *harness
	now := func() time.Time { return h.clock.Now() }
	community, street := newReceiver(t, KindWebhook, "a-long-shared-secret", now), newReceiver(t, KindWebhook, "a-long-shared-secret", now)
	h = newHarness(t, escalationChannels(community, street)...)
	h.raise("fever-1", "fever")
	h.cycle()
	h.clock.add(10 * time.Minute)
	if _, err := h.st.AckAlert(ctx, "fever-1", "王五", "已送发热门诊", h.clock.Now()); err != nil {
		t.Fatal(err)
	}
	h.clock.add(3 * time.Hour)
	h.cycle()
	if n := len(street.messages()); n != 0 {
		t.Errorf("street heard %d times of an acknowledged alert", n)
	}
}

func TestCollectorRestartMidRetryStillDeliversOnce(t *testing.T) {
	var h *harness
	hook := newReceiver(t, KindWebhook, "a-long-shared-secret", func() time.Time { return h.clock.Now() })
	h = newHarness(t, Channel{Name: "hq", Kind: KindWebhook, URL: hook.url(), Secret: "a-long-shared-secret"})
	hook.set(func(r *receiver) { r.down = true })
	h.raise("fever-1", "fever")
	h.cycle()
	h.restart()
	hook.set(func(r *receiver) { r.down = false })
	for range 3 {
		h.clock.add(time.Minute)
		h.cycle()
	}
	if n := len(hook.messages()); n != 1 {
		t.Fatalf("received %d after a restart mid-retry, want 1", n)
	}
}

func TestSendInterruptedByACrashIsSentAgainWhenTheLeaseRunsOut(t *testing.T) {
	var h *harness
	hook := newReceiver(t, KindWebhook, "a-long-shared-secret", func() time.Time { return h.clock.Now() })
	h = newHarness(t, Channel{Name: "hq", Kind: KindWebhook, URL: hook.url(), Secret: "a-long-shared-secret"})
	h.raise("fever-1", "fever")
	// A collector claims the notification and dies before sending it.
	if ns, err := h.st.ClaimNotifications(ctx, "crashed", h.clock.Now(), time.Minute, 10); err != nil {
		t.Fatal(err)
	} else if len(ns) != 0 {
		t.Fatalf("claimed %d before any plan", len(ns))
	}
	h.n.plan(ctx, h.clock.Now())
	if ns, err := h.st.ClaimNotifications(ctx, "crashed", h.clock.Now(), time.Minute, 10); err != nil || len(ns) != 1 {
		t.Fatalf("crashed collector's claim: %v, %v", ns, err)
	}
	h.cycle()
	if n := len(hook.messages()); n != 0 {
		t.Fatalf("sent %d during another collector's lease", n)
	}
	h.clock.add(time.Minute)
	h.cycle()
	if n := len(hook.messages()); n != 1 {
		t.Fatalf("sent %d after the lease ran out, want 1", n)
	}
}

func TestSlowReceiverDoesNotHoldTheOtherChannels(t *testing.T) {
	var h *harness
	now := func() time.Time { return h.clock.Now() }
	slow, quick := newReceiver(t, KindWebhook, "a-long-shared-secret", now), newReceiver(t, KindWeCom, "", now)
	release := make(chan struct{})
	slow.set(func(r *receiver) { r.hold = release })
	h = newHarness(t, Channel{Name: "slow", Kind: KindWebhook, URL: slow.url(), Secret: "a-long-shared-secret"},
		Channel{Name: "quick", Kind: KindWeCom, URL: quick.url()})
	h.raise("fever-1", "fever")
	h.n.Tick(ctx) // both sends start; the slow one hangs
	h.raise("fever-2", "fever")
	for len(quick.messages()) < 2 {
		h.n.Tick(ctx)
		time.Sleep(time.Millisecond) // let the quick sends run; no time is asserted
	}
	close(release)
	h.n.Wait()
	if n := len(slow.messages()); n == 0 {
		t.Errorf("the slow receiver got nothing once it answered")
	}
}

func TestChannelsChooseAlertsBySiteRegionSeverityAndKind(t *testing.T) {
	scope := map[string][]string{"sunshine-garden": {"changzhou", "wujin", "hutang"}, "riverside-market": {"changzhou", "xinbei"}}
	a := func(site, kind string) store.Alert {
		return store.Alert{Site: site, Kind: kind, Severity: store.SeverityOf(kind)}
	}
	for _, tc := range []struct {
		name string
		c    Channel
		a    store.Alert
		want bool
	}{
		{"every site", Channel{}, a("riverside-market", "overstay"), true},
		{"its site", Channel{Sites: []string{"sunshine-garden"}}, a("sunshine-garden", "fever"), true},
		{"another site", Channel{Sites: []string{"sunshine-garden"}}, a("riverside-market", "fever"), false},
		{"its district", Channel{Regions: []string{"wujin"}}, a("sunshine-garden", "fever"), true},
		{"its city", Channel{Regions: []string{"changzhou"}}, a("riverside-market", "fever"), true},
		{"another district", Channel{Regions: []string{"wujin"}}, a("riverside-market", "fever"), false},
		{"severity below", Channel{MinSeverity: "high"}, a("sunshine-garden", "device"), false},
		{"severity at", Channel{MinSeverity: "medium"}, a("sunshine-garden", "device"), true},
		{"kind listed", Channel{Kinds: []string{"fever", "health_code_red"}}, a("sunshine-garden", "health_code_red"), true},
		{"kind not listed", Channel{Kinds: []string{"fever"}}, a("sunshine-garden", "offline"), false},
	} {
		if got := tc.c.wants(tc.a, scope[tc.a.Site]); got != tc.want {
			t.Errorf("%s: wants %v, want %v", tc.name, got, tc.want)
		}
	}
}

func TestAlertsFirstSeenLongAfterTheyWereRaisedAreNotSent(t *testing.T) {
	var h *harness
	hook := newReceiver(t, KindWebhook, "a-long-shared-secret", func() time.Time { return h.clock.Now() })
	h = newHarness(t, Channel{Name: "hq", Kind: KindWebhook, URL: hook.url(), Secret: "a-long-shared-secret"})
	h.raise("fever-old", "fever")
	h.clock.add(DefaultMaxAge + time.Minute) // notifications switched on a day later
	h.cycle()
	if n := len(hook.messages()); n != 0 || len(h.rows("fever-old")) != 0 {
		t.Fatalf("sent %d for an alert a day old", n)
	}
	if un, _ := h.st.UnnoticedAlerts(ctx, 10); len(un) != 0 {
		t.Errorf("the old alert is still unnoticed: it would be looked at every poll")
	}
}

func TestHostileDetailCannotForgeALinkOrOverflowTheRobot(t *testing.T) {
	var h *harness
	wecom := newReceiver(t, KindWeCom, "", func() time.Time { return h.clock.Now() })
	h = newHarness(t, Channel{Name: "w", Kind: KindWeCom, URL: wecom.url()})
	a := store.Alert{ID: "forged", Site: "sunshine-garden", Unit: "north-gate", Kind: "fever", RaisedAt: h.clock.Now(),
		Severity: store.SeverityHigh, Detail: "[点此确认](https://evil.example/)\n### 已解除 <font color=\"info\">" + strings.Repeat("烧", 100000)}
	if _, err := h.st.RaiseAlert(ctx, a); err != nil {
		t.Fatal(err)
	}
	h.cycle()
	got := wecom.messages()
	if len(got) != 1 {
		t.Fatalf("WeCom got %d; refused %v", len(got), wecom.refusals())
	}
	md := got[0].Markdown
	if strings.Contains(md, "](https://evil") || strings.Contains(md, "\n### 已解除") || strings.Contains(md, "<font") {
		t.Errorf("the unit's detail became markdown:\n%.400s", md)
	}
	if len(md) > 4096 {
		t.Errorf("message of %d bytes; WeCom takes 4,096", len(md))
	}
}

// Several collectors poll one store at once: each alert reaches each
// channel once.
func TestCollectorsSharingAStoreSendEachNotificationOnce(t *testing.T) {
	var h *harness
	hook := newReceiver(t, KindWebhook, "a-long-shared-secret", func() time.Time { return h.clock.Now() })
	h = newHarness(t, Channel{Name: "hq", Kind: KindWebhook, URL: hook.url(), Secret: "a-long-shared-secret"})
	sendersAgree(t, h, hook, h.st)
}

func sendersAgree(t *testing.T, h *harness, hook *receiver, st Store) {
	var ns []*Notifier
	for i := range 3 {
		o := h.opts
		o.Owner = fmt.Sprint("collector-", i)
		n, err := New(st, o)
		if err != nil {
			t.Fatal(err)
		}
		ns = append(ns, n)
	}
	raiser := st.(interface {
		RaiseAlert(context.Context, store.Alert) (bool, error)
	})
	for i := range 20 {
		if _, err := raiser.RaiseAlert(ctx, store.Alert{ID: fmt.Sprint("f-", i), Site: "s", Unit: "u", Kind: "fever",
			RaisedAt: h.clock.Now(), Severity: store.SeverityHigh}); err != nil {
			t.Fatal(err)
		}
	}
	var wg sync.WaitGroup
	for _, n := range ns {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for range 5 {
				n.Tick(ctx)
			}
			n.Wait()
		}()
	}
	wg.Wait()
	for _, n := range ns { // whatever is left
		n.Tick(ctx)
		n.Wait()
	}
	seen := map[string]int{}
	for _, m := range hook.messages() {
		seen[m.Delivery]++
	}
	if len(seen) != 20 {
		t.Errorf("%d alerts delivered, want 20", len(seen))
	}
	for d, k := range seen {
		if k != 1 {
			t.Errorf("%s delivered %d times", d, k)
		}
	}
}
