package api

import (
	"context"
	"io"
	"net/http"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/kakou/kakou/cloud/store"
	"github.com/kakou/kakou/firmware/wire"
	"github.com/kakou/kakou/internal/testenv"
)

// TestDashboardIntegrationChromium renders the dashboard in Debian's
// headless chromium and checks that a unit's backlog, its disk alarm and
// an entry sent late from a backlog are shown, in both languages.
func TestDashboardIntegrationChromium(t *testing.T) {
	browser := chromium(t)
	f := newFixture(t)
	oldest := now.Add(-3 * time.Hour)
	err := f.store.PutStatus(context.Background(), wire.Status{Schema: wire.SchemaVersion,
		Site: "site-a", Unit: "gate-1", State: wire.Online, Backlog: 41000,
		OldestUnacked: &oldest, DiskAlarm: true}, now)
	if err != nil {
		t.Fatal(err)
	}
	late := entry("site-a", "gate-1", 1, now.Add(-3*time.Hour))
	late.Historical = true
	f.put(t, late)

	for _, tt := range []struct {
		query string
		want  []string
	}{
		{"", []string{"gate-1", "41,000", "存储已满", "补传"}},
		{"?lang=en", []string{"gate-1", "41,000", "disk full", "late"}},
	} {
		dom := renderDOM(t, browser, f.srv.URL+"/"+tt.query)
		for _, want := range tt.want {
			if !strings.Contains(dom, want) {
				t.Errorf("dashboard%s lacks %q; DOM:\n%s", tt.query, want, dom)
			}
		}
	}
}

// TestDashboardIntegrationDrawsEverySection renders a busy fleet and checks
// each section: the fleet's status colours with firmware and policy, the
// open alert with its form, the hourly chart, the occupancy bar of a full
// site, the report's links; and that markup in a site's name or in a
// reason from a unit is shown as text, never run.
func TestDashboardIntegrationDrawsEverySection(t *testing.T) {
	browser := chromium(t)
	f := newFixture(t)
	ctx := context.Background()
	oldest := now.Add(-40 * time.Minute)
	for _, st := range []wire.Status{
		{Unit: "gate-1", State: wire.Online, Firmware: "0.3.1", PolicyVersion: "community-closed-4"},
		{Unit: "gate-2", State: wire.Online, Backlog: 1520, OldestUnacked: &oldest},
		{Unit: "gate-3", State: wire.Offline},
		{Unit: "gate-4", State: wire.Online, DiskAlarm: true, Backlog: 41000, OldestUnacked: &oldest},
		{Unit: "gate-5", State: wire.Online, Devices: []wire.Device{{Name: "scanner", Detail: "unplugged"}}},
	} {
		st.Schema, st.Site = wire.SchemaVersion, "estate"
		if err := f.store.PutStatus(ctx, st, now); err != nil {
			t.Fatal(err)
		}
	}
	const evilName = `<img src=x onerror="document.title='pwned'">`
	if err := f.store.PutSites(ctx, []store.Site{{ID: "estate", Name: evilName, Facility: "community"}}); err != nil {
		t.Fatal(err)
	}
	// The estate's gateway holds one person against a cap of one: full.
	if err := f.store.PutStatus(ctx, gatewayStatus("estate", 1, 1, now), now); err != nil {
		t.Fatal(err)
	}
	hot := feverAt("estate", "gate-1", 1, now.Add(-2*time.Hour))
	hot.Reasons = []wire.Reason{{Code: "fever", ZH: "<script>document.title='pwned'</script>", EN: "fever"}}
	f.put(t, hot, entry("estate", "gate-1", 2, now.Add(-time.Hour)))

	dom := renderDOM(t, browser, f.srv.URL+"/")
	for _, want := range []string{
		`<tr class="st-green" data-unit="estate/gate-1">`, `<tr class="st-amber" data-unit="estate/gate-2">`,
		`<tr class="st-grey" data-unit="estate/gate-3">`, `<tr class="st-red" data-unit="estate/gate-4">`,
		`<tr class="st-red" data-unit="estate/gate-5">`, "0.3.1", "community-closed-4", "1,520", "存储已满", "扫码器 故障",
		`data-alert="gate-1-1"`, `class="ack-submit"`, "确认处理",
		`<figure class="chart" data-site="estate">`, "<polyline", `class="fever"`,
		`<li class="occ full" data-site="estate">`, "已满", `data-source="gateway"`, "网关计数", "王经理",
		`href="/api/v1/reports/daily?date=2022-04-02&amp;format=csv"`,
		`href="/api/v1/reports/daily?date=2022-04-02&amp;format=xlsx"`,
		"&lt;img src=x onerror=", "&lt;script&gt;document.title='pwned'&lt;/script&gt;",
	} {
		if !strings.Contains(dom, want) {
			t.Errorf("dashboard lacks %q", want)
		}
	}
	for _, bad := range []string{"<img src=x", "<script>document.title", "<title>pwned"} {
		if strings.Contains(dom, bad) {
			t.Errorf("markup from the API reached the page as markup: %q", bad)
		}
	}
	if t.Failed() {
		t.Logf("DOM:\n%s", dom)
	}
}

