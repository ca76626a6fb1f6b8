package api

import (
	"crypto/sha256"
	_ "embed"
	"encoding/base64"
	"fmt"
	"net/http"
	"strings"
)

// The dashboard is three files in web/ — the page, its style sheet and its
// script — with no build step and no framework, so it works from the
// collector binary alone on a network with no internet. They are served as
// one document: the style and the script go inline where the page links
// them, and the Content-Security-Policy allows exactly those two by hash,
// so nothing else can run even if data from a unit ever reached the page
// as markup.
var (
	//go:embed web/dashboard.html
	pageHTML string
	//go:embed web/dashboard.css
	pageCSS string
	//go:embed web/dashboard.js
	pageJS string

	dashboardHTML, dashboardCSP = assemble(pageHTML, pageCSS, pageJS)
)

// The tags in dashboard.html that assemble replaces; opened from disk, the
// page loads the files they name.
const (
	cssLink   = `<link rel="stylesheet" href="dashboard.css">`
	scriptTag = `<script src="dashboard.js"></script>`
)

// assemble inlines css and js into page and returns the policy that allows
// them. It panics if the page lost a tag or a file holds text that would
// end its inline element early: the files are compiled in, so the first
// test run catches either.
func assemble(page, css, js string) ([]byte, string) {
	for _, tag := range []string{cssLink, scriptTag} {
		if strings.Count(page, tag) != 1 {
			panic(fmt.Sprintf("api: web/dashboard.html must contain %s exactly once", tag))
		}
	}
	if strings.Contains(strings.ToLower(css), "</style") || strings.Contains(strings.ToLower(js), "</script") {
		panic("api: web/dashboard.css or .js contains the closing tag of its inline element")
	}
	page = strings.Replace(page, cssLink, "<style>"+css+"</style>", 1)
	page = strings.Replace(page, scriptTag, "<script>"+js+"</script>", 1)
	csp := "default-src 'none'; script-src " + hash(js) + "; style-src " + hash(css) +
		"; connect-src 'self'; form-action 'none'; base-uri 'none'; frame-ancestors 'none'"
	return []byte(page), csp
}

// hash is the CSP source expression of an inline element's exact text.
func hash(s string) string {
	sum := sha256.Sum256([]byte(s))
	return "'sha256-" + base64.StdEncoding.EncodeToString(sum[:]) + "'"
}

func dashboard(w http.ResponseWriter, _ *http.Request) {
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Cache-Control", "no-cache")
	w.Header().Set("Content-Security-Policy", dashboardCSP)
	w.Header().Set("X-Content-Type-Options", "nosniff")
	w.Header().Set("Referrer-Policy", "no-referrer")
	w.Write(dashboardHTML)
}
