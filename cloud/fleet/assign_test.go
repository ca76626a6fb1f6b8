package fleet

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/kakou/kakou/cloud/region"
	"github.com/kakou/kakou/cloud/store"
	"github.com/kakou/kakou/firmware/wire"
)

// placed is setup's fleet with the estate (a community) in Hutang, in
// Wujin district, and the mart (a supermarket) in Niutang, also in Wujin.
func placed(t *testing.T) (*Fleet, *recorder) {
	t.Helper()
	f, st, rec := setup(t)
	tree, probs := region.New([]region.Node{{ID: "wujin"}, {ID: "hutang", Parent: "wujin"}, {ID: "niutang", Parent: "wujin"}},
		[]region.Place{{Site: "estate", Region: "hutang"}, {Site: "mart", Region: "niutang"}})
	if len(probs) > 0 {
		t.Fatal(probs)
	}
	f.PlaceIn(tree)
	if err := st.PutSites(context.Background(), []store.Site{{ID: "estate", Name: "阳光花园", Facility: "community"},
		{ID: "mart", Name: "超市", Facility: "supermarket"}}); err != nil {
		t.Fatal(err)
	}
	return f, rec
}

func profileAt(rec *recorder, site, unit string) string {
	rec.mu.Lock()
	defer rec.mu.Unlock()
	return rec.retained[wire.PolicyTopic(site, unit)].Profile
}

