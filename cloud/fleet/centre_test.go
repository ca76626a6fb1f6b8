package fleet

import (
	"context"
	"crypto/ed25519"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/kakou/kakou/cloud/region"
	"github.com/kakou/kakou/cloud/store"
	"github.com/kakou/kakou/cloud/store/sqlite"
	"github.com/kakou/kakou/firmware/wire"
)

// countingTopics records each retained publish, counting them per topic.
type countingTopics struct {
	mu    sync.Mutex
	last  map[string][]byte
	count map[string]int
}

func newCountingTopics() *countingTopics {
	return &countingTopics{last: map[string][]byte{}, count: map[string]int{}}
}

func (c *countingTopics) PublishRetained(_ context.Context, topic string, b []byte) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.last[topic], c.count[topic] = b, c.count[topic]+1
	return nil
}

// centreFixture is a store with devices of two sites (armv6 and arm64
// units, one without an arch, a gateway) and an armv6 release.
func centreFixture(t testing.TB) (*Centre, *sqlite.Store, *countingTopics, ed25519.PublicKey) {
	t.Helper()
	st, err := sqlite.Open(filepath.Join(t.TempDir(), "cloud.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	put := func(site, unit, arch, role string) {
		s := wire.Status{Schema: wire.SchemaVersion, Site: site, Unit: unit, State: wire.Online, Firmware: "1.4.0", Arch: arch, Role: role}
		if err := st.PutStatus(context.Background(), s, time.Now()); err != nil {
			t.Fatal(err)
		}
	}
	put("s1", "a", "armv6", "")
	put("s1", "b", "armv6", "")
	put("s1", "old", "", "")
	put("s1", "gw", "arm64", wire.RoleGateway)
	put("s2", "c", "arm64", "")
	dir := t.TempDir()
	p := filepath.Join(dir, "kakou-unit", "1.5.0", "armv6")
	os.MkdirAll(p, 0o755)
	os.WriteFile(filepath.Join(p, "kakou-unit"), []byte("kakou-unit 1.5.0"), 0o644)
	pubKey, priv, _ := ed25519.GenerateKey(nil)
	topics := newCountingTopics()
	c := NewCentre(st, topics, dir, "https://kakou.example.cn:8443", nil)
	c.SignWith(priv)
	return c, st, topics, pubKey
}

var s1a, s1b = store.UnitID{Site: "s1", Unit: "a"}, store.UnitID{Site: "s1", Unit: "b"}

func TestCentreStartsWithTheCanaryAndListsWhoCannotBePushedAndWhy(t *testing.T) {
	c, _, topics, pub := centreFixture(t)
	got, err := c.Start(context.Background(), StartRequest{Program: "kakou-unit", Version: "1.5.0",
		Scope: store.RolloutScope{Sites: []string{"s1", "s2"}}, Canary: []store.UnitID{s1a}, By: "zhang"})
	if err != nil {
		t.Fatal(err)
	}
	if got.Stage != store.RolloutCanary || got.Pushed != 1 || got.Devices != 4 || len(got.Skipped) != 2 {
		t.Fatalf("start: %+v, want the canary pushed, old (no arch) and c (no arm64 binary) skipped", got)
	}
	why := fmt.Sprint(got.Skipped)
	if !strings.Contains(why, "no architecture") || !strings.Contains(why, "no 1.5.0 binary for arm64") {
		t.Errorf("skipped without a clear why: %s", why)
	}
	p, err := wire.DecodeUpdatePush(topics.last[wire.UpdateTopic("s1", "a")])
	if err != nil || !p.Canary || p.Arch != "armv6" || wire.VerifyUpdate(&p, pub) != nil {
		t.Fatalf("canary push %+v, %v", p, err)
	}
	if len(topics.last) != 1 {
		t.Errorf("the canary stage published to %d devices, want the canary only", len(topics.last))
	}
	r, _ := c.Rollout(context.Background(), "kakou-unit", "1.5.0")
	devs, err := c.Devices(context.Background(), r)
	skipped := map[string]string{}
	for _, d := range devs {
		skipped[d.Unit.String()] = d.Skipped
	}
	if err != nil || len(devs) != 4 || skipped["s1/a"] != "" || !strings.Contains(skipped["s1/old"], "no architecture") ||
		!strings.Contains(skipped["s2/c"], "no 1.5.0 binary for arm64") {
		t.Errorf("the scope's devices %v, %v", skipped, err)
	}
}

func TestCentrePromotesOnlyOnceEveryCanaryKeptTheVersion(t *testing.T) {
	c, st, topics, _ := centreFixture(t)
	ctx := context.Background()
	req := StartRequest{Program: "kakou-unit", Version: "1.5.0", Scope: store.RolloutScope{Sites: []string{"s1"}},
		Canary: []store.UnitID{s1a}, By: "zhang"}
	if _, err := c.Start(ctx, req); err != nil {
		t.Fatal(err)
	}
	if _, err := c.Start(ctx, req); !errors.Is(err, ErrRolloutConflict) {
		t.Fatalf("starting it twice: %v, want a conflict", err)
	}
	if _, err := c.Promote(ctx, "kakou-unit", "1.5.0", "li", false); !errors.Is(err, ErrRolloutConflict) || !strings.Contains(err.Error(), "s1/a") {
		t.Fatalf("promoting before the canary reported: %v, want a conflict naming s1/a", err)
	}
	report := func(phase, reason string) {
		st.PutUpdateReport(ctx, s1a, wire.UpdateReport{Program: "kakou-unit", Version: "1.5.0", Previous: "1.4.0", Phase: phase, Reason: reason, Canary: true}, time.Now())
	}
	report("rolled-back", "not healthy within 2m0s")
	if _, err := c.Promote(ctx, "kakou-unit", "1.5.0", "li", false); err == nil || !strings.Contains(err.Error(), "not healthy") {
		t.Fatalf("promoting after the canary rolled back: %v, want its reason", err)
	}
	report("kept", "")
	key := c.key
	c = NewCentre(st, topics, c.dir, c.baseURL, nil) // the collector restarted: the store holds the stage
	c.SignWith(key)
	var wg sync.WaitGroup
	var mu sync.Mutex
	var ok int
	for range 4 { // four operators press promote at once
		wg.Add(1)
		go func() {
			defer wg.Done()
			if _, err := c.Promote(ctx, "kakou-unit", "1.5.0", "li", false); err == nil {
				mu.Lock()
				ok++
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
	if ok != 1 {
		t.Fatalf("%d promotions went through, want 1", ok)
	}
	if topics.count[wire.UpdateTopic("s1", "b")] != 1 || topics.count[wire.UpdateTopic("s1", "a")] != 1 {
		t.Errorf("pushes per device %v, want one each", topics.count)
	}
	r, _ := c.Rollout(ctx, "kakou-unit", "1.5.0")
	if r.Stage != store.RolloutFleet || r.ChangedBy != "li" {
		t.Errorf("rollout after promotion %+v", r)
	}
}

func TestCentreRefusesWhatNoRolloutCanBe(t *testing.T) {
	c, _, topics, _ := centreFixture(t)
	for _, tc := range []struct {
		name string
		req  StartRequest
		want string
	}{
		{"a traversal version", StartRequest{Program: "kakou-unit", Version: "../../etc"}, "semver"},
		{"a traversal program", StartRequest{Program: "../kakou-unit", Version: "1.5.0"}, "program"},
		{"a version with no binary", StartRequest{Program: "kakou-unit", Version: "9.9.9"}, "no 9.9.9 binary"},
		{"a canary outside the scope", StartRequest{Program: "kakou-unit", Version: "1.5.0",
			Scope: store.RolloutScope{Sites: []string{"s1"}}, Canary: []store.UnitID{{Site: "s2", Unit: "c"}}}, "canary s2/c"},
		{"a canary with no binary for its arch", StartRequest{Program: "kakou-unit", Version: "1.5.0",
			Canary: []store.UnitID{{Site: "s2", Unit: "c"}}}, "canary s2/c"},
		{"an empty scope", StartRequest{Program: "kakou-unit", Version: "1.5.0", Scope: store.RolloutScope{Sites: []string{"nowhere"}}}, "no kakou-unit device"},
		{"an unknown region", StartRequest{Program: "kakou-unit", Version: "1.5.0", Scope: store.RolloutScope{Region: "east"}}, "region"},
		{"a gateway release to units only", StartRequest{Program: "kakou-gateway", Version: "1.5.0", Scope: store.RolloutScope{Sites: []string{"s2"}}}, "no kakou-gateway device"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := c.Start(context.Background(), tc.req)
			if !errors.Is(err, ErrRolloutRequest) || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("%v, want a request error saying %q", err, tc.want)
			}
		})
	}
	if len(topics.last) != 0 {
		t.Errorf("a refused rollout published %v", topics.count)
	}
}

func TestCentreStopClearsThePushesOfDevicesThatHaveNotKeptIt(t *testing.T) {
	c, st, topics, _ := centreFixture(t)
	ctx := context.Background()
	if _, err := c.Start(ctx, StartRequest{Program: "kakou-unit", Version: "1.5.0", Scope: store.RolloutScope{Sites: []string{"s1"}}}); err != nil {
		t.Fatal(err)
	}
	st.PutUpdateReport(ctx, s1a, wire.UpdateReport{Program: "kakou-unit", Version: "1.5.0", Previous: "1.4.0", Phase: "kept"}, time.Now())
	got, err := c.Stop(ctx, "kakou-unit", "1.5.0", "li")
	if err != nil {
		t.Fatal(err)
	}
	if got.Pushed != 2 || len(topics.last[wire.UpdateTopic("s1", "b")]) != 0 || len(topics.last[wire.UpdateTopic("s1", "a")]) == 0 {
		t.Fatalf("stop cleared %d (b: %q), want b and old cleared, a (kept) left", got.Pushed, topics.last[wire.UpdateTopic("s1", "b")])
	}
	if _, err := c.Stop(ctx, "kakou-unit", "1.5.0", "li"); !errors.Is(err, ErrRolloutConflict) {
		t.Errorf("stopping twice: %v", err)
	}
	if _, err := c.Promote(ctx, "kakou-unit", "1.5.0", "li", true); !errors.Is(err, ErrRolloutConflict) {
		t.Errorf("promoting a stopped rollout: %v", err)
	}
}

// failingTopics fails every publish after the first n.
type failingTopics struct{ n int }

func (f *failingTopics) PublishRetained(context.Context, string, []byte) error {
	if f.n == 0 {
		return errors.New("broker gone")
	}
	f.n--
	return nil
}

func TestCentreScopedToARegionPushesItsSitesOnlyAndAGatewayReleaseItsGateways(t *testing.T) {
	c, _, topics, _ := centreFixture(t)
	c.regions, _ = region.New([]region.Node{{ID: "east", Name: "东区"}}, []region.Place{{Site: "s1", Region: "east"}})
	p := filepath.Join(c.dir, "kakou-gateway", "1.5.0", "arm64")
	os.MkdirAll(p, 0o755)
	os.WriteFile(filepath.Join(p, "kakou-gateway"), []byte("kakou-gateway 1.5.0"), 0o644)
	got, err := c.Start(context.Background(), StartRequest{Program: "kakou-gateway", Version: "1.5.0", Scope: store.RolloutScope{Region: "east"}})
	if err != nil || got.Pushed != 1 || got.Devices != 1 {
		t.Fatalf("a gateway rollout to east: %+v, %v", got, err)
	}
	if len(topics.last) != 1 || topics.last[wire.UpdateTopic("s1", "gw")] == nil {
		t.Errorf("pushed %v, want s1's gateway only", topics.count)
	}
}

func TestCentreSaysHowToResendWhenTheBrokerFailsMidway(t *testing.T) {
	c, _, _, _ := centreFixture(t)
	c.pub = &failingTopics{n: 1}
	_, err := c.Start(context.Background(), StartRequest{Program: "kakou-unit", Version: "1.5.0", Scope: store.RolloutScope{Sites: []string{"s1"}}})
	if err == nil || !strings.Contains(err.Error(), "1 pushed: stop it and start it again") {
		t.Fatalf("a start the broker cut: %v", err)
	}
}

func TestCentreWithoutASigningKeyRefusesToStartSayingWhichKey(t *testing.T) {
	c, _, topics, _ := centreFixture(t)
	c.key = nil
	_, err := c.Start(context.Background(), StartRequest{Program: "kakou-unit", Version: "1.5.0"})
	if !errors.Is(err, ErrRolloutRequest) || !strings.Contains(err.Error(), "signing_key_file") || len(topics.last) != 0 {
		t.Fatalf("an unsigned start: %v, pushed %v", err, topics.count)
	}
}
