package broker

import (
	"crypto/tls"
	"errors"

	"github.com/kakou/kakou/internal/embedbroker"
)

// UseTLS makes the broker listen with TLS instead of plain TCP: units'
// entries carry names, ID numbers and health status, and on anything but
// loopback they must not cross the network in the clear. With
// c.ClientAuth set to require a certificate (pki.ServerConfig with a
// client CA) only devices holding a certificate from that CA get as far
// as MQTT CONNECT. Call it before Start.
func (b *Broker) UseTLS(c *tls.Config) error {
	if c == nil || len(c.Certificates) == 0 && c.GetCertificate == nil {
		return errors.New("broker: TLS needs the broker's certificate and key")
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.started {
		return errors.New("broker: UseTLS must come before Start")
	}
	// mochi's TCP listener takes TLS only at construction; the address
	// is unchanged since nothing is bound yet.
	b.tcp = embedbroker.NewTCP("tls", b.tcp.Address(), c)
	b.secure = true
	return nil
}

// scheme is the URL scheme paho dials the broker with.
func (b *Broker) scheme() string {
	if b.secure {
		return "ssl"
	}
	return "tcp"
}
