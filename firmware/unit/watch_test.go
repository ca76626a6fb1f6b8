package unit

import (
	"crypto/ed25519"
	"encoding/json"
	"fmt"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/kakou/kakou/firmware/credential"
	"github.com/kakou/kakou/firmware/wire"
)

var watchDay = time.Now().UTC().Truncate(24 * time.Hour)

// watchTree is the centre's roster version v listing n people in home
// quarantine, P-0 … P-<n-1>, signed with key (nil: unsigned).
func watchTree(t *testing.T, v uint64, n int, key ed25519.PrivateKey) wire.WatchTree {
	t.Helper()
	es := make([]wire.WatchEntry, n)
	for i := range es {
		es[i] = wire.WatchEntry{ID: fmt.Sprintf("w%d", i), Pass: fmt.Sprintf("P-%d", i), Kind: wire.WatchHomeQuarantine,
			Start: watchDay, Plan: "14", Note: strings.Repeat("居家隔离", 5)}
	}
	tree, err := wire.BuildWatch(v, v, es, nil, n, watchDay, "centre")
	if err != nil {
		t.Fatal(err)
	}
	if key != nil {
		wire.SignWatch(&tree.Head, key)
	}
	return tree
}

// push hands u the tree's messages, the head first: the unit must wait for
// the parts that follow it.
func push(t *testing.T, u *Unit, tree wire.WatchTree) {
	t.Helper()
	head, _ := jsonOf(tree.Head)
	u.onWatch(wire.WatchHeadName, head)
	for _, n := range slices.Sorted(maps.Keys(tree.Parts)) {
		u.onWatch(n, tree.Parts[n])
	}
}

func jsonOf(v any) ([]byte, error) { return json.Marshal(v) }

func listed(u *Unit, pass string) bool {
	return u.Roster().Match(credential.RosterQuery{Pass: pass}, time.Now(), true) != nil
}

// TestUnitRunsOnlyTheCentresNewerCompleteRoster: a signed roster of 2,000
// people whose head arrives before its parts is assembled and matched;
// unsigned, forged and older heads and an altered part are refused and the
// roster held stays.
func TestUnitRunsOnlyTheCentresNewerCompleteRoster(t *testing.T) {
	key, pub := newKey(t)
	other, _ := newKey(t)
	log := newLogSink()
	u, err := newVerifyingUnit(t, t.TempDir(), "tcp://127.0.0.1:1", log, pub)
	if err != nil {
		t.Fatal(err)
	}
	defer u.Close()
	good := watchTree(t, 5, 2000, key)
	if len(good.Parts) < 10 {
		t.Fatalf("%d parts: the test wants a roster of many parts", len(good.Parts))
	}
	push(t, u, good)
	if u.Roster().Version() != 5 || !listed(u, "P-1999") {
		t.Fatalf("the centre's roster was not taken (version %d):\n%s", u.Roster().Version(), log)
	}
	altered := watchTree(t, 8, 2001, key)
	for n, b := range altered.Parts {
		if n[0] == 's' {
			altered.Parts[n] = []byte(strings.Replace(string(b), `"P-1"`, `"P-X"`, 1))
		}
	}
	for name, tree := range map[string]wire.WatchTree{
		"unsigned":       watchTree(t, 6, 2001, nil),
		"forged":         watchTree(t, 7, 2001, other),
		"older (replay)": watchTree(t, 4, 2001, key),
		"altered part":   altered,
	} {
		push(t, u, tree)
		if u.Roster().Version() != 5 || listed(u, "P-2000") {
			t.Errorf("%s roster changed what the gate matches", name)
		}
	}
	if n := strings.Count(log.String(), "watch roster refused"); n != 3 {
		t.Errorf("%d head refusals logged, want 3:\n%s", n, log)
	}
	if !strings.Contains(log.String(), "watch roster not assembled") {
		t.Errorf("the altered part was not reported:\n%s", log)
	}
}

