package unit

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/kakou/kakou/firmware/policy"
	"github.com/kakou/kakou/firmware/wire"
)

func TestUnitRunsTheRetainedPushOnConnectAndALivePushAtOnce(t *testing.T) {
	b := startTestBroker(t)
	b.publish(t, "u1", pushFor(t, "closed-1")) // chosen while the unit was off
	dataDir := filepath.Join(t.TempDir(), "data")
	u := newSimUnit(t, dataDir, b.url, newLogSink())
	run(t, u)

	b.awaitStatus(t, "closed-1")
	entryUnder(t, u, "closed-1")
	if v := savedVersion(t, dataDir); v != "closed-1" {
		t.Fatalf("saved push is %q, want closed-1", v)
	}

	b.publish(t, "u1", pushFor(t, "closed-2"))
	b.awaitStatus(t, "closed-2")
	if v := u.policy.Current().Version; v != "closed-2" {
		t.Fatalf("status says closed-2 but the unit screens with %q", v)
	}
	// The entry after the last one logged may have been decided just
	// before the switch; the one after it cannot have been.
	seq := lastSeq(t, u)
	if e := entryAfter(t, u, seq+1); e.PolicyVersion != "closed-2" {
		t.Fatalf("entry seq %d after the switch decided under %q, want closed-2", e.Seq, e.PolicyVersion)
	}
	checkVersionsInOrder(t, u, "default-1", "closed-1", "closed-2")
	if v := savedVersion(t, dataDir); v != "closed-2" {
		t.Fatalf("saved push is %q, want closed-2", v)
	}
	if tmp, _ := filepath.Glob(filepath.Join(dataDir, "*.tmp")); len(tmp) > 0 {
		t.Fatalf("temporary files left behind: %v", tmp)
	}
}

func TestUnitRefusesAnInvalidPushAndKeepsDecidingUnderTheOldOne(t *testing.T) {
	b := startTestBroker(t)
	b.publish(t, "u1", pushFor(t, "closed-1"))
	dataDir := filepath.Join(t.TempDir(), "data")
	log := newLogSink()
	u := newSimUnit(t, dataDir, b.url, log)
	run(t, u)
	b.awaitStatus(t, "closed-1")

	badValue := pushFor(t, "closed-2")
	badValue.Document = strings.Replace(badValue.Document, "fever_threshold_c = 37.3", "fever_threshold_c = 45\nfrobnicate = 1", 1)
	badSyntax := pushFor(t, "closed-3")
	badSyntax.Document = "version = \"closed-3\"\nfacility = "
	mismatch := pushFor(t, "closed-4")
	mismatch.Version = "closed-5" // the document still says closed-4
	for i, p := range []wire.PolicyPush{badValue, badSyntax, mismatch} {
		b.publish(t, "u1", p)
		logged := log.await(t, "policy push refused", i+1)
		if !strings.Contains(logged, "running=closed-1") {
			t.Fatalf("refusal of %s does not say what keeps running:\n%s", p.Version, logged)
		}
	}
	logged := log.String()
	for _, want := range []string{"fever_threshold_c", "frobnicate", "unknown key", `document says \"closed-4\"`} {
		if !strings.Contains(logged, want) {
			t.Errorf("the refusals do not mention %s:\n%s", want, logged)
		}
	}

	sameVersion := pushFor(t, "closed-1")
	sameVersion.Document += "\n# edited without a new version\n"
	b.publish(t, "u1", sameVersion)
	log.await(t, "same version as the one running but a different document", 1)

	if e := entryAfter(t, u, lastSeq(t, u)); e.PolicyVersion != "closed-1" {
		t.Fatalf("after the refusals entry seq %d decided under %q, want closed-1", e.Seq, e.PolicyVersion)
	}
	if v := savedVersion(t, dataDir); v != "closed-1" {
		t.Fatalf("a refused push replaced the saved one: %q", v)
	}
	if strings.Count(logged, "policy switched") != 1 {
		t.Fatalf("policy switched other than once, to closed-1:\n%s", logged)
	}
}

func TestUnitIgnoresAPushForAnotherUnit(t *testing.T) {
	b := startTestBroker(t)
	log := newLogSink()
	u := newSimUnit(t, filepath.Join(t.TempDir(), "data"), b.url, log)
	run(t, u)
	b.awaitStatus(t, "default-1")

	b.publish(t, "u2", pushFor(t, "closed-8")) // another unit's topic
	foreign := pushFor(t, "closed-9")
	foreign.Unit = "u2"
	b.publish(t, "u1", foreign)                // this unit's topic, for another
	b.publish(t, "u1", pushFor(t, "closed-1")) // after the others on the same topic
	b.awaitStatus(t, "closed-1")
	checkVersionsInOrder(t, u, "default-1", "closed-1")

	u.onPolicy(foreign) // were the uplink to hand it over after all
	if logged := log.await(t, "policy push refused", 1); !strings.Contains(logged, "this unit is s1/u1") {
		t.Fatalf("refusal does not say whose push it was:\n%s", logged)
	}
	if v := u.policy.Current().Version; v != "closed-1" {
		t.Fatalf("running %q after another unit's push, want closed-1", v)
	}
}

