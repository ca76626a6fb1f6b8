package unit

import (
	"strings"
	"testing"
	"time"
)

func TestUpdateConfigNamesEveryProblemWithItsKey(t *testing.T) {
	c := Config{Update: UpdateConfig{Root: "usr/lib/kakou", BudgetMiB: 1, Window: Duration{time.Hour}, MaxStarts: 99}}
	got := strings.Join(c.updateProblems(), "\n")
	for _, want := range []string{"update.root: \"usr/lib/kakou\"", "policy.verify_keys", "update.budget_mib: 1",
		"update.window: 1h0m0s", "update.max_starts: 99"} {
		if !strings.Contains(got, want) {
			t.Errorf("problems %q do not name %q", got, want)
		}
	}
	if p := (Config{}).updateProblems(); p != nil {
		t.Errorf("updates off: %v, want no problems", p)
	}
}

func TestProductionUnitConfigTurnsSignedUpdatesOn(t *testing.T) {
	cfg, err := LoadConfig("../../configs/production/unit.toml")
	if err != nil {
		t.Fatal(err)
	}
	if cfg.Update.Root != "/var/lib/kakou/programs" || cfg.Update.window() != 2*time.Minute || cfg.Update.MaxStartsOrDefault() != 3 {
		t.Fatalf("[update] read as %+v", cfg.Update)
	}
}
