package ingest

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"net/url"
	"strings"
	"sync"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
)

// JetStreamOptions, when set in Options, take entries from a NATS
// JetStream stream instead of an MQTT subscription. NATS's MQTT listener
// stores what the units publish on kakou/v1/<site>/<unit>/entry under the
// subject kakou.v1.<site>.<unit>.entry; the stream keeps those subjects on
// every node it is replicated to, and a durable pull consumer shared by all
// the collectors hands each entry to one of them. NATS has no MQTT shared
// subscriptions ($share/… is not a group there), so this is how several
// collectors split a NATS cluster's entries. Statuses still come over MQTT,
// and acknowledgements and pushes still go out over it.
//
// An entry is acknowledged to JetStream only once it is stored, as the
// PUBACK is on the MQTT path. One the store will not take yet (the writer
// retries it, with back-off, until it succeeds) is not acknowledged and not
// refused either: the collector keeps it its own (InProgress, every third
// of AckWait; jetstream_hold.go) for up to maxHold, so a slow store is not
// handed its own entries back through another collector; past that it is
// left for AckWait to lapse, after which JetStream hands it to whichever
// collector pulls next, perhaps one whose database is reachable. A collector that dies loses nothing: what it held comes back
// to the others after AckWait. A malformed entry is dead-lettered and then
// acknowledged, since sending it again would never make it valid.
//
// Unless DurableOnly, entries also come through the live path
// (jetstream_live.go) as they arrive, and the consumer's copies of those
// are echoes, stored once.
type JetStreamOptions struct {
	URLs     []string // nats:// or tls:// client URLs of the cluster's nodes
	Stream   string   // created or updated on start; DefaultStream if empty
	Consumer string   // durable, shared by every collector; DefaultConsumer if empty
	// Replicas of the stream (1..5); DefaultReplicas if 0. The consumer
	// takes the stream's.
	Replicas int
	// AckWait is how long an entry handed to a collector stays its own
	// before JetStream hands it to another; DefaultAckWait if 0.
	AckWait time.Duration
	// MaxAckPending bounds the entries handed out and not yet acknowledged,
	// over all collectors; DefaultMaxAckPending if 0.
	MaxAckPending int
	// MaxAge is how long the stream keeps an entry, acknowledged or not;
	// DefaultMaxAge if 0.
	MaxAge             time.Duration
	Username, Password string
	TLS                *tls.Config // for tls:// URLs or a server that requires TLS
	// DurableOnly turns the live path off (jetstream_live.go): entries
	// then come only through the durable consumer, and none is stored
	// while the stream has no leader.
	DurableOnly bool
}

// JetStream defaults.
const (
	DefaultStream        = "KAKOU_ENTRIES"
	DefaultConsumer      = "kakou-collectors"
	DefaultReplicas      = 3
	DefaultAckWait       = 30 * time.Second
	DefaultMaxAckPending = 65536
	// DefaultMaxAge is a day, so a collector tier that is down for most of
	// a day loses nothing; the units' ledgers, which keep every entry until
	// it is acknowledged end to end, cover anything longer. The stream is
	// bounded by age only, not bytes: a byte limit is reserved on every
	// replica's disk up front, and a city's day varies too much to guess.
	DefaultMaxAge = 24 * time.Hour
	// MinMaxAge and MaxMaxAge bound MaxAge: shorter than an hour, a
	// collector tier restarting after a bad deploy could find its backlog
	// gone; longer than 90 days, the stream outgrows any node's disk.
	MinMaxAge = time.Hour
	MaxMaxAge = 90 * 24 * time.Hour
)

// EntrySubjects is where NATS's MQTT listener puts the units' entries:
// wire.EntryFilter with NATS's separators.
const EntrySubjects = "kakou.v1.*.*.entry"

// withDefaults fills in the zero values.
func (o JetStreamOptions) withDefaults() JetStreamOptions {
	if o.Stream == "" {
		o.Stream = DefaultStream
	}
	if o.Consumer == "" {
		o.Consumer = DefaultConsumer
	}
	if o.Replicas == 0 {
		o.Replicas = DefaultReplicas
	}
	if o.AckWait == 0 {
		o.AckWait = DefaultAckWait
	}
	if o.MaxAckPending == 0 {
		o.MaxAckPending = DefaultMaxAckPending
	}
	if o.MaxAge == 0 {
		o.MaxAge = DefaultMaxAge
	}
	return o
}

// natsSchemes are the URL schemes nats.go dials.
var natsSchemes = map[string]bool{"nats": true, "tls": true, "ws": true, "wss": true}

