package api

import (
	"encoding/json"
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/go-json-experiment/json/jsontext"

	"github.com/kakou/kakou/cloud/store"
)

type rollupJSON struct {
	Key    string    `json:"key"`
	Start  time.Time `json:"start"`
	Counts counts    `json:"counts"`
}

// counts is a row's metrics. The dashboard polls 23,000 of them for 1,000
// sites, and encoding/json spends most of that request reflecting over
// maps and sorting their keys; these write the same object directly:
// MarshalJSONTo for writeJSON, MarshalJSON for encoding/json.
type counts struct {
	m map[string]int
	// keys, sorted and without repeats, are the metrics the query asked
	// for, if it named them: the rows' maps hold no others, and going
	// through them spares ranging over and sorting each row's map.
	keys []string
}

func (c counts) MarshalJSON() ([]byte, error) {
	var buf [8]string
	keys := c.sortedKeys(buf[:0])
	b := make([]byte, 0, 2+len(keys)*24)
	b = append(b, '{')
	for i, k := range keys {
		if i > 0 {
			b = append(b, ',')
		}
		b = appendJSONString(b, k)
		b = append(b, ':')
		b = strconv.AppendInt(b, int64(c.m[k]), 10)
	}
	return append(b, '}'), nil
}

// MarshalJSONTo writes the object token by token: through MarshalJSON,
// JSON v2 would check and copy the bytes it returned.
func (c counts) MarshalJSONTo(enc *jsontext.Encoder) error {
	var buf [8]string
	keys := c.sortedKeys(buf[:0])
	if err := enc.WriteToken(jsontext.BeginObject); err != nil {
		return err
	}
	for _, k := range keys {
		if err := enc.WriteToken(jsontext.String(k)); err != nil {
			return err
		}
		if err := enc.WriteToken(jsontext.Int(int64(c.m[k]))); err != nil {
			return err
		}
	}
	return enc.WriteToken(jsontext.EndObject)
}

// sortedKeys appends the keys of c.m to buf, sorted; a row has a few
// metrics, so a buffer on the caller's stack holds them.
func (c counts) sortedKeys(buf []string) []string {
	for _, k := range c.keys {
		if _, ok := c.m[k]; ok {
			buf = append(buf, k)
		}
	}
	if len(buf) == len(c.m) {
		return buf
	}
	buf = buf[:0] // the map holds a metric not asked for: take them all
	for k := range c.m {
		buf = append(buf, k)
	}
	slices.Sort(buf)
	return buf
}

// appendJSONString writes a metric name as written; a name with anything
// but plain ASCII letters, digits and _:-. (a unit's own reason code) goes
// through encoding/json for its escaping.
func appendJSONString(b []byte, s string) []byte {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || strings.IndexByte("_:-.", c) >= 0) {
			q, _ := json.Marshal(s) // a string always marshals
			return append(b, q...)
		}
	}
	b = append(b, '"')
	b = append(b, s...)
	return append(b, '"')
}

// rollups serves hourly or daily counts per site, unit or facility; by
// default the sites' hours since local midnight.
func (s *server) rollups(w http.ResponseWriter, r *http.Request) {
	now := s.opts.Now()
	q := store.RollupQuery{By: "site", Since: startOfDay(now, s.opts.Location), Until: now}
	bucket, asked, level := "hour", "", 0
	err := readParams(r.URL.Query(), map[string]func(string) error{
		"by":       oneOf(&q.By, "site", "unit", "facility", "all", "region"),
		"region":   func(v string) error { return idParam(&asked, v) },
		"level":    levelParam(&level),
		"bucket":   oneOf(&bucket, "hour", "day"),
		"site":     func(v string) error { return idParam(&q.Site, v) },
		"unit":     func(v string) error { return idParam(&q.Unit, v) },
		"facility": func(v string) error { return idParam(&q.Facility, v) },
		"since":    func(v string) error { return timeParam(&q.Since, v) },
		"until":    func(v string) error { return timeParam(&q.Until, v) },
		"metrics":  metricsParam(&q.Metrics),
	})
	if err == nil {
		err = checkWindow(q.Since, q.Until, 93*24*time.Hour)
	}
	if err == nil && q.Unit != "" && q.By != "unit" {
		err = fmt.Errorf("unit: filtering by unit needs by=unit")
	}
	c := s.caller(r)
	if err == nil {
		err = scopeRollups(c, &q)
	}
	if err == nil {
		err = s.checkUnit(r.Context(), c, q.Site, q.Unit)
	}
	var within string
	if err == nil {
		within, err = s.regionFilter(c, asked)
	}
	if err == nil && within != "" && q.Site != "" && !s.opts.Regions.Within(within, q.Site) {
		err = fmt.Errorf("site %s is not in region %s", q.Site, within)
	}
	if err == nil {
		err = checkRegionRollups(q, level, s.opts.Regions.Nodes() != nil)
	}
	if err != nil {
		refuse(w, err)
		return
	}
	// The hour holding Since counts whole, so a window from 08:30 shows
	// the 08:00 bar rather than dropping it.
	q.Since = q.Since.Truncate(time.Hour)
	var rows []store.RollupRow
	if q.By == "region" || (within != "" && q.Site == "") {
		rows, err = s.regionRollups(r.Context(), c, q, within, level)
	} else {
		rows, err = s.store.Rollups(r.Context(), q)
	}
	if err != nil {
		s.internal(w, "query rollups", err)
		return
	}
	if bucket == "day" {
		rows = byDay(rows, s.opts.Location)
	}
	keys := slices.Compact(slices.Sorted(slices.Values(q.Metrics)))
	out := make([]rollupJSON, len(rows))
	for i, row := range rows {
		out[i] = rollupJSON{Key: row.Key, Start: row.Hour.In(s.opts.Location), Counts: counts{row.Counts, keys}}
	}
	writeJSON(w, http.StatusOK, map[string]any{"by": q.By, "bucket": bucket,
		"since": q.Since, "until": q.Until, "rows": out})
}

func checkWindow(since, until time.Time, longest time.Duration) error {
	switch {
	case !since.Before(until):
		return fmt.Errorf("since must be before until")
	case until.Sub(since) > longest:
		return fmt.Errorf("the window is longer than %d days; ask for less", int(longest.Hours()/24))
	}
	return nil
}

// byDay folds hourly rows, ordered by key and hour, into local days.
func byDay(rows []store.RollupRow, loc *time.Location) []store.RollupRow {
	var out []store.RollupRow
	for _, row := range rows {
		day := startOfDay(row.Hour, loc)
		if l := len(out) - 1; l < 0 || out[l].Key != row.Key || !out[l].Hour.Equal(day) {
			out = append(out, store.RollupRow{Key: row.Key, Hour: day, Counts: map[string]int{}})
		}
		for m, n := range row.Counts {
			out[len(out)-1].Counts[m] += n
		}
	}
	return out
}

// scopeRollups keeps a site manager's counts to their site and a guard's to
// their unit; a guard asking for the counts of a whole site, a facility
// type or everything is refused, as their scope is one unit.
func scopeRollups(c Caller, q *store.RollupQuery) error {
	if c.Role == RoleGuard && q.By != "unit" {
		return errForbidden("you may see unit " + c.Unit + " only: ask for by=unit")
	}
	if c.Role == RoleSiteManager && q.By == "all" {
		return errForbidden("you may see site " + c.Site + " only: ask for by=site")
	}
	return c.narrow(&q.Site, &q.Unit)
}
