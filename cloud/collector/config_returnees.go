package collector

import (
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"
)

// ReturneeRule is one [[returnees]] table: a returnee registered at a gate
// (wire.Returnee) whose origin contains Origin joins the centre's roster as
// Kind, for Plan, tested at Tests after arrival (docs/product.md "People
// treated differently": 14+14, 14+7+7, 7+7; test on arrival, re-test on
// days 7 and 14). Rules are tried in order; the first that matches wins,
// and Origin "*" matches every origin, so it goes last.
type ReturneeRule struct {
	Origin string   `toml:"origin"` // part of the origin as registered: 武汉, 湖北省
	Kind   string   `toml:"kind"`   // home_quarantine or health_monitoring
	Plan   string   `toml:"plan"`   // 14, 14+14, 14+7+7, 7+7 days
	Tests  []string `toml:"tests"`  // after arrival: 24h, 7d, 14d
}

// The roster kinds a returnee may join.
const (
	KindHomeQuarantine   = "home_quarantine"   // 居家隔离
	KindHealthMonitoring = "health_monitoring" // 居家健康监测
)

// Match is the first rule whose origin origin contains, and whether one does.
func MatchReturnee(rules []ReturneeRule, origin string) (ReturneeRule, bool) {
	for _, r := range rules {
		if r.Origin == "*" || strings.Contains(origin, r.Origin) {
			return r, true
		}
	}
	return ReturneeRule{}, false
}

// PlanDays is the plan's total length: 14+7+7 is 28 days.
func (r ReturneeRule) PlanDays() int {
	n := 0
	for _, p := range strings.Split(r.Plan, "+") {
		d, _ := strconv.Atoi(p)
		n += d
	}
	return n
}

// TestTimes are the rule's tests after arrival, in order.
func (r ReturneeRule) TestTimes(arrived time.Time) []time.Time {
	var out []time.Time
	for _, t := range r.Tests {
		if d, err := parseAfter(t); err == nil {
			out = append(out, arrived.Add(d))
		}
	}
	return out
}

// parseAfter reads "24h" or "7d".
func parseAfter(s string) (time.Duration, error) {
	if n, ok := strings.CutSuffix(s, "d"); ok {
		d, err := strconv.Atoi(n)
		if err != nil || d < 0 {
			return 0, strconv.ErrSyntax
		}
		return time.Duration(d) * 24 * time.Hour, nil
	}
	return time.ParseDuration(s)
}

// plans are the schedules the plans name.
var plans = []string{"14", "14+14", "14+7+7", "7+7", "7"}

func (c Config) validateReturnees(bad func(key, format string, args ...any)) {
	for i, r := range c.Returnees {
		key := "returnees[" + strconv.Itoa(i) + "]"
		if r.Origin == "" || utf8.RuneCountInString(r.Origin) > 64 {
			bad(key+".origin", "must be set: part of an origin as registered (武汉), or \"*\" for every other origin")
		}
		if r.Origin == "*" && i != len(c.Returnees)-1 {
			bad(key+".origin", "\"*\" matches every origin, so the rules after it never apply: move it last")
		}
		if r.Kind != KindHomeQuarantine && r.Kind != KindHealthMonitoring {
			bad(key+".kind", "%q is neither %s nor %s", r.Kind, KindHomeQuarantine, KindHealthMonitoring)
		}
		if !slices.Contains(plans, r.Plan) {
			bad(key+".plan", "%q is not one of %s", r.Plan, strings.Join(plans, ", "))
		}
		if len(r.Tests) == 0 {
			bad(key+".tests", "is empty: list the tests after arrival, like [\"24h\", \"7d\", \"14d\"]")
		}
		for _, t := range r.Tests {
			d, err := parseAfter(t)
			if err != nil || d < 0 || d > time.Duration(r.PlanDays())*24*time.Hour {
				bad(key+".tests", "%q is not a time within the plan's %d days, like 24h or 7d", t, r.PlanDays())
			}
		}
	}
}