func (o JetStreamOptions) validate(sharedGroup string) error {
	if len(o.URLs) == 0 {
		return errors.New("ingest: jetstream needs the cluster's client URLs, e.g. nats://10.0.0.5:4222")
	}
	for _, raw := range o.URLs {
		u, err := url.Parse(raw)
		if err != nil || !natsSchemes[u.Scheme] || u.Host == "" {
			return fmt.Errorf("ingest: jetstream URL %q: want nats://host:port (or tls://)", raw)
		}
	}
	if sharedGroup != "" {
		return errors.New("ingest: a shared group and jetstream exclude each other: with jetstream the consumer " +
			"shares the entries out; NATS's MQTT listener has no shared subscriptions, so leave the group empty")
	}
	for name, v := range map[string]string{"stream": o.Stream, "consumer": o.Consumer} {
		if strings.ContainsAny(v, " \t.*>/\\") || strings.ContainsFunc(v, func(r rune) bool { return r < ' ' || r > '~' }) {
			return fmt.Errorf("ingest: jetstream %s %q: use letters, digits, '-' and '_' only", name, v)
		}
	}
	if o.Replicas < 1 || o.Replicas > 5 {
		return fmt.Errorf("ingest: jetstream replicas %d: JetStream keeps 1 to 5 copies", o.Replicas)
	}
	if o.AckWait < time.Second {
		return fmt.Errorf("ingest: jetstream ack wait %v: at least 1s, longer than a batch takes to store", o.AckWait)
	}
	if o.MaxAckPending < 1 {
		return fmt.Errorf("ingest: jetstream max ack pending %d must be positive", o.MaxAckPending)
	}
	if o.MaxAge < MinMaxAge || o.MaxAge > MaxMaxAge {
		return fmt.Errorf("ingest: jetstream max age %v: want %v to %v", o.MaxAge, MinMaxAge, MaxMaxAge)
	}
	if o.Password != "" && o.Username == "" {
		return errors.New("ingest: jetstream password set without a username")
	}
	return nil
}

// puller takes entries from the JetStream consumer into handle.
type puller struct {
	nc   *nats.Conn
	iter jetstream.MessagesContext
	done chan struct{} // closed when the pulling goroutine returns
	once sync.Once
	hold *holds // what was pulled and not yet acknowledged
}

// startJetStream connects to the cluster, makes sure the stream and the
// consumer exist as configured, and starts pulling.
func (in *Ingest) startJetStream(ctx context.Context) error {
	o := *in.opts.JetStream
	nc, err := nats.Connect(strings.Join(o.URLs, ","), in.natsOptions(o)...)
	if err != nil {
		return fmt.Errorf("connect to NATS at %s: %w", strings.Join(o.URLs, ", "), err)
	}
	js, err := jetstream.New(nc)
	if err != nil {
		nc.Close()
		return err
	}
	cons, err := ensureConsumer(ctx, js, o)
	if err != nil {
		nc.Close()
		return err
	}
	iter, err := cons.Messages(jetstream.PullMaxMessages(maxBatch))
	if err != nil {
		nc.Close()
		return fmt.Errorf("pull from consumer %s: %w", o.Consumer, err)
	}
	in.js = &puller{nc: nc, iter: iter, done: make(chan struct{}), hold: newHolds(o.AckWait)}
	if err := in.startLive(nc, o); err != nil {
		in.js.stopPulling()
		in.js.hold.end()
		nc.Close()
		return err
	}
	go in.pull(in.js)
	in.log.Info("consuming entries from JetStream", "stream", o.Stream, "consumer", o.Consumer, "urls", o.URLs,
		"live", in.live != nil)
	return nil
}

func (in *Ingest) natsOptions(o JetStreamOptions) []nats.Option {
	opts := []nats.Option{
		nats.Name(in.opts.ClientID),
		nats.Timeout(connectTimeout),
		// The nodes are tried in the order given, as paho tries the MQTT
		// ones: each replica lists its own node first to spread them.
		nats.DontRandomize(),
		// A collector outlives any node: it keeps trying the others.
		nats.MaxReconnects(-1),
		nats.ReconnectWait(time.Second),
		nats.DisconnectErrHandler(func(_ *nats.Conn, err error) {
			in.log.Warn("lost the NATS node, reconnecting", "err", err)
		}),
		nats.ReconnectHandler(func(nc *nats.Conn) {
			in.log.Info("reconnected to NATS", "node", nc.ConnectedUrlRedacted())
		}),
		nats.ErrorHandler(in.liveErrors),
	}
	if o.Username != "" {
		opts = append(opts, nats.UserInfo(o.Username, o.Password))
	}
	if o.TLS != nil {
		opts = append(opts, nats.Secure(o.TLS))
	}
	return opts
}

