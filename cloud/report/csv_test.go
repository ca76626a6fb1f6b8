package report

import (
	"bytes"
	"encoding/csv"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"unicode/utf8"
)

// hostileNames are names a site may be given by whoever types them in, each
// with the text the CSV cell must hold.
var hostileNames = []struct{ name, cell string }{
	{"阳光花园", "阳光花园"},
	{"Sunshine, Garden", "Sunshine, Garden"},
	{`The "Sunshine" Garden`, `The "Sunshine" Garden`},
	{"North gate\nbuilding 3", "North gate\nbuilding 3"},
	{"CRLF gate\r\nbuilding 4", "CRLF gate\nbuilding 4"},
	{"old Mac\rgate", "old Mac\ngate"},
	{"=cmd|' /C calc'!A0", "'=cmd|' /C calc'!A0"},
	{"+86 138", "'+86 138"},
	{"-1+1", "'-1+1"},
	{"@SUM(A1:A9)", "'@SUM(A1:A9)"},
	{"\t=tabbed", "'\t=tabbed"},
	{"bad \xff\xfe utf-8", "bad \uFFFD utf-8"},
	{"", ""},
	{" leading space", " leading space"},
	{`"`, `"`},
}

// writeCSVFile writes r to a file in a temporary directory, as the API's
// download would land on a desk, and reads it back.
func writeCSVFile(t *testing.T, r Report, lang string) []byte {
	t.Helper()
	path := filepath.Join(t.TempDir(), "kakou-daily-"+r.Date+".csv")
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	if err := WriteCSV(f, r, lang); err != nil {
		t.Fatal(err)
	}
	if err := f.Close(); err != nil {
		t.Fatal(err)
	}
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// parseCSV checks the BOM and the title line, and parses the rest: the
// header and the rows, every one with a field per column.
func parseCSV(t testing.TB, b []byte) [][]string {
	t.Helper()
	if !bytes.HasPrefix(b, []byte(bom)) {
		t.Fatalf("CSV starts % x, want the UTF-8 BOM", b[:min(len(b), 3)])
	}
	if !utf8.Valid(b) {
		t.Fatal("CSV is not valid UTF-8")
	}
	cr := csv.NewReader(bytes.NewReader(b[len(bom):]))
	cr.FieldsPerRecord = -1
	records, err := cr.ReadAll()
	if err != nil {
		t.Fatalf("CSV does not parse: %v\n%s", err, b)
	}
	if len(records) < 2 || len(records[0]) != 1 || !strings.Contains(records[0][0], "日报") && !strings.Contains(records[0][0], "Daily report") {
		t.Fatalf("CSV's first line %q, want the title with the period", records[:min(len(records), 1)])
	}
	for _, rec := range records[1:] {
		if len(rec) != columns {
			t.Fatalf("a record of %d fields, want %d: %q", len(rec), columns, rec)
		}
	}
	return records[1:]
}

func TestWriteCSVRoundTripsHostileNames(t *testing.T) {
	var sites []SiteInput
	for i, h := range hostileNames {
		sites = append(sites, SiteInput{
			Site: "site-" + strconv.Itoa(10+i), Name: h.name, Facility: "community",
			Counts: map[string]int{"total": i, "in": i, "fever": i % 2},
		})
	}
	r := Build(testPeriod(t), sites)
	tests := []struct {
		lang                  string
		header                []string
		total, facility, y, n string
	}{
		{"zh", zh.headerOf(columnsOf(nil)), "合计", "小区", "是", "否"},
		{"", zh.headerOf(columnsOf(nil)), "合计", "小区", "是", "否"},
		{"en", en.headerOf(columnsOf(nil)), "Total", "community", "yes", "no"},
	}
	for _, tt := range tests {
		t.Run("lang="+tt.lang, func(t *testing.T) {
			records := parseCSV(t, writeCSVFile(t, r, tt.lang))
			if len(records) != len(hostileNames)+2 {
				t.Fatalf("%d records, want header + %d sites + total", len(records), len(hostileNames))
			}
			if !slices.Equal(records[0], tt.header) {
				t.Errorf("header %q, want %q", records[0], tt.header)
			}
			for i, h := range hostileNames {
				rec := records[1+i]
				zero := tt.y
				if i%2 == 1 {
					zero = tt.n
				}
				want := []string{"site-" + strconv.Itoa(10+i), h.cell, tt.facility, strconv.Itoa(i), strconv.Itoa(i),
					"0", "0", "0", strconv.Itoa(i % 2), "0", "0", "0", "0", zero, "", "", "0", ""}
				if !slices.Equal(rec, want) {
					t.Errorf("name %q:\n got %q\nwant %q", h.name, rec, want)
				}
			}
			total := records[len(records)-1]
			if total[0] != tt.total || total[1] != "" || total[3] != strconv.Itoa(r.Total.Total) || total[13] != tt.n {
				t.Errorf("total row %q", total)
			}
		})
	}
}

// The CSV form is locked byte for byte: recipients' import macros depend on
// its columns, its BOM and its line ends.
func TestWriteCSVExactBytes(t *testing.T) {
	r := Build(testPeriod(t), []SiteInput{
		{Site: "sunshine-garden", Name: "阳光花园", Facility: "community", Counts: map[string]int{
			"total": 120, "in": 70, "out": 45, "decision:deny": 2, "decision:recheck": 4,
			"fever": 1, "visitor": 6, "override": 4, "override_admit": 3, "duty:gate-disinfection": 2, "duty_missed:gate-disinfection": 1,
			"duty:lift-buttons": 1, "duty_missed:lift-buttons": 1}, DeviceFaults: 1, AlertsOpen: 1,
			DutyNames: map[string]string{"gate-disinfection": "大门消毒"}, NotClosedOut: []string{"301234 张*"}},
		{Site: "west-village", Name: "西村, 南口", Facility: "village", Gaps: []string{"south-gate 离线（最后在线 11-23 09:30）"}},
	})
	tests := []struct{ lang, want string }{
		{"zh", "\uFEFF" +
			"日报 2026-11-22 16:00 — 2026-11-23 16:00\r\n" +
			"站点,名称,场所类型,通行总数,进,出,拒绝,复测,发热,访客登记,人工放行,设备故障,未处理告警,零报告,值守日志 完成/应完成,未完成值守,未销号访客,未销号访客名单\r\n" +
			"sunshine-garden,阳光花园,小区,120,70,45,2,4,1,6,3,1,1,否,3/5,lift-buttons、大门消毒,1,301234 张*\r\n" +
			"west-village,\"西村, 南口\",村卡口,0,0,0,0,0,0,0,0,0,0,数据不完整：south-gate 离线（最后在线 11-23 09:30）,,,0,\r\n" +
			"合计,,,120,70,45,2,4,1,6,3,1,1,数据不完整：1 个站点,3/5,,1,\r\n"},
		{"en", "\uFEFF" +
			"Daily report 2026-11-22 16:00 — 2026-11-23 16:00\r\n" +
			"Site,Name,Facility,Total,In,Out,Denied,Re-check,Fever,Visitors,Overrides,Device faults,Open alerts,Zero report,Duties done/due,Duties missed,Visitors not closed out,Not closed out: code and name\r\n" +
			"sunshine-garden,阳光花园,community,120,70,45,2,4,1,6,3,1,1,no,3/5,lift-buttons、大门消毒,1,301234 张*\r\n" +
			"west-village,\"西村, 南口\",village,0,0,0,0,0,0,0,0,0,0,data incomplete: south-gate 离线（最后在线 11-23 09:30）,,,0,\r\n" +
			"Total,,,120,70,45,2,4,1,6,3,1,1,data incomplete: 1 sites,3/5,,1,\r\n"},
	}
	for _, tt := range tests {
		t.Run(tt.lang, func(t *testing.T) {
			if got := string(writeCSVFile(t, r, tt.lang)); got != tt.want {
				t.Errorf("CSV\n got %q\nwant %q", got, tt.want)
			}
		})
	}
}

type failingWriter struct{ after int }

func (w *failingWriter) Write(p []byte) (int, error) {
	if w.after <= 0 {
		return 0, os.ErrClosed
	}
	w.after--
	return len(p), nil
}

func TestWriteCSVReportsAWriteError(t *testing.T) {
	r := Build(testPeriod(t), manySites(10))
	for _, after := range []int{0, 1} { // the BOM fails; the rows fail
		if err := WriteCSV(&failingWriter{after: after}, r, "zh"); err == nil {
			t.Errorf("after %d writes: no error from a writer that fails", after)
		}
	}
}

// FuzzWriteCSV feeds arbitrary names: whatever they hold, the CSV parses
// back to header + sites + total, each cell intact apart from the
// documented cleaning.
func FuzzWriteCSV(f *testing.F) {
	for _, h := range hostileNames {
		f.Add("site-1", h.name, "community", 3)
	}
	f.Add("=1+1", "a\"b,c\nd", "-x", -5)
	f.Add("", "", "", 0)
	f.Fuzz(func(t *testing.T, site, name, facility string, n int) {
		r := Build(Period{Date: "2026-11-23"}, []SiteInput{
			{Site: site, Name: name, Facility: facility, Counts: map[string]int{"total": n, "fever": n}},
			{Site: site + "#2", Name: name + name, Counts: map[string]int{"in": n}},
		})
		var buf bytes.Buffer
		if err := WriteCSV(&buf, r, "zh"); err != nil {
			t.Fatal(err)
		}
		records := parseCSV(t, buf.Bytes())
		if len(records) != 4 {
			t.Fatalf("%d records, want 4:\n%q", len(records), buf.String())
		}
		first := records[1]
		if first[0] != formulaSafe(cleanText(site)) || first[1] != formulaSafe(cleanText(name)) || first[3] != strconv.Itoa(n) {
			t.Fatalf("site row %q from site %q name %q", first, site, name)
		}
	})
}
