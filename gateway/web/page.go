package web

import (
	"embed"
	"io/fs"
	"net/http"
)

// The entrance staff's page: the count inside against the cap, big enough
// to read from across the entrance on a tablet, waiting entrances, each
// lane, the last corrections, and for a signed-in site manager the
// correction form. Chinese first with an English toggle, as the guard
// console and the dashboard. Everything it loads is embedded and served
// from here, so the page works on a LAN with no internet.
//
//go:embed static
var files embed.FS

// pageCSP lets the page load only its own script and style and talk only
// to this gateway: no inline script, no other origin, no framing (a page
// that frames this one cannot trick a manager into a correction).
const pageCSP = "default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; " +
	"img-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'"

func secureHeaders(h http.Header) {
	h.Set("Content-Security-Policy", pageCSP)
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("X-Frame-Options", "DENY")
	h.Set("Referrer-Policy", "no-referrer")
	h.Set("Cache-Control", "no-store")
}

func page(w http.ResponseWriter, _ *http.Request) {
	b, err := files.ReadFile("static/index.html")
	if err != nil {
		panic("web: static/index.html is not embedded: " + err.Error()) // a build without it is broken
	}
	secureHeaders(w.Header())
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	_, _ = w.Write(b) // an error means the client went away
}

// static serves the page's script and style under /static/.
func static() http.Handler {
	sub, err := fs.Sub(files, "static")
	if err != nil {
		panic("web: static: " + err.Error())
	}
	fsrv := http.StripPrefix("/static/", http.FileServerFS(sub))
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		secureHeaders(w.Header())
		fsrv.ServeHTTP(w, r)
	})
}
