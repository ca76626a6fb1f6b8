// Package ingest takes the units' messages off MQTT, or their entries off a
// NATS JetStream consumer (Options.JetStream, jetstream.go) and, beside it,
// a core-NATS queue group that has them while the stream has no leader
// (jetstream_live.go), into the store.
//
// It subscribes to every unit's entry and status topics at QoS 1. A lone
// collector keeps a persistent session (CleanSession false and a stable
// client id), so whatever the units published while it was down is queued
// by the broker and delivered when it comes back. A member of a shared
// group keeps a clean session instead (see Options.SharedGroup). Delivery
// is at-least-once; the store makes it exactly-once in effect.
//
// Once entries are stored, ingest tells their unit how far it has stored
// them without a gap: a retained wire.Ack on the unit's ack topic carrying
// the store's watermark (store.Watermark). Only that ack lets a unit count
// an entry delivered; the PUBACK ingest sends the broker after storing
// only lets the broker drop its copy.
package ingest

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"log/slog"
	"net/url"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	paho "github.com/eclipse/paho.mqtt.golang"
	"github.com/kakou/kakou/cloud/store"
	"github.com/kakou/kakou/firmware/wire"
)

// Store is what ingest needs from storage. Both writes must be idempotent:
// the same message may arrive more than once. PutEntries reports the
// watermark of every unit in the batch, committed with the entries.
type Store interface {
	PutEntries(ctx context.Context, entries []wire.Entry, receivedAt time.Time) (store.PutResult, error)
	PutStatus(ctx context.Context, st wire.Status, receivedAt time.Time) error
	// PutDeadLetter keeps a refused message (deadletter.go).
	PutDeadLetter(ctx context.Context, d store.DeadLetter) error
}

// Options configures the MQTT connection.
type Options struct {
	BrokerURL string // tcp://host:port
	// BrokerURLs, instead of BrokerURL, are the nodes of a clustered
	// broker: paho tries them in turn, so the collector fails over to
	// another node.
	BrokerURLs []string
	// ClientID must stay the same across restarts: the broker keeps the
	// session, and the messages queued in it, under this id.
	ClientID           string
	Username, Password string
	// SharedGroup, when set, takes entries through the shared subscription
	// $share/<SharedGroup>/…: the broker hands each entry to one member of
	// the group, so several collectors split the load (docs/architecture.md
	// "Real parts by default, embedded where that serves").
	// Statuses are subscribed plainly by every member: they are few, and
	// brokers do not replay retained messages to shared subscriptions.
	//
	// A member's session is clean. Mosquitto keeps a persistent session's
	// shared subscription in the group while its client is away and goes
	// on handing it a share of every unit's entries, re-sends included: a
	// replica that died and never came back would hold each unit's
	// acknowledgement at a gap for good. With a clean session the broker
	// drops a dead member at once; what it held unstored, the units re-send
	// after their ack timeout, to the members still alive.
	SharedGroup string
	// TLS, for an ssl:// broker URL, says whom to trust and which
	// certificate to present; nil takes the system's roots.
	TLS *tls.Config
	// JetStream, when set, takes entries from a JetStream consumer
	// instead of MQTT (jetstream.go); MQTT then carries statuses, acks
	// and pushes, on a clean session.
	JetStream *JetStreamOptions
	// Observer, if set, is told of every stored batch, rejected message
	// and live entry's lag, for the collector's /metrics.
	Observer Observer
	Logger   *slog.Logger
}

// Observer receives ingest's measurements.
type Observer interface {
	Stored(n, duplicates int, took time.Duration)
	Rejected()
	DeadLettered() // a refused message was kept in the dead-letter table
	Lag(d time.Duration)
}

type noObserver struct{}

func (noObserver) Stored(int, int, time.Duration) {}
func (noObserver) Rejected()                      {}
func (noObserver) DeadLettered()                  {}
func (noObserver) Lag(time.Duration)              {}

// connectTimeout bounds Start when the broker cannot be reached.
const connectTimeout = 10 * time.Second

// Ingest is a running subscription feeding a Store. Besides paho's own,
// it runs two goroutines: the writer (batch.go), which stores what handle
// decoded and then acknowledges it to the broker, and the acker (ack.go),
// which publishes the units' acknowledgements.
type Ingest struct {
	store  Store
	opts   Options
	log    *slog.Logger
	client paho.Client
	acks   *acker
	// queue carries decoded messages from handle to the writer, in order.
	queue      chan incoming
	writerDone chan struct{}

	stopped  context.Context // done once Stop is called; ends store retries
	stop     context.CancelFunc
	stopOnce sync.Once
	ready    chan error // the first subscription's outcome, for Start
	readyOne sync.Once
	running  atomic.Bool // the writer and acker goroutines were started
	js       *puller     // pulling from JetStream, when Options.JetStream is set
	live     *liveSub    // the live path beside it, unless JetStreamOptions.DurableOnly

	accepted, duplicates, rejected, conflicts, echoes atomic.Uint64
	// connectedAt is when the broker session began (unix ns); 0 while
	// disconnected (listening.go).
	connectedAt atomic.Int64
}

