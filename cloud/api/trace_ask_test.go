package api

import (
	"context"
	"encoding/csv"
	"io"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/kakou/kakou/cloud/store"
	"github.com/kakou/kakou/firmware/wire"
)

// traceFixture holds a morning at two sites: at the mart 张三 came in at
// 08:30 and left at 09:30, 李四 came in at 09:10 and left at 09:20; at the
// market 王五 came in at 08:00 and was never seen leaving.
func traceFixture(t *testing.T) *authFixture {
	t.Helper()
	f := newAuthFixture(t)
	hm := func(h, m int) time.Time { return time.Date(2022, 4, 2, h, m, 0, 0, cst) }
	pass := func(site, unit string, seq uint64, lane wire.Lane, at time.Time, subject string) wire.Entry {
		e := entry(site, unit, seq, at)
		e.Lane, e.Credential = lane, wire.Credential{Kind: wire.CredentialResidentPass, Result: "valid", Subject: subject}
		return e
	}
	f.put(t, pass("mart", "in", 1, wire.LaneIn, hm(8, 30), "110101199001011234"),
		pass("mart", "out", 1, wire.LaneOut, hm(9, 30), "110101199001011234"),
		pass("mart", "in", 2, wire.LaneIn, hm(9, 10), "320404198802023456"),
		pass("mart", "out", 2, wire.LaneOut, hm(9, 20), "320404198802023456"),
		pass("market", "gate", 1, wire.LaneIn, hm(8, 0), "320404197003035678"))
	if err := f.store.PutSites(context.Background(), []store.Site{{ID: "mart", Name: "万家福超市", Facility: "supermarket"}}); err != nil {
		t.Fatal(err)
	}
	return f
}

// traceWindow is 09:00-10:00 on the fixture's morning, escaped.
const traceWindow = "since=2022-04-02T09:00:00%2B08:00&until=2022-04-02T10:00:00%2B08:00"

// TestTraceCountsEveryoneInsideDuringTheWindowAtSeveralSites: for
// 09:00-10:00 at the mart and the market, the tracer gets 张三 (came in
// before the window, left in it), 李四 (in and out within it) and 王五
// (never left), in full; with min_stay=30m, 李四's ten minutes drop out.
func TestTraceCountsEveryoneInsideDuringTheWindowAtSeveralSites(t *testing.T) {
	f := traceFixture(t)
	cookie, _ := f.login(t, f.h, "tracer", "")
	for _, tt := range []struct {
		query string
		want  []string
	}{
		{"site=mart,market&" + traceWindow, []string{"320404197003035678", "110101199001011234", "320404198802023456"}},
		{"site=mart,market&min_stay=30m&" + traceWindow, []string{"320404197003035678", "110101199001011234"}},
		{"site=mart&" + traceWindow, []string{"110101199001011234", "320404198802023456"}},
	} {
		var body struct {
			Masked bool
			Sites  []string
			Visits []visitJSON
		}
		if code := f.getAs(t, cookie, "/api/v1/trace?"+tt.query, &body); code != 200 {
			t.Fatalf("%s: %d", tt.query, code)
		}
		var got []string
		for _, v := range body.Visits {
			got = append(got, v.Subject)
		}
		if strings.Join(got, " ") != strings.Join(tt.want, " ") || body.Masked {
			t.Errorf("%s: visits %v (masked %v), want %v in full", tt.query, got, body.Masked, tt.want)
		}
	}
	audit := f.audited(t)
	if len(audit) < 4 || !strings.Contains(audit[len(audit)-2].Detail, `"min_stay":"30m0s"`) ||
		!strings.Contains(audit[len(audit)-2].Detail, `"site":"mart,market"`) {
		t.Errorf("the audit trail does not hold each query as asked: %+v", audit)
	}
}

// TestTraceRefusesAManagerAnotherSiteInTheList: a site manager of site-a
// who slips the mart into the list gets 403, and nothing of site-a
// either; the refusal is not audited as a query run.
func TestTraceRefusesAManagerAnotherSiteInTheList(t *testing.T) {
	f := traceFixture(t)
	cookie, _ := f.login(t, f.h, "manager", "")
	var body map[string]any
	if code := f.getAs(t, cookie, "/api/v1/trace?site=site-a,mart&"+traceWindow, &body); code != 403 || body["visits"] != nil {
		t.Fatalf("a manager tracing another site: %d %v", code, body)
	}
	for _, a := range f.audited(t) {
		if a.Action == "trace" {
			t.Fatalf("a refused trace was audited as run: %+v", a)
		}
	}
}

