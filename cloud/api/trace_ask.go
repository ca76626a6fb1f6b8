package api

import (
	"errors"
	"fmt"
	"net/url"
	"slices"
	"strings"
	"time"
)

// traceAsk is a trace by place as the tracer asked for it: the sites (a
// case's itinerary is several places), the window, the least stay that
// counts, and the answer's form.
type traceAsk struct {
	sites        []string
	since, until time.Time
	minStay      time.Duration
	format, lang string
}

// Trace bounds: a window as long as a month (a case's 14 days and more),
// a stay as long as the window, and as many sites as one itinerary holds.
const (
	maxTraceWindow = 31 * 24 * time.Hour
	maxTraceSites  = 20
)

// readTraceAsk reads ?site=a,b&since=…&until=…[&min_stay=1h][&format=csv][&lang=en].
func readTraceAsk(values url.Values) (traceAsk, error) {
	a := traceAsk{format: "json", lang: "zh"}
	err := readParams(values, map[string]func(string) error{
		"site":     func(v string) error { return sitesParam(&a.sites, v) },
		"since":    func(v string) error { return timeParam(&a.since, v) },
		"until":    func(v string) error { return timeParam(&a.until, v) },
		"min_stay": func(v string) error { return stayParam(&a.minStay, v) },
		"format":   oneOf(&a.format, "json", "csv"),
		"lang":     oneOf(&a.lang, "zh", "en"),
	})
	if err == nil && (len(a.sites) == 0 || a.since.IsZero() || a.until.IsZero()) {
		err = errSiteWindow
	}
	if err == nil {
		err = checkWindow(a.since, a.until, maxTraceWindow)
	}
	return a, err
}

// sitesParam reads one site or several, comma-separated, each a wire id,
// none twice.
func sitesParam(dst *[]string, v string) error {
	parts := strings.Split(v, ",")
	if len(parts) > maxTraceSites {
		return fmt.Errorf("%d sites; ask for at most %d at once", len(parts), maxTraceSites)
	}
	var sites []string
	for _, p := range parts {
		var id string
		if err := idParam(&id, strings.TrimSpace(p)); err != nil {
			return err
		}
		if slices.Contains(sites, id) {
			return fmt.Errorf("site %s is named twice", id)
		}
		sites = append(sites, id)
	}
	*dst = sites
	return nil
}

var errStay = errors.New("a duration such as 30m, 1h or 1h30m, from 0 to 31 days")

// stayParam reads the least stay that counts.
func stayParam(dst *time.Duration, v string) error {
	d, err := time.ParseDuration(v)
	if err != nil || d < 0 || d > maxTraceWindow {
		return errStay
	}
	*dst = d
	return nil
}

// auditDetail is what the audit trail keeps of the query: everything
// asked, and whether the answer was in full.
func (a traceAsk) auditDetail(unmask bool) map[string]any {
	d := map[string]any{"site": strings.Join(a.sites, ","), "since": a.since, "until": a.until,
		"unmasked": unmask}
	if a.minStay > 0 {
		d["min_stay"] = a.minStay.String()
	}
	if a.format != "json" {
		d["format"] = a.format
	}
	return d
}
