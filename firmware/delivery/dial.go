package delivery

import (
	"cmp"
	"context"
	"crypto/tls"
	"fmt"
	"time"

	mqtt "github.com/eclipse/paho.mqtt.golang"

	"github.com/kakou/kakou/firmware/wire"
)

// Config is one connection to a broker, as the unit's uplink and the
// gateway's bridge open it.
type Config struct {
	Broker             string      // tcp://host:port, ssl://…, ws://…
	ClientID           string      // the same on every connection
	Username, Password string      // the device's own credential (enrollment)
	TLS                *tls.Config // nil for a plain broker URL
	// WillTopic and Will are the retained last will: the device's offline
	// status, rendered when the connection is opened.
	WillTopic string
	Will      []byte
	Timing    Timing
}

// Timing bounds a connection's waits; zero fields take DefaultTiming's.
type Timing struct {
	Connect time.Duration // dial plus MQTT handshake
	// KeepAlive and PingTimeout notice a connection that died silently (a
	// cut cable, a NAT that forgot the flow): paho pings after KeepAlive of
	// silence and gives the connection up PingTimeout later.
	KeepAlive   time.Duration
	PingTimeout time.Duration
	// Write bounds one packet's write, and so how long paho's Publish
	// blocks when it races with the connection's loss or the socket stops
	// draining: paho's own default, 30 s, stalls the drain that long after
	// a cut, and a write with no deadline can block for good.
	Write time.Duration
}

// DefaultTiming is what the field runs with.
var DefaultTiming = Timing{
	Connect:     10 * time.Second,
	KeepAlive:   30 * time.Second,
	PingTimeout: 10 * time.Second, // paho's own default
	Write:       10 * time.Second,
}

func (t Timing) orDefault() Timing {
	return Timing{
		Connect:     cmp.Or(t.Connect, DefaultTiming.Connect),
		KeepAlive:   cmp.Or(t.KeepAlive, DefaultTiming.KeepAlive),
		PingTimeout: cmp.Or(t.PingTimeout, DefaultTiming.PingTimeout),
		Write:       cmp.Or(t.Write, DefaultTiming.Write),
	}
}

// Dial opens one connection with a fresh paho client and waits for the
// broker's CONNACK. If ctx ends first the attempt is abandoned: paho closes
// the connection should it still complete.
func Dial(ctx context.Context, c Config) (*Link, error) {
	l := &Link{Broker: c.Broker, down: make(chan struct{})}
	l.Client = mqtt.NewClient(c.options(l))
	tok := l.Connect()
	select {
	case <-tok.Done():
	case <-ctx.Done():
		l.Disconnect(0)
		return nil, ctx.Err()
	}
	if err := tok.Error(); err != nil {
		return nil, fmt.Errorf("connect %s: %w", c.Broker, err)
	}
	return l, nil
}

// options are paho's for one connection, with paho's own reconnect off:
// its retries carry no jitter (every device of a site or a city would come
// back in step after an outage), and without it a lost connection fails
// the publish tokens at once instead of at the PUBACK timeout (paho
// client.go internalConnLost). A fresh client per connection carries a
// fresh will and leaves nothing of the last connection behind. The session
// is clean because the device's ledger or store is the session.
func (c Config) options(l *Link) *mqtt.ClientOptions {
	t := c.Timing.orDefault()
	o := mqtt.NewClientOptions().
		AddBroker(c.Broker).
		SetClientID(c.ClientID).
		SetUsername(c.Username).
		SetPassword(c.Password).
		SetCleanSession(true).
		SetAutoReconnect(false).
		SetConnectRetry(false).
		SetConnectTimeout(t.Connect).
		SetKeepAlive(t.KeepAlive).
		SetPingTimeout(t.PingTimeout).
		SetWriteTimeout(t.Write)
	if c.WillTopic != "" {
		o.SetBinaryWill(c.WillTopic, c.Will, wire.QoSStatus, true)
	}
	if c.TLS != nil {
		o.SetTLSConfig(c.TLS)
	}
	if buffersReads(c.Broker) {
		o.SetCustomOpenConnectionFn(bufferedDial) // see conn.go
	}
	o.SetConnectionLostHandler(func(_ mqtt.Client, err error) { l.lose(err) })
	return o
}
