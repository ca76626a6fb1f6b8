package api

import (
	_ "embed"
	"net/http"
)

// dashboardHTML is the whole dashboard: one page whose script polls
// /api/v1/units and /api/v1/entries. No build step, no framework, so it
// works from the collector binary alone on a network with no internet.
//
//go:embed web/dashboard.html
var dashboardHTML []byte

func dashboard(w http.ResponseWriter, _ *http.Request) {
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Cache-Control", "no-cache")
	w.Header().Set("Content-Security-Policy",
		"default-src 'none'; script-src 'unsafe-inline'; style-src 'unsafe-inline'; connect-src 'self'")
	w.Write(dashboardHTML)
}
