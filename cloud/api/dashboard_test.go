package api

import (
	"crypto/sha256"
	"encoding/base64"
	"regexp"
	"slices"
	"strings"
	"testing"
)

// TestDashboardCSPAllowsExactlyEachInlineScriptByItsHash: every inline
// script of the served page, hashed as the browser hashes it, is in the
// policy's script-src, and the policy allows nothing more; so each file
// runs, and a script that differs by a byte from the one compiled in does
// not.
func TestDashboardCSPAllowsExactlyEachInlineScriptByItsHash(t *testing.T) {
	scripts := regexp.MustCompile(`(?s)<script>(.*?)</script>`).FindAllStringSubmatch(string(dashboardHTML), -1)
	if len(scripts) != len(pageScripts) {
		t.Fatalf("the page has %d inline scripts, want the %d of pageScripts", len(scripts), len(pageScripts))
	}
	var inPage []string
	for i, s := range scripts {
		sum := sha256.Sum256([]byte(s[1]))
		inPage = append(inPage, "'sha256-"+base64.StdEncoding.EncodeToString(sum[:])+"'")
		if s[1] != pageScripts[i].text {
			t.Errorf("inline script %d is not %s, byte for byte", i, pageScripts[i].name)
		}
	}
	var allowed []string
	for _, d := range strings.Split(dashboardCSP, ";") {
		if src, ok := strings.CutPrefix(strings.TrimSpace(d), "script-src "); ok {
			allowed = strings.Fields(src)
		}
	}
	slices.Sort(inPage)
	slices.Sort(allowed)
	if !slices.Equal(inPage, allowed) {
		t.Errorf("script-src allows %v; the page's scripts hash to %v", allowed, inPage)
	}
}

// TestAssemblePanicsOnALostTagOrAnEarlyClosingTag: a page that lost the
// link to a script, names it twice or lost its style sheet, and a file
// that would end its inline element early, each stop the collector at its
// first test run instead of serving a page that silently lacks a screen.
func TestAssemblePanicsOnALostTagOrAnEarlyClosingTag(t *testing.T) {
	dash, guards := webFile{"dashboard.js", pageJS}, webFile{"guards.js", guardsJS}
	others := pageScripts[:0:0] // the page's other scripts, which these pages keep
	for _, f := range pageScripts {
		if f.name != "dashboard.js" && f.name != "guards.js" {
			others = append(others, f)
		}
	}
	all := func(js ...webFile) []webFile { return append(others[:len(others):len(others)], js...) }
	for name, c := range map[string]struct {
		page, css string
		js        []webFile
	}{
		"no guards.js tag":       {strings.Replace(pageHTML, scriptTag("guards.js"), "", 1), pageCSS, []webFile{dash, guards}},
		"no dashboard.js tag":    {strings.Replace(pageHTML, scriptTag("dashboard.js"), "", 1), pageCSS, []webFile{dash, guards}},
		"guards.js tag twice":    {pageHTML + scriptTag("guards.js"), pageCSS, []webFile{dash, guards}},
		"no style sheet link":    {strings.Replace(pageHTML, cssLink, "", 1), pageCSS, []webFile{dash, guards}},
		"a script ends early":    {pageHTML, pageCSS, []webFile{dash, {"guards.js", `let s = "</SCRIPT>";`}}},
		"the style ends early":   {pageHTML, "p{}</style>", []webFile{dash, guards}},
		"a script not in a page": {pageHTML, pageCSS, []webFile{dash, guards, {"other.js", "1"}}},
	} {
		t.Run(name, func(t *testing.T) {
			defer func() {
				if recover() == nil {
					t.Errorf("assemble did not panic")
				}
			}()
			assemble(c.page, c.css, all(c.js...)...)
		})
	}
	page, csp := assemble(pageHTML, pageCSS, all(dash, guards)...)
	if strings.Contains(string(page), "<script src=") || !strings.Contains(csp, hash(guardsJS)) {
		t.Errorf("the real files assemble into a page that still links a script, or a CSP without guards.js: %s", csp)
	}
}

// TestDashboardScriptsDeclareEachTopLevelNameOnce: the page's scripts
// share one global scope, and a second top-level const or let of a name
// makes the browser refuse that whole script, so a screen would silently
// never draw.
func TestDashboardScriptsDeclareEachTopLevelNameOnce(t *testing.T) {
	decl := regexp.MustCompile(`(?m)^(?:const|let|var|function\*?|async function|class)\s+([A-Za-z_$][\w$]*)`)
	first := map[string]string{}
	for _, f := range pageScripts {
		for _, m := range decl.FindAllStringSubmatch(f.text, -1) {
			if prev, ok := first[m[1]]; ok {
				t.Errorf("%s declares %s at the top level, as %s does", f.name, m[1], prev)
				continue
			}
			first[m[1]] = f.name
		}
	}
}
