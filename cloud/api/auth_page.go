package api

import (
	_ "embed"
	"fmt"
	"net/http"
	"strings"
)

// The login page is assembled like the dashboard (dashboard.go): its page,
// the dashboard's style sheet (the same look), its own, and its script,
// served as one document whose Content-Security-Policy allows exactly
// those inline elements by hash, with no 'unsafe-inline'.
var (
	//go:embed web/login.html
	loginPageHTML string
	//go:embed web/login.css
	loginCSS string
	//go:embed web/login.js
	loginJS string

	loginHTML, loginCSP = assembleLogin(loginPageHTML, pageCSS, loginCSS, loginJS)
)

func assembleLogin(page, dashCSS, css, js string) ([]byte, string) {
	tags := []struct{ tag, inline string }{
		{`<link rel="stylesheet" href="dashboard.css">`, "<style>" + dashCSS + "</style>"},
		{`<link rel="stylesheet" href="login.css">`, "<style>" + css + "</style>"},
		{`<script src="login.js"></script>`, "<script>" + js + "</script>"},
	}
	for _, t := range tags {
		if strings.Count(page, t.tag) != 1 {
			panic(fmt.Sprintf("api: web/login.html must contain %s exactly once", t.tag))
		}
		page = strings.Replace(page, t.tag, t.inline, 1)
	}
	if strings.Contains(strings.ToLower(css), "</style") || strings.Contains(strings.ToLower(js), "</script") {
		panic("api: web/login.css or .js contains the closing tag of its inline element")
	}
	csp := "default-src 'none'; script-src " + hash(js) + "; style-src " + hash(dashCSS) + " " + hash(css) +
		"; connect-src 'self'; form-action 'self'; base-uri 'none'; frame-ancestors 'none'"
	return []byte(page), csp
}

// loginPage serves the login form; in open mode there is nothing to log
// in to, so it sends the browser to the dashboard.
func (s *server) loginPage(w http.ResponseWriter, r *http.Request) {
	if s.auth.open {
		http.Redirect(w, r, "/", http.StatusSeeOther)
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Cache-Control", "no-cache")
	w.Header().Set("Content-Security-Policy", loginCSP)
	w.Header().Set("X-Content-Type-Options", "nosniff")
	w.Header().Set("Referrer-Policy", "no-referrer")
	w.Header().Set("X-Frame-Options", "DENY")
	w.Write(loginHTML)
}
