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
	// SubscribeQoS0 makes Listen ask for QoS 0 whatever the caller's QoS,
	// for a NATS cluster. NATS's MQTT listener makes a JetStream consumer
	// for each QoS 1 subscription before it reads the connection's next
	// packet, seconds each on a node taking over from a dead one (the
	// city's fault test: devices on the dead node offline 20 to 35 s, and
	// entries stuck behind retried SUBSCRIBEs); a QoS 0 one is a plain NATS
	// subscription, made at once (offline about 2 s). Nothing is lost by
	// it: every topic a device subscribes to is retained and says the
	// latest state (an ack covers every entry up to its seq), sessions are
	// clean, so a QoS 1 subscription keeps nothing across connections
	// either, and a message lost with a dropped connection is the retained
	// one the next connection's subscription brings.
	SubscribeQoS0 bool
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
	l := &Link{Broker: c.Broker, down: make(chan struct{}), qos0: c.SubscribeQoS0}
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

// SubscribeQoS0 reads a device config's subscribe_qos key (nil when left
// out, which is QoS 1): whether to set Config.SubscribeQoS0, or what is
// wrong with the value.
func SubscribeQoS0(q *int) (bool, error) {
	switch {
	case q == nil || *q == 1:
		return false, nil
	case *q == 0:
		return true, nil
	}
	return false, fmt.Errorf("%d: want 1 (the default) or 0 (for a NATS cluster, whose QoS 1 subscriptions wait on JetStream)", *q)
}