func TestUnitRestartsOnTheSavedPushWithoutABroker(t *testing.T) {
	b := startTestBroker(t)
	b.publish(t, "u1", pushFor(t, "closed-1"))
	dataDir := filepath.Join(t.TempDir(), "data")
	u := newSimUnit(t, dataDir, b.url, newLogSink())
	stop := run(t, u)
	b.awaitStatus(t, "closed-1")
	stop()
	b.stop() // the link is down when the unit comes back

	u = newSimUnit(t, dataDir, "tcp://127.0.0.1:1", newLogSink())
	if v := u.policy.Current().Version; v != "closed-1" {
		t.Fatalf("after a restart without the broker the unit runs %q, want the pushed closed-1", v)
	}
	run(t, u)
	if e := entryAfter(t, u, lastSeq(t, u)); e.PolicyVersion != "closed-1" {
		t.Fatalf("after the restart entry seq %d decided under %q, want closed-1", e.Seq, e.PolicyVersion)
	}
}

func TestUnitIgnoresASavedPushItCannotUse(t *testing.T) {
	foreign := pushFor(t, "closed-1")
	foreign.Unit = "u2"
	for name, save := range map[string]func(path string) error{
		"not JSON":         func(path string) error { return os.WriteFile(path, []byte("{half"), 0o600) },
		"for another unit": func(path string) error { return savePush(path, foreign) },
	} {
		t.Run(name, func(t *testing.T) {
			dataDir := t.TempDir()
			if err := save(filepath.Join(dataDir, pushedFile)); err != nil {
				t.Fatal(err)
			}
			log := newLogSink()
			u := newSimUnit(t, dataDir, "tcp://127.0.0.1:1", log)
			defer u.Close()
			if v := u.policy.Current().Version; v != "default-1" {
				t.Fatalf("runs %q from an unusable saved push, want the local default-1", v)
			}
			if !strings.Contains(log.String(), "saved policy push not used") {
				t.Fatalf("unusable saved push not reported:\n%s", log.String())
			}
		})
	}
}

func TestPushedPolicyTakesPrecedenceOnlyWithinItsDates(t *testing.T) {
	now := time.Date(2022, 2, 1, 8, 0, 0, 0, time.UTC)
	local := policy.Default()
	undated := mustParse(t, pushFor(t, "closed-1"))
	dated := func(from, to time.Time) policy.Policy {
		p := undated
		p.EffectiveFrom, p.EffectiveTo = from, to
		return p
	}
	for _, c := range []struct {
		name   string
		pushed policy.Policy
		synced bool
		want   string
	}{
		{"undated, clock synced", undated, true, "closed-1"},
		{"undated, clock not synced", undated, false, "closed-1"},
		{"in effect", dated(now.Add(-time.Hour), now.Add(time.Hour)), true, "closed-1"},
		{"not yet", dated(now.Add(time.Hour), time.Time{}), true, local.Version},
		{"over", dated(time.Time{}, now), true, local.Version},
		{"dated, clock not synced", dated(now.Add(-time.Hour), time.Time{}), false, local.Version},
	} {
		u := &Unit{rules: &rules{policies: []policy.Policy{local}}}
		u.push.push, u.push.pol = wire.PolicyPush{Version: c.pushed.Version}, c.pushed
		if got, _ := u.inForce(now, c.synced); got.Version != c.want {
			t.Errorf("%s: in force %q, want %q", c.name, got.Version, c.want)
		}
	}
}

func mustParse(t *testing.T, p wire.PolicyPush) policy.Policy {
	t.Helper()
	pol, err := checkPush(p, "s1", "u1")
	if err != nil {
		t.Fatal(err)
	}
	return pol
}

// A unit that never had a push decides as before.
func TestUnitWithoutAPushRunsItsLocalPolicy(t *testing.T) {
	u := newSimUnit(t, t.TempDir(), "tcp://127.0.0.1:1", newLogSink())
	defer u.Close()
	if p, pushed := u.inForce(time.Now(), true); pushed || p.Version != "default-1" {
		t.Fatalf("in force %q (pushed %v), want the local default-1", p.Version, pushed)
	}
}