// ensureConsumer creates or updates the stream and the consumer. Several
// collectors start at once: each does the same, and a clash with another
// doing it at that moment is retried.
func ensureConsumer(ctx context.Context, js jetstream.JetStream, o JetStreamOptions) (jetstream.Consumer, error) {
	stream := jetstream.StreamConfig{
		Name: o.Stream, Subjects: []string{EntrySubjects},
		Storage: jetstream.FileStorage, Replicas: o.Replicas,
		Retention: jetstream.LimitsPolicy, Discard: jetstream.DiscardOld, MaxAge: o.MaxAge,
	}
	consumer := jetstream.ConsumerConfig{
		Durable: o.Consumer, AckPolicy: jetstream.AckExplicitPolicy, AckWait: o.AckWait,
		MaxAckPending: o.MaxAckPending, DeliverPolicy: jetstream.DeliverAllPolicy,
		FilterSubject: EntrySubjects, MaxDeliver: -1, // never give up on an entry
	}
	var err error
	for attempt := range 5 {
		if attempt > 0 {
			select {
			case <-ctx.Done():
				return nil, ctx.Err()
			case <-time.After(time.Duration(attempt) * retryFirst):
			}
		}
		actx, cancel := context.WithTimeout(ctx, connectTimeout)
		var s jetstream.Stream
		s, err = js.CreateOrUpdateStream(actx, stream)
		if err != nil {
			cancel()
			err = fmt.Errorf("create or update stream %s: %w", o.Stream, err)
			continue
		}
		var c jetstream.Consumer
		c, err = s.CreateOrUpdateConsumer(actx, consumer)
		cancel()
		if err == nil {
			return c, nil
		}
		err = fmt.Errorf("create or update consumer %s on stream %s: %w", o.Consumer, o.Stream, err)
	}
	return nil, err
}

// pull hands every message the consumer delivers to handle until the
// iterator is stopped. nats.go resumes pulling by itself after it
// reconnects to another node.
func (in *Ingest) pull(p *puller) {
	defer close(p.done)
	for {
		m, err := p.iter.Next()
		if err != nil {
			if errors.Is(err, jetstream.ErrMsgIteratorClosed) || in.stopped.Err() != nil {
				return
			}
			in.log.Warn("pulling entries from JetStream", "err", err)
			continue
		}
		p.hold.add(m)
		in.handle(nil, jsMessage{m: m, topic: subjectTopic(m.Subject()), hold: p.hold, live: in.live != nil})
	}
}

// stopPulling ends pulling; what was pulled and not yet acknowledged comes
// back to another collector after AckWait.
func (p *puller) stopPulling() {
	p.once.Do(func() {
		p.iter.Stop()
		<-p.done
	})
}

// close drops the connection, once the writer has acknowledged what it
// stored: closed earlier, those acks would be lost and the entries handed
// out again.
func (p *puller) close() {
	p.stopPulling()
	p.hold.end()
	if err := p.nc.FlushTimeout(connectTimeout); err != nil {
		p.nc.Close()
		return // the unsent acks' entries come again, and are stored once
	}
	p.nc.Close()
}

// subjectTopic maps a NATS subject back to the MQTT topic it came from, the
// reverse of NATS's MQTT listener: '/' became '.', and a '.' in the topic
// became "//". A subject with a lone '/' is no topic's, and maps to "",
// which no topic parser takes: else a second spelling of a unit's subject
// could pass for it. It scans rather than swapping "//" through a
// placeholder byte, which a subject could itself contain.
func subjectTopic(subject string) string {
	var b strings.Builder
	b.Grow(len(subject))
	for i := 0; i < len(subject); i++ {
		switch {
		case strings.HasPrefix(subject[i:], "//"):
			b.WriteByte('.')
			i++
		case subject[i] == '/':
			return ""
		case subject[i] == '.':
			b.WriteByte('/')
		default:
			b.WriteByte(subject[i])
		}
	}
	return b.String()
}

// jsMessage lets a JetStream message take the MQTT path through handle and
// the writer: Ack acknowledges it to JetStream, after its batch is stored.
type jsMessage struct {
	m     jetstream.Msg
	topic string
	hold  *holds
	live  bool // the live path is on, so this may be an echo of what it stored
}

func (j jsMessage) Duplicate() bool {
	md, err := j.m.Metadata()
	return err == nil && md.NumDelivered > 1
}
func (jsMessage) Qos() byte         { return 1 }
func (jsMessage) Retained() bool    { return false } // a stream holds no retained copies
func (j jsMessage) Topic() string   { return j.topic }
func (jsMessage) MessageID() uint16 { return 0 }
func (j jsMessage) Payload() []byte { return j.m.Data() }

// Ack acknowledges the entry; lost, it comes again: the store takes it once.
func (j jsMessage) Ack() {
	j.hold.release(j.m)
	_ = j.m.Ack()
}
