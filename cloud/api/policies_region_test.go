package api

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func assignBody(scope, target, profile string) string {
	b, _ := json.Marshal(assignRequest{Scope: scope, Target: target, Profile: profile, By: "指挥部"})
	return string(b)
}

// TestAssigningToWhatDoesNotExistOrDoesNotFitIs400: an unknown site,
// unit, region or facility type; and a care-home profile for a
// supermarket, refused with both types named.
func TestAssigningToWhatDoesNotExistOrDoesNotFitIs400(t *testing.T) {
	f := newRegionFixture(t)
	for _, tt := range []struct{ scope, target, profile, says string }{
		{"site", "nosuch", "class-b", "nosuch"},
		{"unit", "site-a/nosuch", "class-b", "site-a/nosuch"},
		{"region", "nosuch", "class-b", "nosuch"},
		{"facility", "wujin/spaceport", "class-b", "spaceport"},
		{"site", "site-b", "nursing-home-outbreak", "nursing_home; site site-b is a supermarket"},
		{"unit", "site-b/door-1", "nursing-home-outbreak", "supermarket"},
		{"site", "site-a", "nosuch-profile", "no such policy profile"},
	} {
		code, body := f.raw(t, "monitor", "POST", "/api/v1/policies/assign", assignBody(tt.scope, tt.target, tt.profile))
		if code != 400 || !strings.Contains(body, tt.says) {
			t.Errorf("assign %s %s %s: %d %s; want 400 saying %q", tt.scope, tt.target, tt.profile, code, body, tt.says)
		}
	}
	if _, body := f.raw(t, "monitor", "GET", "/api/v1/policies", ""); strings.Contains(body, `"assigned_by"`) {
		t.Errorf("a refused choice was recorded: %s", body)
	}
}

// TestChoosingPoliciesFollowsScope: monitors choose, a district's only
// within the district; a site manager sees the choices that decide their
// site and not the others'.
func TestChoosingPoliciesFollowsScope(t *testing.T) {
	f := newRegionFixture(t)
	for _, tt := range []struct {
		user, scope, target, profile string
		code                         int
	}{
		{"district", "region", "wujin", "class-b", 200},
		{"district", "facility", "hutang/community", "community-closed", 200},
		{"district", "site", "site-b", "supermarket-normal", 403},
		{"district", "region", "changzhou", "class-b", 403},
		{"district", "facility", "community", "class-b", 403}, // every region: not the district's to choose
		{"manager", "site", "site-a", "class-b", 403},
		{"monitor", "site", "site-b", "supermarket-normal", 200},
		{"monitor", "region", "liyang", "class-b", 200},
	} {
		if code, body := f.raw(t, tt.user, "POST", "/api/v1/policies/assign", assignBody(tt.scope, tt.target, tt.profile)); code != tt.code {
			t.Errorf("%s assigns %s %s: %d %s, want %d", tt.user, tt.scope, tt.target, code, body, tt.code)
		}
	}
	var view struct {
		Assignments []assignmentJSON
		Units       []unitPolicyJSON
	}
	f.getAs(t, f.cookies["manager"], "/api/v1/policies", &view)
	var targets []string
	for _, a := range view.Assignments {
		targets = append(targets, a.Target)
	}
	if strings.Join(targets, ",") != "hutang/community,wujin" {
		t.Errorf("the manager of site-a sees the choices for %v; want those that decide site-a only", targets)
	}
	for _, u := range view.Units {
		if u.Site != "site-a" || u.WantedProfile != "community-closed" || !u.Lagging {
			t.Errorf("the manager's unit %+v: want site-a on community-closed, lagging", u)
		}
	}
}

// TestAProfileDroppedIntoPoliciesDirAppearsWithoutRestart, and a broken
// one is listed as a problem while the others are still offered.
func TestAProfileDroppedIntoPoliciesDirAppearsWithoutRestart(t *testing.T) {
	f := newRegionFixture(t)
	doc, _ := os.ReadFile(filepath.Join(f.policyDir, "class-b.toml"))
	os.WriteFile(filepath.Join(f.policyDir, "class-b-spring.toml"),
		[]byte(strings.Replace(string(doc), `version = "class-b-1"`, `version = "class-b-spring-1"`, 1)), 0o600)
	os.WriteFile(filepath.Join(f.policyDir, "half-written.toml"), []byte("version = \"x\"\n[checks\n"), 0o600)
	var view struct {
		Profiles []struct{ Name string }
		Problems []string
	}
	f.getAs(t, f.cookies["monitor"], "/api/v1/policies", &view)
	var names []string
	for _, p := range view.Profiles {
		names = append(names, p.Name)
	}
	if !strings.Contains(strings.Join(names, ","), "class-b-spring") || len(names) < 8 {
		t.Errorf("profiles %v: want the new one beside the others", names)
	}
	if len(view.Problems) != 1 || !strings.Contains(view.Problems[0], "half-written.toml") {
		t.Errorf("problems %q: want the broken file named", view.Problems)
	}
	if code, body := f.raw(t, "monitor", "POST", "/api/v1/policies/assign", assignBody("site", "site-a", "class-b-spring")); code != 200 {
		t.Errorf("choosing the new profile: %d %s", code, body)
	}
}