// TestUnitRestartsOfflineWithTheSavedRoster: a unit that reboots
// with no broker matches the roster it was last pushed; a newer roster
// replaces the saved parts it no longer names; a part edited on the card
// stops the saved roster from being used.
func TestUnitRestartsOfflineWithTheSavedRoster(t *testing.T) {
	key, pub := newKey(t)
	dir := t.TempDir()
	u, err := newVerifyingUnit(t, dir, "tcp://127.0.0.1:1", newLogSink(), pub)
	if err != nil {
		t.Fatal(err)
	}
	push(t, u, watchTree(t, 5, 500, key))
	push(t, u, watchTree(t, 6, 300, key))
	u.Close()
	files, _ := os.ReadDir(filepath.Join(dir, watchDir))
	for _, f := range files {
		if strings.HasPrefix(f.Name(), "s5-") || strings.HasPrefix(f.Name(), "i5-") {
			t.Errorf("%s of the replaced roster is still on the card", f.Name())
		}
	}

	u, err = newVerifyingUnit(t, dir, "tcp://127.0.0.1:1", newLogSink(), pub)
	if err != nil {
		t.Fatal(err)
	}
	if u.Roster().Version() != 6 || !listed(u, "P-299") || listed(u, "P-300") {
		t.Fatalf("the saved roster was not restored (version %d)", u.Roster().Version())
	}
	push(t, u, watchTree(t, 5, 500, key))
	if u.Roster().Version() != 6 {
		t.Fatal("an older roster was taken after a restart")
	}
	u.Close()

	part := filepath.Join(dir, watchDir, "s6-0.json")
	b, _ := os.ReadFile(part)
	os.WriteFile(part, []byte(strings.Replace(string(b), `"P-1"`, `"P-Z"`, 1)), 0o600)
	log := newLogSink()
	u, err = newVerifyingUnit(t, dir, "tcp://127.0.0.1:1", log, pub)
	if err != nil {
		t.Fatal(err)
	}
	defer u.Close()
	if u.Roster() != nil || !strings.Contains(log.String(), "watch roster not assembled") {
		t.Fatalf("a roster edited on the card was used:\n%s", log)
	}
}

func TestWatchListKeyIsAConfigErrorSayingWhatReplacesIt(t *testing.T) {
	_, err := LoadConfig(writeConfig(t, minimal+"[credentials]\nwatch_list = \"/etc/kakou/watch.json\"\n"))
	if err == nil || !strings.Contains(err.Error(), "credentials.watch_list") || !strings.Contains(err.Error(), "centre pushes") {
		t.Fatalf("got %v", err)
	}
}

// TestGateMatchesWhileANewRosterArrives: scans go on matching, from
// several goroutines as a console and a lane would, while rosters arrive
// and are swapped in; every match sees one whole roster, never a mix
// (run with -race).
func TestGateMatchesWhileANewRosterArrives(t *testing.T) {
	key, pub := newKey(t)
	u, err := newVerifyingUnit(t, t.TempDir(), "tcp://127.0.0.1:1", newLogSink(), pub)
	if err != nil {
		t.Fatal(err)
	}
	defer u.Close()
	push(t, u, watchTree(t, 1, 300, key))
	done := make(chan struct{})
	errs := make(chan string, 4)
	for range 4 {
		go func() {
			for {
				select {
				case <-done:
					errs <- ""
					return
				default:
				}
				r := u.Roster()
				// Version v lists v*100+200 people: P-0 always, the last one
				// only in the roster of its own version.
				last := fmt.Sprintf("P-%d", r.Len()-1)
				if !listedIn(r, "P-0") || !listedIn(r, last) || r.Len() != int(r.Version())*100+200 {
					errs <- fmt.Sprintf("roster %d of %d people is not whole", r.Version(), r.Len())
					return
				}
			}
		}()
	}
	for v := uint64(2); v <= 5; v++ {
		push(t, u, watchTree(t, v, int(v)*100+200, key))
	}
	close(done)
	for range 4 {
		if e := <-errs; e != "" {
			t.Fatal(e)
		}
	}
	if u.Roster().Version() != 5 {
		t.Fatalf("version %d after the last push", u.Roster().Version())
	}
}

func listedIn(r *credential.Roster, pass string) bool {
	return r.Match(credential.RosterQuery{Pass: pass}, time.Now(), true) != nil
}
