// Package trust is the centre's trust list: the keys of pass issuers and
// of the health authority, the passes revoked (who, when, why) and the EU
// DCC signer certificates, kept in the store and published to every unit
// of the fleet as one signed, versioned, retained message
// (firmware/wire/trust.go). [Service] is the seam everything that changes
// the list goes through: the API's trust endpoints and the collector's
// first-start seed.
//
// Every change that changes something takes the list's next version in
// the store and is published at once; the list is also published when the
// collector starts and every reconcile interval, so a broker that lost its
// retained messages gets it back. The push is built from the store alone
// (its time and author are the last change's), so publishing it again
// sends the same bytes and a unit takes each version once.
package trust

import (
	"context"
	"crypto/ed25519"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"github.com/kakou/kakou/cloud/store"
	"github.com/kakou/kakou/firmware/wire"
)

// Store is what the list lives in (both cloud backends).
type Store interface {
	ChangeTrust(context.Context, store.TrustChange) (uint64, bool, error)
	TrustState(context.Context) (store.TrustState, error)
}

// Publisher publishes a retained message (the collector's ingest client).
type Publisher interface {
	PublishRetained(ctx context.Context, topic string, payload []byte) error
}

// Service keeps and publishes the trust list; mu orders publications.
type Service struct {
	store Store
	pub   Publisher
	log   *slog.Logger
	now   func() time.Time
	key   ed25519.PrivateKey // nil: unsigned, which units with verify_keys refuse

	mu      sync.Mutex
	sent    uint64 // the version last published
	pending bool   // a publication failed: Run retries it
}

// New returns a trust list service; call SignWith before publishing.
func New(st Store, pub Publisher, log *slog.Logger) *Service {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	return &Service{store: st, pub: pub, log: log.With("component", "trust"), now: time.Now}
}

// SignWith makes s sign every push with key (the fleet's policy key, which
// units check with [policy] verify_keys).
func (s *Service) SignWith(key ed25519.PrivateKey) { s.key = key }

// WithClock makes s stamp changes with now (tests).
func (s *Service) WithClock(now func() time.Time) *Service { s.now = now; return s }

// State is the list as the store holds it.
func (s *Service) State(ctx context.Context) (store.TrustState, error) {
	return s.store.TrustState(ctx)
}

// Revoke revokes pass for reason, by by. Revoking a pass already revoked
// changes nothing and keeps the first record (changed false).
func (s *Service) Revoke(ctx context.Context, pass, reason, by string) (version uint64, changed bool, err error) {
	return s.change(ctx, store.TrustChange{By: by, Revoke: &store.TrustRevocation{Pass: pass, Reason: reason}})
}

// ErrTooManyIssuers is PutIssuer past wire.MaxTrustIssuers of a kind.
var ErrTooManyIssuers = fmt.Errorf("trust: at most %d issuers of a kind: remove one first", wire.MaxTrustIssuers)

// PutIssuer adds an issuer's key, or replaces the key of one held.
func (s *Service) PutIssuer(ctx context.Context, kind store.TrustKind, id, key, by string) (uint64, bool, error) {
	st, err := s.store.TrustState(ctx)
	if err != nil {
		return 0, false, err
	}
	n, held := 0, false
	for _, is := range st.Issuers {
		if is.Kind == kind {
			n++
			held = held || is.ID == id
		}
	}
	if !held && n >= wire.MaxTrustIssuers {
		return 0, false, ErrTooManyIssuers
	}
	return s.change(ctx, store.TrustChange{By: by, PutIssuer: &store.TrustIssuer{Kind: kind, ID: id, Key: key}})
}

// RemoveIssuer takes an issuer off the list: the units stop trusting its
// passes (or health codes) unless their own config names it.
func (s *Service) RemoveIssuer(ctx context.Context, kind store.TrustKind, id, by string) (uint64, bool, error) {
	return s.change(ctx, store.TrustChange{By: by, RemoveIssuer: &store.TrustIssuer{Kind: kind, ID: id}})
}

