package api

import (
	"context"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/kakou/kakou/firmware/wire"
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
	if testing.Short() && os.Getenv("KAKOU_INTEGRATION") != "1" {
		t.Skip("integration test skipped under -short")
	}
	for _, name := range []string{"chromium", "chromium-browser"} {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	if os.Getenv("KAKOU_INTEGRATION") == "1" {
		t.Fatal("chromium is not installed; run .ci/deps")
	}
	t.Skip("chromium not installed (apt-get install chromium)")
	return ""
}