// Stats counts messages since New.
type Stats struct {
	Accepted   uint64 // stored, or already stored (a re-send)
	Duplicates uint64 // accepted entries that were already stored
	Rejected   uint64 // malformed or inconsistent, logged and dropped
	Conflicts  uint64 // entries set aside: another entry holds their id or seq (store.Conflict)
	// Live counts the entries taken off JetStream's live path, and Echoes
	// those the durable consumer brought again after the live path had
	// stored them (jetstream_live.go); neither is in Duplicates.
	Live, Echoes uint64
}

// New checks opts and prepares the client; nothing connects until Start.
func New(st Store, opts Options) (*Ingest, error) {
	if st == nil {
		return nil, errors.New("ingest: a store is required")
	}
	if err := opts.validate(); err != nil {
		return nil, err
	}
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.DiscardHandler)
	}
	if opts.Observer == nil {
		opts.Observer = noObserver{}
	}
	if opts.JetStream != nil {
		js := opts.JetStream.withDefaults()
		opts.JetStream = &js
	}
	in := &Ingest{store: st, opts: opts, ready: make(chan error, 1),
		log:   opts.Logger.With("component", "ingest"),
		queue: make(chan incoming, queueSize), writerDone: make(chan struct{})}
	in.stopped, in.stop = context.WithCancel(context.Background())
	in.client = paho.NewClient(in.clientOptions())
	in.acks = newAcker(in.client, in.log)
	return in, nil
}

func (o Options) validate() error {
	if (o.BrokerURL == "") == (len(o.BrokerURLs) == 0) {
		return errors.New("ingest: give one broker URL or a list of them, not both or neither")
	}
	for _, b := range o.brokers() {
		u, err := url.Parse(b)
		if err != nil || u.Host == "" {
			return fmt.Errorf("ingest: broker URL %q: want tcp://host:port", b)
		}
	}
	if o.ClientID == "" {
		return errors.New("ingest: a stable client id is required for the persistent session")
	}
	if strings.ContainsAny(o.SharedGroup, "/+#") {
		return fmt.Errorf("ingest: shared group %q must not contain '/', '+' or '#'", o.SharedGroup)
	}
	if o.JetStream != nil {
		return o.JetStream.withDefaults().validate(o.SharedGroup)
	}
	return nil
}

// brokers is BrokerURL or BrokerURLs.
func (o Options) brokers() []string {
	if o.BrokerURL != "" {
		return []string{o.BrokerURL}
	}
	return o.BrokerURLs
}

// filterNames are the MQTT subscriptions, for the log.
func (in *Ingest) filterNames() []string {
	if in.opts.JetStream != nil {
		return []string{wire.StatusFilter} // entries come from JetStream
	}
	return []string{in.entryFilter(), wire.StatusFilter}
}

// brokerList names the brokers for logs and errors.
func (o Options) brokerList() string { return strings.Join(o.brokers(), ", ") }

func (in *Ingest) clientOptions() *paho.ClientOptions {
	o := in.pahoOptions()
	if !slices.ContainsFunc(in.opts.brokers(), func(b string) bool { return !buffersReads(b) }) {
		o.SetCustomOpenConnectionFn(bufferedDial) // see conn.go
	}
	if in.opts.TLS != nil {
		o.SetTLSConfig(in.opts.TLS)
	}
	return o
}

func (in *Ingest) pahoOptions() *paho.ClientOptions {
	o := paho.NewClientOptions()
	for _, b := range in.opts.brokers() {
		o.AddBroker(b)
	}
	return o.
		SetClientID(in.opts.ClientID).
		SetUsername(in.opts.Username).
		SetPassword(in.opts.Password).
		SetCleanSession(in.opts.SharedGroup != "" || in.opts.JetStream != nil). // see Options.SharedGroup
		// Ordered delivery runs the handler on paho's router goroutine, one
		// message at a time, so messages reach the writer in the order they
		// came and are stored and acknowledged in that order.
		SetOrderMatters(true).
		// The writer acknowledges each message, and only once it is stored
		// or found unusable; see handle and write.
		SetAutoAckDisabled(true).
		// Queued messages of a persistent session can arrive before
		// OnConnect has resubscribed; without a default handler paho would
		// drop them unacknowledged.
		SetDefaultPublishHandler(in.handle).
		SetAutoReconnect(true).
		SetMaxReconnectInterval(10 * time.Second).
		SetConnectTimeout(connectTimeout).
		SetOnConnectHandler(in.onConnect).
		SetConnectionLostHandler(func(_ paho.Client, err error) {
			in.connectedAt.Store(0)
			in.log.Warn("lost the broker, reconnecting", "broker", in.opts.brokerList(), "err", err)
		})
}

