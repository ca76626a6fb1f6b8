package unit

import (
	"net"
	"strings"
	"time"
)

// problems checks [console]. A console on anything but loopback without a
// certificate is refused unless allow_plain_http says so: over the site's
// Wi-Fi the page carries names and temperatures, and a guard's PIN and
// session cookie would cross the air in the clear to anyone listening.
// configs/production/unit.toml serves it over HTTPS.
func (c ConsoleConfig) problems() []string {
	var p []string
	if (c.CertFile == "") != (c.KeyFile == "") {
		p = append(p, "console.cert_file: cert_file and key_file go together: give both or neither")
	}
	if c.CertFile != "" && c.Listen == "off" {
		p = append(p, "console.cert_file: the console is off; remove the certificate or set console.listen")
	}
	if c.Listen != "off" && c.CertFile == "" && !c.AllowPlainHTTP && !loopback(c.Listen) {
		p = append(p, "console.listen: "+c.Listen+" is reachable from the LAN but the console has no TLS: "+
			"set console.cert_file and console.key_file (kakou-cloud pki issue makes them), listen on "+
			"127.0.0.1 for the Pi's own screen, or, on a closed bench network only, set console.allow_plain_http = true")
	}
	if c.AllowPlainHTTP && (c.CertFile != "" || loopback(c.Listen) || c.Listen == "off") {
		p = append(p, "console.allow_plain_http: only for a console on a LAN address without cert_file; remove it")
	}
	if c.GuardsFile != "" && strings.TrimSpace(c.GuardsFile) == "" {
		p = append(p, "console.guards_file: blank; give the path of a guards file or leave the key out")
	}
	if d := c.SessionIdle.Duration; d < 10*time.Minute || d > 48*time.Hour {
		p = append(p, "console.session_idle: "+d.String()+": want 10m to 48h (12h, a shift, is usual)")
	}
	return p
}

// startConsole serves the guard console, over HTTPS when a certificate
// is configured.
func (u *Unit) startConsole() error {
	c := u.cfg.Console
	if c.CertFile == "" {
		if !loopback(c.Listen) {
			u.log.Error("GUARD CONSOLE SERVED WITHOUT TLS ON A LAN ADDRESS (console.allow_plain_http = true): "+
				"PINs, session cookies, names and temperatures cross the network in the clear; "+
				"set console.cert_file and key_file", "listen", c.Listen)
		}
		return u.console.Start(c.Listen)
	}
	return u.console.StartTLS(c.Listen, c.CertFile, c.KeyFile)
}

// loopback says whether addr listens on this machine only.
func loopback(addr string) bool {
	host, _, _ := net.SplitHostPort(addr)
	ip := net.ParseIP(host)
	return strings.EqualFold(host, "localhost") || ip != nil && ip.IsLoopback()
}
