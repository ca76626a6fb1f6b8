package policy

import (
	"fmt"
	"slices"
	"time"
	"unicode/utf8"

	"github.com/kakou/kakou/firmware/wire"
)

// Duty is a routine task the plans give the gate's guards (docs/product.md
// "routine duties are logged": gate disinfection morning, noon and
// evening; lift buttons and handles at least twice a day). The console
// reminds the guard when a turn is due and logs who did it; a turn nobody
// logged in time is recorded as missed and reaches the centre's daily
// report. Duties belong to the lane whose console logs them: a site with
// two gates lists a gate's disinfection in each gate's policy.
//
// A duty is due at fixed times (At, each open for Window) or a number of
// times a day (TimesPerDay: turn k of n is due from the start of the
// k-th n-th of the day and missed if the day ends without it).
type Duty struct {
	ID          string   `toml:"id" json:"id"`
	Name        string   `toml:"name" json:"name"`
	At          []string `toml:"at" json:"at,omitempty"`
	Window      Duration `toml:"window" json:"window,omitempty"`
	TimesPerDay int      `toml:"times_per_day" json:"times_per_day,omitempty"`
}

// DefaultDutyWindow is how long a fixed-time duty stays open.
const DefaultDutyWindow = Duration("2h")

// MaxDuties bounds a policy's duty list; the plans name a handful.
const MaxDuties = 16

// Clock is a duty's "08:00" as a time of day.
func Clock(s string) (time.Duration, error) {
	t, err := time.Parse("15:04", s)
	if err != nil || len(s) != 5 {
		return 0, fmt.Errorf("%q is not a time of day like 08:00", s)
	}
	return time.Duration(t.Hour())*time.Hour + time.Duration(t.Minute())*time.Minute, nil
}

func (p *Policy) defaultDuties() {
	for i := range p.Duties {
		if len(p.Duties[i].At) > 0 {
			orStr(&p.Duties[i].Window, DefaultDutyWindow)
		}
	}
}

// checkDuties reports every problem of the duty list and of min_guards.
func (p Policy) checkDuties(c *checker) {
	if p.MinGuards < 0 || p.MinGuards > 10 {
		c.bad("min_guards", "%d is not 0 (no staffing rule) to 10 guards", p.MinGuards)
	}
	if len(p.Duties) > MaxDuties {
		c.bad("duties", "%d duties; at most %d", len(p.Duties), MaxDuties)
	}
	seen := map[string]bool{}
	for i, d := range p.Duties {
		key := fmt.Sprintf("duties[%d]", i)
		if wire.ValidateID(d.ID) != nil {
			c.bad(key+".id", "%q: use 1-64 of a-z 0-9 - _, like gate-disinfection", d.ID)
		} else if seen[d.ID] {
			c.bad(key+".id", "%q is listed twice; each duty needs its own id", d.ID)
		}
		seen[d.ID] = true
		if n := utf8.RuneCountInString(d.Name); n == 0 || n > 32 || !utf8.ValidString(d.Name) {
			c.bad(key+".name", "must be 1-32 characters, shown to the guard (大门消毒)")
		}
		d.checkWhen(c, key)
	}
}

func (d Duty) checkWhen(c *checker, key string) {
	switch {
	case len(d.At) > 0 && d.TimesPerDay != 0:
		c.bad(key, "set either at (fixed times) or times_per_day, not both")
		return
	case len(d.At) == 0 && (d.TimesPerDay < 1 || d.TimesPerDay > 24):
		c.bad(key, "needs at = [\"08:00\", …] or times_per_day = 1-24")
		return
	case d.TimesPerDay != 0:
		if d.Window != "" {
			c.bad(key+".window", "is for fixed times (at); a times_per_day duty is open all day")
		}
		return
	}
	if len(d.At) > 24 {
		c.bad(key+".at", "%d times; at most 24", len(d.At))
	}
	var prev time.Duration = -1
	for _, s := range d.At {
		t, err := Clock(s)
		switch {
		case err != nil:
			c.bad(key+".at", "%v", err)
		case t <= prev:
			c.bad(key+".at", "%s is not after the time before it: list the times in order, each once", s)
		}
		prev = max(prev, t)
	}
	checkDuration(c, key+".window", d.Window, time.Minute, 24*time.Hour)
}

// cloneDuties gives a copy its own lists.
func cloneDuties(ds []Duty) []Duty {
	out := slices.Clone(ds)
	for i := range out {
		out[i].At = slices.Clone(out[i].At)
	}
	return out
}