// Start connects and returns once both subscriptions are in place, or with
// an error when the broker cannot be reached or refuses them. An Ingest is
// started once; after an error or Stop, make a new one.
func (in *Ingest) Start(ctx context.Context) error {
	if !in.running.Swap(true) {
		go in.write(in.stopped)
		go in.acks.run(in.stopped)
	}
	tok := in.client.Connect()
	err := in.wait(ctx, tok.Done(), nil)
	if err == nil {
		err = tok.Error()
	}
	if err != nil {
		in.Stop()
		return fmt.Errorf("ingest: connect to %s: %w", in.opts.brokerList(), err)
	}
	if err := in.wait(ctx, nil, in.ready); err != nil {
		in.Stop()
		return fmt.Errorf("ingest: subscribe on %s: %w", in.opts.brokerList(), err)
	}
	if in.opts.JetStream != nil {
		if err := in.startJetStream(ctx); err != nil {
			in.Stop()
			return fmt.Errorf("ingest: %w", err)
		}
	}
	return nil
}

// wait blocks until done closes or result delivers, within connectTimeout.
func (in *Ingest) wait(ctx context.Context, done <-chan struct{}, result <-chan error) error {
	timer := time.NewTimer(connectTimeout)
	defer timer.Stop()
	select {
	case <-done:
		return nil
	case err := <-result:
		return err
	case <-ctx.Done():
		return ctx.Err()
	case <-timer.C:
		return fmt.Errorf("no answer within %v", connectTimeout)
	}
}

func (in *Ingest) entryFilter() string {
	if in.opts.SharedGroup == "" {
		return wire.EntryFilter
	}
	return "$share/" + in.opts.SharedGroup + "/" + wire.EntryFilter
}

// onConnect (re)subscribes on every connection, first or after a drop.
func (in *Ingest) onConnect(c paho.Client) {
	in.connectedAt.Store(time.Now().UnixNano())
	err := in.subscribe(c)
	if err != nil {
		in.log.Error("subscribe failed", "broker", in.opts.brokerList(), "err", err)
	} else {
		in.log.Info("subscribed", "broker", in.opts.brokerList(), "filters", in.filterNames())
	}
	in.readyOne.Do(func() { in.ready <- err })
}

// subscribe retries a refused SUBSCRIBE for up to connectTimeout. mochi
// refuses one whose packet id is also the id of a message it is still
// re-delivering from the persistent session (it keeps one id space for both
// directions); that clears as the writer acknowledges the backlog, which flows
// meanwhile because the session's subscriptions survived.
func (in *Ingest) subscribe(c paho.Client) error {
	filters := map[string]byte{in.entryFilter(): wire.QoSEntry, wire.StatusFilter: wire.QoSStatus}
	if in.opts.JetStream != nil {
		delete(filters, in.entryFilter()) // entries come from JetStream
	}
	deadline := time.Now().Add(connectTimeout)
	for {
		tok := c.SubscribeMultiple(filters, in.handle)
		err := errors.New("no SUBACK")
		if tok.WaitTimeout(connectTimeout) {
			err = subscribeResult(tok)
		}
		if err == nil || time.Now().After(deadline) || !c.IsConnectionOpen() {
			return err
		}
		in.log.Warn("subscribe refused, retrying", "broker", in.opts.brokerList(), "err", err)
		select {
		case <-in.stopped.Done():
			return err
		case <-time.After(retryFirst):
		}
	}
}

// subscribeResult turns a SUBACK refusal (code 0x80) into an error.
func subscribeResult(tok paho.Token) error {
	if err := tok.Error(); err != nil {
		return err
	}
	st, ok := tok.(*paho.SubscribeToken)
	if !ok {
		return nil
	}
	for filter, code := range st.Result() {
		if code >= 0x80 {
			return fmt.Errorf("broker refused %s (code 0x%02x)", filter, code)
		}
	}
	return nil
}

// Stop ends retries in progress and disconnects. A message not yet stored
// stays unacknowledged in the broker's session and comes again next time;
// an ack not yet published is published again when its unit re-sends.
func (in *Ingest) Stop() {
	in.stopOnce.Do(func() {
		in.stop()
		if in.js != nil {
			in.live.stop()
			in.js.stopPulling() // before the writer, so handle is not left waiting
		}
		if in.running.Load() {
			<-in.writerDone
			<-in.acks.done
		}
		if in.js != nil {
			in.js.close()
		}
		in.client.Disconnect(250)
		in.log.Info("stopped", "stats", in.Stats())
	})
}

// Stats returns the message counters.
func (in *Ingest) Stats() Stats {
	return Stats{Accepted: in.accepted.Load(), Duplicates: in.duplicates.Load(),
		Rejected: in.rejected.Load(), Conflicts: in.conflicts.Load(),
		Live: in.live.count(), Echoes: in.echoes.Load()}
}
