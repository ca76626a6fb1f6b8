package delivery

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	mqtt "github.com/eclipse/paho.mqtt.golang"
)

// Link is one connection: its paho client, and Down, closed when paho
// reports the connection lost. Every wait on a token also waits on Down:
// paho never completes the token of a publish still queued when the
// connection went, so only Down ends that wait before the PUBACK timeout.
type Link struct {
	mqtt.Client
	Broker string // the URL it was dialled on: one node of several, perhaps
	down   chan struct{}
	once   sync.Once
	err    error // why it was lost; written before down is closed
	qos0   bool  // Config.SubscribeQoS0
}

// ErrNoPuback is a publish or subscription the broker did not acknowledge
// before its deadline.
var ErrNoPuback = errors.New("no acknowledgement in time")

// ErrRefused is a subscription the broker refused (SUBACK 0x80), nearly
// always its ACL.
var ErrRefused = errors.New("refused by the broker")

func (l *Link) lose(err error) {
	l.once.Do(func() {
		l.err = err
		close(l.down)
	})
}

// Down is closed once the connection is lost.
func (l *Link) Down() <-chan struct{} { return l.down }

// Lost is why the connection was lost; only valid once Down is closed.
func (l *Link) Lost() error { return fmt.Errorf("connection lost: %w", l.err) }

// Await waits for tok, the connection's loss, ctx or the deadline,
// whichever comes first; the deadline is shared so a whole publish round
// gets one timeout.
func (l *Link) Await(ctx context.Context, tok mqtt.Token, deadline <-chan time.Time) error {
	select {
	case <-tok.Done():
		return tok.Error()
	case <-l.down:
		return l.Lost()
	case <-ctx.Done():
		return ctx.Err()
	case <-deadline:
		return ErrNoPuback
	}
}

// Listen subscribes to filter, at qos or, with Config.SubscribeQoS0, at 0,
// and waits up to timeout for the SUBACK. A refused subscription is
// ErrRefused; what it costs (the connection, or a log line) is the
// caller's to say.
func (l *Link) Listen(ctx context.Context, filter string, qos byte, h mqtt.MessageHandler, timeout time.Duration) error {
	if l.qos0 {
		qos = 0
	}
	tok := l.Subscribe(filter, qos, h)
	deadline := time.NewTimer(timeout)
	defer deadline.Stop()
	if err := l.Await(ctx, tok, deadline.C); err != nil {
		return fmt.Errorf("subscribe %s: %w", filter, err)
	}
	if st, ok := tok.(*mqtt.SubscribeToken); ok && st.Result()[filter] == 0x80 {
		return fmt.Errorf("subscribe %s: %w", filter, ErrRefused)
	}
	return nil
}

// Send publishes payload and waits up to timeout for its PUBACK.
func (l *Link) Send(ctx context.Context, topic string, qos byte, retained bool, payload []byte, timeout time.Duration) error {
	tok := l.Publish(topic, qos, retained, payload)
	deadline := time.NewTimer(timeout)
	defer deadline.Stop()
	return l.Await(ctx, tok, deadline.C)
}
