package unit

import (
	"net"
	"strings"
)

// problems checks [console] cert_file and key_file: both or neither. A
// console on a LAN address without them is allowed, since the demo and
// bench set-ups run so, but configs/production/unit.toml sets both:
// over the site's Wi-Fi the page carries names and temperatures.
func (c ConsoleConfig) problems() []string {
	var p []string
	if (c.CertFile == "") != (c.KeyFile == "") {
		p = append(p, "console.cert_file: cert_file and key_file go together: give both or neither")
	}
	if c.CertFile != "" && c.Listen == "off" {
		p = append(p, "console.cert_file: the console is off; remove the certificate or set console.listen")
	}
	return p
}

// startConsole serves the guard console, over HTTPS when a certificate
// is configured.
func (u *Unit) startConsole() error {
	c := u.cfg.Console
	if c.CertFile == "" {
		if !loopback(c.Listen) {
			u.log.Warn("guard console served without TLS on a LAN address; set console.cert_file and key_file",
				"listen", c.Listen)
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
