package api

import (
	"fmt"
	"maps"
	"net/url"
	"slices"
	"strings"

	"github.com/kakou/kakou/cloud/store"
	"github.com/kakou/kakou/firmware/wire"
)

// readParams applies each known parameter's parser and reports every
// problem at once; an unknown parameter is refused, so a typo never
// silently returns unfiltered data.
func readParams(values url.Values, known map[string]func(string) error) error {
	var problems []string
	for _, name := range sortedKeys(values) {
		parse, ok := known[name]
		switch {
		case !ok && len(known) == 0:
			problems = append(problems, fmt.Sprintf("unknown parameter %q; this endpoint takes none", name))
		case !ok:
			problems = append(problems, fmt.Sprintf("unknown parameter %q; use %s", name,
				strings.Join(slices.Sorted(maps.Keys(known)), ", ")))
		case len(values[name]) > 1:
			problems = append(problems, fmt.Sprintf("%s: given %d times; give it once", name, len(values[name])))
		default:
			if err := parse(values.Get(name)); err != nil {
				problems = append(problems, name+": "+err.Error())
			}
		}
	}
	if len(problems) > 0 {
		return fmt.Errorf("%s", strings.Join(problems, "; "))
	}
	return nil
}

// oneOf parses a parameter that takes one of a few words.
func oneOf(dst *string, words ...string) func(string) error {
	return func(v string) error {
		for _, w := range words {
			if v == w {
				*dst = v
				return nil
			}
		}
		return fmt.Errorf("%q: use %s", v, strings.Join(words, " or "))
	}
}

// metricsParam reads a comma-separated list of rollup metrics: the plain
// names, or decision:, reason: and alert: followed by a code.
func metricsParam(dst *[]string) func(string) error {
	plain := []string{store.MetricTotal, store.MetricIn, store.MetricOut, store.MetricFever,
		store.MetricVisitor, store.MetricOverride, store.MetricManualTemp, store.MetricHistorical, store.MetricShift, store.MetricSignIn}
	return func(v string) error {
		names := strings.Split(v, ",")
		if len(names) > 64 {
			return fmt.Errorf("%d metrics; ask for at most 64", len(names))
		}
		for _, m := range names {
			if !slices.Contains(plain, m) && !prefixedMetric(m) {
				return fmt.Errorf("%q is not a metric; use %s, or decision:, reason:, alert:, vehicle:, duty: or duty_missed: and a code",
					m, strings.Join(plain, ", "))
			}
		}
		*dst = names
		return nil
	}
}

func prefixedMetric(m string) bool {
	// A duty's id is the policy's (gate-disinfection): a wire id.
	for _, p := range []string{store.PrefixDuty, store.PrefixDutyMissed} {
		if id, ok := strings.CutPrefix(m, p); ok {
			return wire.ValidateID(id) == nil
		}
	}
	for _, p := range []string{store.PrefixDecision, store.PrefixReason, store.PrefixAlert, store.PrefixVehicle} {
		if code, ok := strings.CutPrefix(m, p); ok {
			return code != "" && len(code) <= 64 && !strings.ContainsFunc(code, func(r rune) bool {
				return !(r >= 'a' && r <= 'z' || r >= '0' && r <= '9' || r == '_')
			})
		}
	}
	return false
}