// wantedNow is the profile Wanted chooses for each unit from what is stored.
func wantedNow(t *testing.T, f *Fleet) map[string]string {
	t.Helper()
	ctx := context.Background()
	units, err := f.store.Units(ctx, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	sites, _ := f.store.Sites(ctx)
	as, _ := f.store.Assignments(ctx)
	out := map[string]string{}
	for id, a := range Wanted(units, sites, as, f.regions.Path) {
		out[id.String()] = a.Profile
	}
	return out
}

// TestTheMostSpecificChoiceThatFitsDecides walks the precedence: a region
// choice reaches only units of its profile's type, a facility type in a
// region beats the region, the site beats that, the unit beats the site.
func TestTheMostSpecificChoiceThatFitsDecides(t *testing.T) {
	f, rec := placed(t)
	ctx := context.Background()
	steps := []struct {
		scope, target, profile string
		estate1, estate2, mart string // what each unit runs after the step
	}{
		{"region", "wujin", "class-b", "class-b", "class-b", ""}, // a community profile: the mart keeps none
		{"facility", "wujin/supermarket", "supermarket-normal", "class-b", "class-b", "supermarket-normal"},
		{"region", "hutang", "community-outbreak", "community-outbreak", "community-outbreak", "supermarket-normal"}, // deeper region
		{"facility", "community", "community-normal", "community-normal", "community-normal", "supermarket-normal"},  // a type beats a region
		{"facility", "wujin/community", "community-closed", "community-closed", "community-closed", "supermarket-normal"},
		{"site", "estate", "class-b", "class-b", "class-b", "supermarket-normal"},
		{"unit", "estate/gate-2", "community-closed", "class-b", "community-closed", "supermarket-normal"},
	}
	for _, s := range steps {
		if _, err := f.Assign(ctx, s.scope, s.target, s.profile, "指挥部"); err != nil {
			t.Fatalf("Assign %s %s %s: %v", s.scope, s.target, s.profile, err)
		}
		w := wantedNow(t, f)
		got := [3]string{w["estate/gate-1"], w["estate/gate-2"], w["mart/door-1"]}
		if want := [3]string{s.estate1, s.estate2, s.mart}; got != want {
			t.Errorf("after %s %s = %s: units run %v, want %v", s.scope, s.target, s.profile, got, want)
		}
	}
	if p := profileAt(rec, "mart", "door-1"); p != "supermarket-normal" {
		t.Errorf("the supermarket was pushed %s", p)
	}
}

// TestAssignRefusesUnknownTargetsAndAnotherFacilitysProfile: every
// target must name something the centre knows, and a care-home profile
// never reaches a supermarket; the message names both types.
func TestAssignRefusesUnknownTargetsAndAnotherFacilitysProfile(t *testing.T) {
	f, rec := placed(t)
	for _, tt := range []struct {
		scope, target, profile string
		want                   error
		says                   string
	}{
		{"site", "nosuch", "class-b", ErrTarget, "nosuch"},
		{"unit", "estate/gate-9", "class-b", ErrTarget, "estate/gate-9"},
		{"unit", "mart/gate-1", "class-b", ErrTarget, "mart/gate-1"}, // the estate's gate-1, not the mart's
		{"region", "nosuch", "class-b", ErrTarget, "nosuch"},
		{"facility", "wujin/spaceport", "class-b", ErrTarget, "spaceport"},
		{"facility", "nosuch/community", "class-b", ErrTarget, "nosuch"},
		{"facility", "wujin/supermarket", "class-b", ErrFacility, "community, not supermarket"},
		{"site", "mart", "nursing-home-outbreak", ErrFacility, "nursing_home; site mart is a supermarket"},
		{"unit", "mart/door-1", "nursing-home-outbreak", ErrFacility, "supermarket"},
		{"city", "wujin", "class-b", ErrTarget, "scope"},
	} {
		_, err := f.Assign(context.Background(), tt.scope, tt.target, tt.profile, "x")
		if !errors.Is(err, tt.want) || !strings.Contains(err.Error(), tt.says) {
			t.Errorf("Assign(%s %s %s) = %v; want %v saying %q", tt.scope, tt.target, tt.profile, err, tt.want, tt.says)
		}
	}
	if p := profileAt(rec, "mart", "door-1"); p != "" {
		t.Errorf("the mart was sent %s", p)
	}
}

// TestAProfileDroppedIntoTheFolderIsOfferedWithoutRestart, and a broken
// one is reported while the others stay in use.
func TestAProfileDroppedIntoTheFolderIsOfferedWithoutRestart(t *testing.T) {
	f, _ := placed(t)
	dir := t.TempDir()
	doc, err := os.ReadFile("../../configs/policies/class-b.toml")
	if err != nil {
		t.Fatal(err)
	}
	write := func(name, body string) {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(body), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	write("class-b.toml", string(doc))
	f.WatchDir(dir)
	names := func() string {
		var n []string
		for _, p := range f.Profiles() {
			n = append(n, p.Name)
		}
		return strings.Join(n, ",")
	}
	if got := names(); got != "class-b" {
		t.Fatalf("profiles %s, want class-b", got)
	}
	write("spring-festival.toml", strings.Replace(string(doc), `version = "class-b-1"`, `version = "spring-festival-1"
effective_from = 2023-01-21T00:00:00+08:00
effective_to = 2023-01-28T00:00:00+08:00`, 1))
	write("broken.toml", "version = \n")
	if got := names(); got != "class-b,spring-festival" {
		t.Fatalf("profiles %s after dropping one in, want class-b,spring-festival", got)
	}
	if probs := f.Problems(); len(probs) != 1 || !strings.Contains(probs[0], "broken.toml") {
		t.Fatalf("problems %q, want broken.toml named", probs)
	}
	p, _ := f.profile("spring-festival")
	if p.EffectiveFrom == nil || !p.EffectiveFrom.Equal(time.Date(2023, 1, 20, 16, 0, 0, 0, time.UTC)) || p.EffectiveTo == nil {
		t.Errorf("effective dates %v … %v", p.EffectiveFrom, p.EffectiveTo)
	}
	if _, err := f.Assign(context.Background(), "site", "estate", "spring-festival", "指挥部"); err != nil {
		t.Fatalf("the new profile cannot be chosen: %v", err)
	}
	os.Remove(filepath.Join(dir, "broken.toml"))
	if probs := f.Problems(); len(probs) != 0 {
		t.Errorf("problems %q after the broken file left", probs)
	}
}

// TestSummaryListsEveryRuleForTheScreensComparison: the summary the
// policy screen compares holds the thresholds and each check's settings.
func TestSummaryListsEveryRuleForTheScreensComparison(t *testing.T) {
	f, _ := placed(t)
	p, ok := f.profile("community-closed")
	if !ok {
		t.Fatal("no community-closed")
	}
	for _, k := range []string{"checks.temperature.mode", "checks.nucleic_acid.window"} {
		if p.Summary[k] == "" {
			t.Errorf("summary lacks %s: %v", k, p.Summary)
		}
	}
	if _, ok := p.Summary["version"]; ok {
		t.Error("the summary repeats the version")
	}
}

// FuzzParseProfile: any document a staff member drops into the folder is
// read or refused, never a panic, and a profile read has a version and a
// facility type.
func FuzzParseProfile(f *testing.F) {
	paths, _ := filepath.Glob("../../configs/policies/*.toml")
	for _, p := range paths {
		if b, err := os.ReadFile(p); err == nil {
			f.Add(b)
		}
	}
	for _, s := range []string{"", "version = 1", "version = \"v\"\nfacility = \"a/b\"", "effective_from = \"tomorrow\"", "[checks]\nx = [1, {a = 2}]"} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		p, err := parseProfile(b)
		if err == nil && (p.Version == "" || p.Facility == "") {
			t.Fatalf("read a profile without version or facility: %+v", p)
		}
	})
}

// TestProfilesReadAgainWhileChoicesAreMade: the folder changing under
// the policy view and the reconciler while an operator chooses is safe
// (run with -race); every choice made is of a profile that loaded.
func TestProfilesReadAgainWhileChoicesAreMade(t *testing.T) {
	f, _ := placed(t)
	dir := t.TempDir()
	doc, _ := os.ReadFile("../../configs/policies/class-b.toml")
	os.WriteFile(filepath.Join(dir, "class-b.toml"), doc, 0o600)
	f.WatchDir(dir)
	done := make(chan struct{})
	go func() {
		defer close(done)
		for i := range 50 {
			os.WriteFile(filepath.Join(dir, fmt.Sprintf("extra-%d.toml", i)),
				[]byte(strings.Replace(string(doc), `version = "class-b-1"`, fmt.Sprintf(`version = "extra-%d"`, i), 1)), 0o600)
			f.Profiles()
		}
	}()
	for range 50 {
		if _, err := f.Assign(context.Background(), "site", "estate", "class-b", "指挥部"); err != nil {
			t.Fatal(err)
		}
		f.Problems()
	}
	<-done
	if n := len(f.Profiles()); n != 51 {
		t.Errorf("%d profiles after the writes, want 51", n)
	}
}
