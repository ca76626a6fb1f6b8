package uplink

import (
	"bytes"
	"context"
	"maps"
	"slices"
	"sync"

	mqtt "github.com/eclipse/paho.mqtt.golang"

	"github.com/kakou/kakou/firmware/wire"
)

// The centre's watch roster is a tree of retained messages under
// wire.WatchRoot, the same for every unit (wire/watch.go). The uplink only
// receives them: it hands each part or head, by name, to Options.OnWatch
// on a goroutine of its own, and the unit verifies, assembles and saves.
// A roster of 100,000 people is over a thousand parts, all retained, so
// they arrive in a burst on every connect: only the latest payload per
// name waits, and the handler never blocks paho.

// watchHandoff holds the parts not yet handed to OnWatch.
type watchHandoff struct {
	mu      sync.Mutex
	pending map[string][]byte
	wake    chan struct{} // size 1: parts wait in pending
}

// watchPush asks for the roster on this connection. A broker that
// refuses it costs the roster, not the connection: the unit keeps the one
// it has.
func (u *Uplink) watchPush() (pushSub, bool) {
	return pushSub{what: "watch roster", topic: wire.WatchFilter, qos: wire.QoSWatch, on: u.onWatch,
		refused: "people the centre puts in quarantine will not reach this gate"}, u.opts.OnWatch != nil
}

// onWatch runs on paho's goroutine. An empty payload is the centre
// clearing a part no head names any more; the unit forgets it.
func (u *Uplink) onWatch(_ mqtt.Client, m mqtt.Message) {
	name := wire.WatchName(m.Topic())
	if name == "" || len(m.Payload()) > wire.MaxPayload {
		u.log.Warn("uplink: ignored a message on the watch roster's topics", "topic", m.Topic(), "bytes", len(m.Payload()))
		return
	}
	w := &u.watch
	w.mu.Lock()
	if w.pending == nil {
		w.pending = map[string][]byte{}
	}
	w.pending[name] = bytes.Clone(m.Payload())
	w.mu.Unlock()
	select {
	case w.wake <- struct{}{}:
	default:
	}
}

// startWatch hands received parts to OnWatch until ctx ends, parts before
// the head, so a head finds the parts of its burst already there; the
// returned wait blocks until it has stopped.
func (u *Uplink) startWatch(ctx context.Context) (wait func()) {
	if u.opts.OnWatch == nil {
		return func() {}
	}
	done := make(chan struct{})
	go func() {
		defer close(done)
		for {
			select {
			case <-ctx.Done():
				return
			case <-u.watch.wake:
			}
			w := &u.watch
			w.mu.Lock()
			batch := w.pending
			w.pending = nil
			w.mu.Unlock()
			for _, name := range slices.Sorted(maps.Keys(batch)) {
				if name != wire.WatchHeadName {
					u.opts.OnWatch(name, batch[name])
				}
			}
			if h, ok := batch[wire.WatchHeadName]; ok {
				u.opts.OnWatch(wire.WatchHeadName, h)
			}
		}
	}()
	return func() { <-done }
}