// TestDashboardPageIsSelfContained: the page is one document with its style
// and script inline, allowed by the CSP by hash and nothing else, and it
// loads nothing from outside: the control room has no internet.
func TestDashboardPageIsSelfContained(t *testing.T) {
	f := newFixture(t)
	resp, err := http.Get(f.srv.URL + "/")
	if err != nil {
		t.Fatal(err)
	}
	body, err := io.ReadAll(resp.Body)
	resp.Body.Close()
	if err != nil {
		t.Fatal(err)
	}
	page, csp := string(body), resp.Header.Get("Content-Security-Policy")
	inline, hashes := []string{"<style>" + pageCSS + "</style>"}, []string{}
	for _, js := range pageScripts {
		inline, hashes = append(inline, "<script>"+js.text+"</script>"), append(hashes, hash(js.text))
	}
	for _, want := range inline {
		if !strings.Contains(page, want) {
			t.Errorf("page lacks its inline %.20q…", want)
		}
	}
	for _, want := range []string{"default-src 'none'", "script-src " + strings.Join(hashes, " ") + ";",
		"style-src " + hash(pageCSS) + ";", "connect-src 'self'"} {
		if !strings.Contains(csp, want) {
			t.Errorf("CSP %q lacks %q", csp, want)
		}
	}
	for _, bad := range []string{"unsafe-inline", "unsafe-eval"} {
		if strings.Contains(csp, bad) {
			t.Errorf("CSP %q allows %s", csp, bad)
		}
	}
	for _, bad := range []string{`src="`, `href="http`, "url(", "@import", "innerHTML", "insertAdjacentHTML",
		"outerHTML", "document.write", "eval("} {
		if strings.Contains(page, bad) {
			t.Errorf("page contains %q: it must load nothing and parse no data as HTML", bad)
		}
	}
}

// renderDOM returns the page's DOM after its scripts have run; the virtual
// time budget lets the first fetches complete before the dump.
func renderDOM(t *testing.T, browser, url string) string {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	out, err := exec.CommandContext(ctx, browser, "--headless", "--no-sandbox", "--disable-gpu",
		"--no-first-run", "--disable-background-networking", "--disable-component-update",
		"--disable-sync", "--user-data-dir="+t.TempDir(), "--virtual-time-budget=3000",
		"--dump-dom", url).Output()
	if err != nil {
		t.Fatalf("chromium: %v", err)
	}
	return string(out)
}

// chromium skips without a browser unless KAKOU_INTEGRATION=1 requires one.
func chromium(t *testing.T) string {
	t.Helper()
	if testing.Short() && !testenv.Integration() {
		t.Skip("integration test skipped under -short")
	}
	return testenv.Need(t, "chromium")
}
