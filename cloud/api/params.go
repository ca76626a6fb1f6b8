package api

import (
	"fmt"
	"maps"
	"net/url"
	"slices"
	"strings"
)

// readParams applies each known parameter's parser and reports every
// problem at once; an unknown parameter is refused, so a typo never
// silently returns unfiltered data.
func readParams(values url.Values, known map[string]func(string) error) error {
	var problems []string
	for _, name := range sortedKeys(values) {
		parse, ok := known[name]
		switch {
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
