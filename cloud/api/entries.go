package api

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/kakou/kakou/cloud/store"
	"github.com/kakou/kakou/firmware/wire"
)

// entryJSON is an entry as units send it, plus when the cloud received it.
// Historical shadows the wire field, which is left out when false, so the
// API always says whether an entry came live or from a unit's backlog.
type entryJSON struct {
	wire.Entry
	Historical bool      `json:"historical"`
	ReceivedAt time.Time `json:"received_at"`
}

// entries lists entries in the caller's scope, personal data masked unless
// a tracer asks for ?unmask=1, which is audited before the answer leaves.
func (s *server) entries(w http.ResponseWriter, r *http.Request) {
	c, values := s.caller(r), r.URL.Query()
	unmask, err := takeUnmask(values, c)
	q := store.Query{}
	if err == nil {
		q, err = parseQuery(values)
	}
	if err == nil {
		err = c.narrow(&q.Site, &q.Unit)
	}
	if err == nil {
		err = s.checkUnit(r.Context(), c, q.Site, q.Unit)
	}
	if err != nil {
		refuse(w, err)
		return
	}
	if unmask {
		if err := s.audit(r.Context(), c, "unmask_entries", map[string]any{"site": q.Site, "unit": q.Unit,
			"since": q.Since, "until": q.Until, "limit": q.Limit}); err != nil {
			s.internal(w, "audit the unmasked query", err)
			return
		}
	}
	records, err := s.scopedEntries(r.Context(), c, q)
	if err != nil {
		s.internal(w, "query entries", err)
		return
	}
	out := make([]entryJSON, len(records))
	for i, rec := range records {
		if !unmask {
			rec.Entry = maskEntry(rec.Entry)
		}
		out[i] = entryJSON{Entry: rec.Entry, Historical: rec.Historical, ReceivedAt: rec.ReceivedAt}
		if out[i].Reasons == nil {
			out[i].Reasons = []wire.Reason{}
		}
	}
	writeJSON(w, http.StatusOK, map[string]any{"entries": out})
}

// queryParams are the parameters /api/v1/entries understands; any other is
// refused, so a typo does not silently return unfiltered data.
var queryParams = map[string]func(*store.Query, string) error{
	"site":  func(q *store.Query, v string) error { return idParam(&q.Site, v) },
	"unit":  func(q *store.Query, v string) error { return idParam(&q.Unit, v) },
	"since": func(q *store.Query, v string) error { return timeParam(&q.Since, v) },
	"until": func(q *store.Query, v string) error { return timeParam(&q.Until, v) },
	"limit": limitParam,
}

// parseQuery reads every parameter and reports all problems at once.
func parseQuery(values url.Values) (store.Query, error) {
	var q store.Query
	var problems []string
	for _, name := range sortedKeys(values) {
		parse, ok := queryParams[name]
		switch {
		case !ok:
			problems = append(problems, fmt.Sprintf("unknown parameter %q; use site, unit, since, until or limit", name))
		case len(values[name]) > 1:
			problems = append(problems, fmt.Sprintf("%s: given %d times; give it once", name, len(values[name])))
		default:
			if err := parse(&q, values.Get(name)); err != nil {
				problems = append(problems, name+": "+err.Error())
			}
		}
	}
	if !q.Since.IsZero() && !q.Until.IsZero() && !q.Since.Before(q.Until) {
		problems = append(problems, "since must be before until")
	}
	if len(problems) > 0 {
		return store.Query{}, fmt.Errorf("%s", strings.Join(problems, "; "))
	}
	return q, nil
}

func idParam(dst *string, v string) error {
	if err := wire.ValidateID(v); err != nil {
		return err
	}
	*dst = v
	return nil
}

func timeParam(dst *time.Time, v string) error {
	t, err := time.Parse(time.RFC3339, v)
	if err != nil {
		return fmt.Errorf("%q is not an RFC 3339 time; send e.g. 2022-04-01T08:00:00+08:00 (URL-encode '+' as %%2B)", v)
	}
	if err := inStoreRange(t); err != nil {
		return err
	}
	*dst = t
	return nil
}

// inStoreRange refuses a time the store's nanoseconds cannot hold, which
// would wrap around and select the wrong rows (store.QueryTimes).
func inStoreRange(t time.Time) error {
	if r := store.QueryTimes; !r.Contains(t) {
		return fmt.Errorf("%s is outside %s … %s, the times the collector can store; ask within them",
			t.Format(time.RFC3339), r.From.Format(time.RFC3339), r.To.Format(time.RFC3339))
	}
	return nil
}

func limitParam(q *store.Query, v string) error {
	n, err := strconv.Atoi(v)
	if err != nil || n < 1 || n > store.MaxLimit {
		return fmt.Errorf("%q is not a whole number from 1 to %d", v, store.MaxLimit)
	}
	q.Limit = n
	return nil
}

func sortedKeys(values url.Values) []string {
	keys := make([]string, 0, len(values))
	for k := range values {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

// scopedEntries reads q, per site of c's region when c is limited to one
// and named no site.
func (s *server) scopedEntries(ctx context.Context, c Caller, q store.Query) ([]store.Record, error) {
	if q.Site != "" || !c.regional("") {
		return s.store.Entries(ctx, q)
	}
	sites, err := s.scopeSites(ctx, c, c.Region)
	if err != nil {
		return nil, err
	}
	return perSite(sites, func(site string) ([]store.Record, error) {
		q.Site = site
		return s.store.Entries(ctx, q)
	}, newestEntryFirst, q.RowLimit())
}