// PutDCC merges signers into the list, or with replace makes them the list.
func (s *Service) PutDCC(ctx context.Context, signers []store.DCCSigner, replace bool, by string) (uint64, bool, error) {
	if signers == nil {
		signers = []store.DCCSigner{}
	}
	return s.change(ctx, store.TrustChange{By: by, DCC: signers, ReplaceDCC: replace})
}

// change stores c and publishes the new list. Storing is what counts: a
// publication that fails is logged and retried by Run.
func (s *Service) change(ctx context.Context, c store.TrustChange) (uint64, bool, error) {
	c.At = s.now().UTC()
	v, changed, err := s.store.ChangeTrust(ctx, c)
	if err != nil {
		return 0, false, err
	}
	if changed {
		if err := s.Publish(ctx); err != nil {
			s.log.Error("trust list stored but not published yet; retrying", "version", v, "err", err)
		}
	}
	return v, changed, nil
}

// Push builds the signed push of st.
func Push(st store.TrustState, key ed25519.PrivateKey) (wire.TrustPush, error) {
	p := wire.TrustPush{Schema: wire.SchemaVersion, Version: st.Version, IssuedAt: st.UpdatedAt.UTC(), IssuedBy: st.UpdatedBy}
	for _, is := range st.Issuers {
		m := &p.Issuers
		if is.Kind == store.TrustHealth {
			m = &p.HealthIssuers
		}
		if *m == nil {
			*m = map[string]string{}
		}
		(*m)[is.ID] = is.Key
	}
	for _, r := range st.Revoked {
		p.Revoked = append(p.Revoked, r.Pass)
	}
	for _, d := range st.DCC {
		p.DCCSigners = append(p.DCCSigners, wire.DCCSigner{KID: d.KID, Country: d.Country,
			Cert: base64.StdEncoding.EncodeToString(d.DER)})
	}
	if err := p.Validate(); err != nil {
		return wire.TrustPush{}, err
	}
	if key != nil {
		wire.SignTrust(&p, key)
	}
	return p, nil
}

// Publish sends the list the store holds, retained; nothing while the
// list has never been changed (version 0).
func (s *Service) Publish(ctx context.Context) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	err := s.publishLocked(ctx)
	s.pending = err != nil
	return err
}

func (s *Service) publishLocked(ctx context.Context) error {
	st, err := s.store.TrustState(ctx)
	if err != nil || st.Version == 0 {
		return err
	}
	p, err := Push(st, s.key)
	if err != nil {
		return fmt.Errorf("trust: list %d: %w", st.Version, err)
	}
	b, err := json.Marshal(p)
	if err != nil {
		return err
	}
	if len(b) > wire.MaxTrustPayload {
		return fmt.Errorf("trust: list %d is %d bytes, over the %d units take: remove DCC signers or revocations",
			st.Version, len(b), wire.MaxTrustPayload)
	}
	if err := s.pub.PublishRetained(ctx, wire.TrustTopic, b); err != nil {
		return fmt.Errorf("trust: publish list %d: %w", st.Version, err)
	}
	if s.sent != st.Version {
		s.log.Info("trust list pushed", "version", st.Version, "issuers", len(p.Issuers), "health_issuers",
			len(p.HealthIssuers), "revoked", len(p.Revoked), "dcc_signers", len(p.DCCSigners), "bytes", len(b))
	}
	s.sent = st.Version
	return nil
}

// Version is the list version last published (0: none yet).
func (s *Service) Version() uint64 {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.sent
}

// Run publishes at once (a broker restarted without its retained
// messages gets the list back with the collector) and then retries a
// failed publication every interval until ctx ends. A list of megabytes
// is not sent again unchanged: every unit subscribed would fetch it again.
func (s *Service) Run(ctx context.Context, every time.Duration) {
	t := time.NewTicker(every)
	defer t.Stop()
	for first := true; ; first = false {
		s.mu.Lock()
		due := first || s.pending
		s.mu.Unlock()
		if due {
			if err := s.Publish(ctx); err != nil && ctx.Err() == nil && !errors.Is(err, context.Canceled) {
				s.log.Error("trust list publication failed; retrying", "err", err)
			}
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}
