package unit

import (
	"bytes"
	"crypto/ed25519"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/kakou/kakou/firmware/wire"
)

// pushAt is pushFor issued at at, signed with key unless key is nil (the
// signature covers IssuedAt, so it is set first).
func pushAt(t *testing.T, version string, at time.Time, key ed25519.PrivateKey) wire.PolicyPush {
	t.Helper()
	p := pushFor(t, version)
	p.IssuedAt = at
	if key != nil {
		wire.SignPolicy(&p, key)
	}
	return p
}

// An attacker who recorded an old push, here a laxer one the centre signed
// and later replaced, replays it on the unit's topic: the unit refuses it,
// with or without verify_keys, and keeps the newer one, also after a
// restart with the replay waiting retained on the broker.
func TestUnitRefusesAReplayedOlderPushAndKeepsTheNewerOne(t *testing.T) {
	for _, c := range []struct {
		name   string
		signed bool
	}{{"with verify_keys", true}, {"without verify_keys", false}} {
		t.Run(c.name, func(t *testing.T) {
			var key ed25519.PrivateKey
			newUnit := func(dataDir, broker string, log *logSink) *Unit {
				return newSimUnit(t, dataDir, broker, log)
			}
			if c.signed {
				var pub string
				key, pub = newKey(t)
				newUnit = func(dataDir, broker string, log *logSink) *Unit {
					u, err := newVerifyingUnit(t, dataDir, broker, log, pub)
					if err != nil {
						t.Fatal(err)
					}
					return u
				}
			}
			issued := time.Date(2026, 11, 23, 9, 0, 0, 0, time.UTC)
			lax := pushAt(t, "closed-1", issued, nil)
			lax.Document = strings.Replace(lax.Document, "fever_threshold_c = 37.3", "fever_threshold_c = 39.5", 1)
			if key != nil {
				wire.SignPolicy(&lax, key)
			}
			strict := pushAt(t, "closed-2", issued.Add(time.Hour), key)
			b := startTestBroker(t)
			replay := attacker(t, b.url)
			dataDir := filepath.Join(t.TempDir(), "data")
			log := newLogSink()
			u := newUnit(dataDir, b.url, log)
			stop := run(t, u)
			b.publish(t, "u1", lax)
			b.awaitStatus(t, "closed-1")
			b.publish(t, "u1", strict)
			b.awaitStatus(t, "closed-2")

			replay(lax)
			logged := log.await(t, "older than the running push", 1)
			checkReplayRefused(t, logged, "2026-11-23T09:00:00Z", "2026-11-23T10:00:00Z")
			checkRunsStrict(t, u, dataDir)
			stop()

			// The replay is now the retained message: the restarted unit
			// gets it on connect and refuses it again.
			log = newLogSink()
			u = newUnit(dataDir, b.url, log)
			run(t, u)
			logged = log.await(t, "older than the running push", 1)
			checkReplayRefused(t, logged, "2026-11-23T09:00:00Z", "2026-11-23T10:00:00Z")
			b.awaitStatus(t, "closed-2")
			checkRunsStrict(t, u, dataDir)
		})
	}
}

// checkReplayRefused checks the refusal says when each push was issued,
// why it was refused and what keeps running, and that nothing switched.
func checkReplayRefused(t *testing.T, logged, replayed, running string) {
	t.Helper()
	want := "policy push refused: issued at " + replayed + ", older than the running push issued at " + running + "; a replay"
	if !strings.Contains(logged, want) || !strings.Contains(logged, "running=closed-2") {
		t.Fatalf("the log does not say %q and running=closed-2:\n%s", want, logged)
	}
	if _, after, _ := strings.Cut(logged, want); strings.Contains(after, "policy switched") {
		t.Fatalf("the policy switched after the replay was refused:\n%s", logged)
	}
}

// checkRunsStrict checks u screens with closed-2, the stricter policy,
// and has it saved.
func checkRunsStrict(t *testing.T, u *Unit, dataDir string) {
	t.Helper()
	if p := u.policy.Current(); p.Version != "closed-2" || p.FeverThresholdC != 37.3 {
		t.Fatalf("runs %s with a fever threshold of %v after the replay, want closed-2 with 37.3", p.Version, p.FeverThresholdC)
	}
	if e := entryAfter(t, u, lastSeq(t, u)); e.PolicyVersion != "closed-2" {
		t.Fatalf("after the replay entry seq %d decided under %q, want closed-2", e.Seq, e.PolicyVersion)
	}
	if v := savedVersion(t, dataDir); v != "closed-2" {
		t.Fatalf("the replay replaced the saved push: %q", v)
	}
}

// The retained push the unit runs arrives again on every connection: the
// same version issued at the same time changes nothing and logs nothing.
func TestUnitIgnoresTheRunningPushArrivingAgainQuietly(t *testing.T) {
	key, pub := newKey(t)
	b := startTestBroker(t)
	p := pushAt(t, "closed-1", time.Now().UTC(), key)
	b.publish(t, "u1", p)
	dataDir := filepath.Join(t.TempDir(), "data")
	log := newLogSink()
	u, err := newVerifyingUnit(t, dataDir, b.url, log, pub)
	if err != nil {
		t.Fatal(err)
	}
	run(t, u)
	b.awaitStatus(t, "closed-1") // announced after the switch was logged
	saved, err := os.ReadFile(filepath.Join(dataDir, pushedFile))
	if err != nil {
		t.Fatal(err)
	}
	before := policyLines(log.String())

	u.onPolicy(p) // as the uplink hands over the retained copy on a reconnect

	if after := policyLines(log.String()); after != before {
		t.Fatalf("the running push arriving again was logged:\n%s", strings.TrimPrefix(after, before))
	}
	if again, _ := os.ReadFile(filepath.Join(dataDir, pushedFile)); !bytes.Equal(again, saved) {
		t.Fatal("the running push arriving again rewrote the saved one")
	}
	if v := u.policy.Current().Version; v != "closed-1" {
		t.Fatalf("runs %q, want closed-1", v)
	}
}

// policyLines is the part of a unit's log about its policy; the uplink
// and the lane log on meanwhile.
func policyLines(logged string) string {
	var b strings.Builder
	for _, l := range strings.SplitAfter(logged, "\n") {
		if strings.Contains(l, "policy") {
			b.WriteString(l)
		}
	}
	return b.String()
}
