package api

import (
	"crypto/sha256"
	_ "embed"
	"encoding/base64"
	"fmt"
	"net/http"
	"strings"
)

// The dashboard is a few files in web/ — the page, its style sheet and its
// scripts (dashboard.js, guards.js for the guard screen, reports.js for
// the reports) — with no
// build step and no framework, so it works from the collector binary alone
// on a network with no internet. They are served as one document: the
// style and the scripts go inline where the page links them, and the
// Content-Security-Policy allows exactly those by hash, so nothing else
// can run even if data from a unit ever reached the page as markup.
var (
	//go:embed web/dashboard.html
	pageHTML string
	//go:embed web/dashboard.css
	pageCSS string
	//go:embed web/dashboard.js
	pageJS string
	//go:embed web/guards.js
	guardsJS string
	//go:embed web/roster.js
	rosterJS string
	//go:embed web/codes.js
	codesJS string // the codes' words (codes_test.go checks them against the Go)
	//go:embed web/display.js
	displayJS string // names and the collector's time zone
	//go:embed web/trace.js
	traceJS string // the tracing screen
	//go:embed web/policy.js
	policyJS string // the policy screen
	//go:embed web/reports.js
	reportsJS string // the reports screen
	//go:embed web/households.js
	householdsJS string
	//go:embed web/sound.js
	soundJS string // the tone for a new urgent alert
	//go:embed web/rollcall.js
	rollCallJS string // the roll call (晨午晚检)
	//go:embed web/vehicles.js
	vehiclesJS string // the vehicle lanes' vehicles
	//go:embed web/holds.js
	holdsJS string // people held for sampling, and recording a result
	//go:embed web/trust.js
	trustJS string // revoked passes and the trust list's counts
	//go:embed web/updates.js
	updatesJS string // program rollouts (程序更新)
	//go:embed web/appointments.js
	appointmentsJS string // a site's appointments (预约) and booking by phone

	// pageScripts are the page's scripts in the order it runs them: what
	// every screen uses first, then dashboard.js, then the screens kept in
	// their own files.
	pageScripts = []webFile{{"codes.js", codesJS}, {"display.js", displayJS},
		{"dashboard.js", pageJS}, {"guards.js", guardsJS}, {"roster.js", rosterJS}, {"policy.js", policyJS},
		{"trace.js", traceJS}, {"reports.js", reportsJS}, {"holds.js", holdsJS}, {"households.js", householdsJS},
		{"sound.js", soundJS}, {"rollcall.js", rollCallJS}, {"vehicles.js", vehiclesJS}, {"trust.js", trustJS}, {"updates.js", updatesJS},
		{"appointments.js", appointmentsJS}}

	dashboardHTML, dashboardCSP = assemble(pageHTML, pageCSS, pageScripts...)
)

// webFile is a script the page links by name, and its text.
type webFile struct{ name, text string }

// The tag in dashboard.html that assemble replaces with the style sheet;
// opened from disk, the page loads the files its tags name.
const cssLink = `<link rel="stylesheet" href="dashboard.css">`

// scriptTag is the tag in dashboard.html that loads the script name.
func scriptTag(name string) string { return `<script src="` + name + `"></script>` }

// assemble inlines css and the scripts into page, in the page's order, and
// returns the policy that allows each of them by its own hash. It panics
// if the page lost a tag or a file holds text that would end its inline
// element early: the files are compiled in, so the first test run catches
// either.
func assemble(page, css string, scripts ...webFile) ([]byte, string) {
	if strings.Count(page, cssLink) != 1 {
		panic(fmt.Sprintf("api: web/dashboard.html must contain %s exactly once", cssLink))
	}
	if strings.Contains(strings.ToLower(css), "</style") {
		panic("api: web/dashboard.css contains </style, which would end its inline element")
	}
	page = strings.Replace(page, cssLink, "<style>"+css+"</style>", 1)
	hashes := make([]string, len(scripts))
	for i, js := range scripts {
		tag := scriptTag(js.name)
		if strings.Count(page, tag) != 1 {
			panic(fmt.Sprintf("api: web/dashboard.html must contain %s exactly once", tag))
		}
		if strings.Contains(strings.ToLower(js.text), "</script") {
			panic("api: web/" + js.name + " contains </script, which would end its inline element")
		}
		page = strings.Replace(page, tag, "<script>"+js.text+"</script>", 1)
		hashes[i] = hash(js.text)
	}
	// img-src data: is for the QR code of a booking made by phone
	// (appointments.js), which the collector sends as a data: URL.
	csp := "default-src 'none'; script-src " + strings.Join(hashes, " ") + "; style-src " + hash(css) +
		"; img-src data:; connect-src 'self'; form-action 'none'; base-uri 'none'; frame-ancestors 'none'"
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
