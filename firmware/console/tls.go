package console

import (
	"crypto/tls"
	"fmt"
	"net"
)

// StartTLS is Start over HTTPS with the unit's certificate and key (PEM
// files, read now). A guard's phone reaches the console over the site's
// Wi-Fi; the page shows the last person's name and temperature and takes
// overrides, so on anything but the Pi's own loopback it must be
// encrypted and the phone must be able to tell the real unit from an
// impostor on the same network.
func (c *Console) StartTLS(addr, certFile, keyFile string) error {
	cert, err := tls.LoadX509KeyPair(certFile, keyFile)
	if err != nil {
		return fmt.Errorf("console: certificate %s / key %s: %w (set console.cert_file and key_file)",
			certFile, keyFile, err)
	}
	// TLS 1.2 as the oldest: phones a guard is likely to carry have it.
	c.srv.TLSConfig = &tls.Config{MinVersion: tls.VersionTLS12, Certificates: []tls.Certificate{cert}}
	c.tls = true
	return c.Start(addr)
}

// serve is http.Server's ServeTLS when StartTLS set a certificate, which
// also answers a plain-HTTP request with a 400 telling it to use https.
func (c *Console) serve(ln net.Listener) error {
	if c.tls {
		return c.srv.ServeTLS(ln, "", "")
	}
	return c.srv.Serve(ln)
}

// scheme reads the flag, not srv.TLSConfig: net/http's HTTP/2 set-up
// gives a plain server an empty TLSConfig of its own once it serves, on
// the serving goroutine.
func (c *Console) scheme() string {
	if c.tls {
		return "https"
	}
	return "http"
}