// TestTraceCSVIsTheScreensAnswerMaskedPerRoleAndAudited: the file has a
// BOM, Chinese headers (English with lang=en), the site's name, Shanghai
// times and the stay; a monitor's file is masked, a tracer's is not, and
// each download is in the audit trail as a CSV.
func TestTraceCSVIsTheScreensAnswerMaskedPerRoleAndAudited(t *testing.T) {
	f := traceFixture(t)
	for _, tt := range []struct {
		user, lang, header, kind, subject string
	}{
		{"monitor", "", "点位编号", "出入证", "110***********1234"},
		{"tracer", "&lang=en", "site", "resident pass", "110101199001011234"},
	} {
		cookie, _ := f.login(t, f.h, tt.user, "")
		rec := f.do(t, f.h, req{method: "GET", path: "/api/v1/trace?site=mart&format=csv&" + traceWindow + tt.lang, cookie: cookie})
		b, _ := io.ReadAll(rec.Body)
		if rec.Code != 200 || !strings.HasPrefix(string(b), "\ufeff") || !strings.HasPrefix(rec.Header().Get("Content-Type"), "text/csv") {
			t.Fatalf("%s: %d %q %q", tt.user, rec.Code, rec.Header().Get("Content-Type"), b)
		}
		rows, err := csv.NewReader(strings.NewReader(strings.TrimPrefix(string(b), "\ufeff"))).ReadAll()
		if err != nil || len(rows) != 3 {
			t.Fatalf("%s: %v %q", tt.user, err, b)
		}
		first := rows[1]
		if rows[0][0] != tt.header || first[1] != "万家福超市" || first[3] != tt.kind || first[4] != tt.subject ||
			first[7] != "2022-04-02T08:30:00+08:00" || first[9] != "60" {
			t.Errorf("%s: header %v, first row %v", tt.user, rows[0], first)
		}
		if last := f.audited(t); !strings.Contains(last[len(last)-1].Detail, `"format":"csv"`) || last[len(last)-1].User != tt.user {
			t.Errorf("%s: the download is not audited as such: %+v", tt.user, last[len(last)-1])
		}
	}
}

// traceAsks are queries a tracer's screen or a stray client may send.
var traceAsks = []struct {
	query string
	ok    bool
}{
	{"site=mart&" + traceWindow, true},
	{"site=mart,market&min_stay=1h&" + traceWindow, true},
	{"site=mart&min_stay=0s&format=csv&lang=en&" + traceWindow, true},
	{"site=mart,mart&" + traceWindow, false},
	{"site=mart,&" + traceWindow, false},
	{"site=" + strings.Repeat("a,", 20) + "b&" + traceWindow, false},
	{"site=mart&min_stay=-1h&" + traceWindow, false},
	{"site=mart&min_stay=1y&" + traceWindow, false},
	{"site=mart&min_stay=800h&" + traceWindow, false},
	{"site=mart&since=2022-04-02T09:00:00Z&until=9999-12-31T00:00:00Z", false},
	{"site=mart&since=2022-04-02T09:00:00Z&until=2022-06-02T00:00:00Z", false},
	{"site=mart&format=xml&" + traceWindow, false},
	{"site=mart", false},
}

func TestReadTraceAskAcceptsWhatTheScreenSendsAndSaysWhatIsWrong(t *testing.T) {
	for _, tt := range traceAsks {
		v, _ := url.ParseQuery(tt.query)
		_, err := readTraceAsk(v)
		if (err == nil) != tt.ok {
			t.Errorf("%s: error %v, want ok %v", tt.query, err, tt.ok)
		}
	}
}

// FuzzReadTraceAsk: whatever the query, an accepted ask names 1 to 20
// distinct valid sites, a window of at most 31 days inside the times the
// store holds, and a stay within it.
func FuzzReadTraceAsk(f *testing.F) {
	for _, tt := range traceAsks {
		f.Add(tt.query)
	}
	f.Fuzz(func(t *testing.T, query string) {
		v, err := url.ParseQuery(query)
		if err != nil {
			return
		}
		a, err := readTraceAsk(v)
		if err != nil {
			return
		}
		seen := map[string]bool{}
		for _, s := range a.sites {
			if wire.ValidateID(s) != nil || seen[s] {
				t.Fatalf("%q: site %q accepted", query, s)
			}
			seen[s] = true
		}
		if len(a.sites) < 1 || len(a.sites) > maxTraceSites || !a.since.Before(a.until) ||
			a.until.Sub(a.since) > maxTraceWindow || a.minStay < 0 || a.minStay > maxTraceWindow ||
			!store.QueryTimes.Contains(a.since) || !store.QueryTimes.Contains(a.until) {
			t.Fatalf("%q: accepted %+v", query, a)
		}
	})
}
