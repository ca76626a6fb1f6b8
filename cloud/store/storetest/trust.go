package storetest

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"encoding/base64"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/kakou/kakou/cloud/store"
	"github.com/kakou/kakou/firmware/wire"
)

// TrustStore is what a backend keeps of the centre's trust list.
type TrustStore interface {
	ChangeTrust(context.Context, store.TrustChange) (uint64, bool, error)
	TrustState(context.Context) (store.TrustState, error)
}

// Trust holds a backend to the trust list's contract: what the centre
// pushes to every unit must be the same from SQLite and PostgreSQL.
func Trust(t *testing.T, open func(*testing.T) TrustStore) {
	for _, bh := range []struct {
		name string
		run  func(*testing.T, TrustStore)
	}{
		{"every change round-trips and takes the next version", behaveTrustRoundTrip},
		{"revoking a revoked pass again changes nothing", behaveTrustRevokeIdempotent},
		{"officials revoking at once are all kept, each at its own version", behaveTrustConcurrentRevokes},
		{"DCC signers merge or replace", behaveTrustDCC},
		{"a change no unit could use is refused", behaveTrustShape},
	} {
		t.Run(bh.name, func(t *testing.T) {
			t.Parallel()
			bh.run(t, open(t))
		})
	}
}

var trustAt = time.Date(2022, 4, 2, 8, 0, 0, 123, time.UTC)

// TrustIssuerKey is a valid issuer key text for tests.
func TrustIssuerKey(seed byte) string {
	pub := ed25519.NewKeyFromSeed(bytes.Repeat([]byte{seed}, 32)).Public().(ed25519.PublicKey)
	return wire.IssuerKeyPrefix + base64.StdEncoding.EncodeToString(pub)
}

func changeTrust(t *testing.T, s TrustStore, c store.TrustChange) (uint64, bool) {
	t.Helper()
	if c.By == "" {
		c.By = "official"
	}
	if c.At.IsZero() {
		c.At = trustAt
	}
	v, changed, err := s.ChangeTrust(ctx, c)
	if err != nil {
		t.Fatal(err)
	}
	return v, changed
}

func trustState(t *testing.T, s TrustStore) store.TrustState {
	t.Helper()
	st, err := s.TrustState(ctx)
	if err != nil {
		t.Fatal(err)
	}
	return st
}

func behaveTrustRoundTrip(t *testing.T, s TrustStore) {
	if st := trustState(t, s); st.Version != 0 || len(st.Issuers)+len(st.Revoked)+len(st.DCC) != 0 {
		t.Fatalf("a new store's trust list: %+v", st)
	}
	steps := []store.TrustChange{
		{PutIssuer: &store.TrustIssuer{Kind: store.TrustPass, ID: "bureau", Key: TrustIssuerKey(1)}},
		{PutIssuer: &store.TrustIssuer{Kind: store.TrustHealth, ID: "health", Key: TrustIssuerKey(2)}, By: "王"},
		{Revoke: &store.TrustRevocation{Pass: "P-LOST", Reason: "丢失"}},
		{PutIssuer: &store.TrustIssuer{Kind: store.TrustPass, ID: "bureau", Key: TrustIssuerKey(3)}}, // rotated
	}
	for i, c := range steps {
		if v, changed := changeTrust(t, s, c); v != uint64(i+1) || !changed {
			t.Fatalf("change %d: version %d changed %v", i, v, changed)
		}
	}
	st := trustState(t, s)
	want := []store.TrustIssuer{{Kind: store.TrustHealth, ID: "health", Key: TrustIssuerKey(2), AddedAt: trustAt, AddedBy: "王"},
		{Kind: store.TrustPass, ID: "bureau", Key: TrustIssuerKey(3), AddedAt: trustAt, AddedBy: "official"}}
	if st.Version != 4 || fmt.Sprint(st.Issuers) != fmt.Sprint(want) || !st.UpdatedAt.Equal(trustAt) || st.UpdatedBy != "official" {
		t.Fatalf("state %+v, want version 4 and issuers %v", st, want)
	}
	if len(st.Revoked) != 1 || st.Revoked[0] != (store.TrustRevocation{Pass: "P-LOST", Reason: "丢失", RevokedAt: trustAt,
		RevokedBy: "official", Version: 3}) {
		t.Fatalf("revoked %+v", st.Revoked)
	}
	if v, changed := changeTrust(t, s, store.TrustChange{RemoveIssuer: &store.TrustIssuer{Kind: store.TrustHealth, ID: "health"}}); v != 5 || !changed {
		t.Fatalf("remove: version %d changed %v", v, changed)
	}
	if v, changed := changeTrust(t, s, store.TrustChange{RemoveIssuer: &store.TrustIssuer{Kind: store.TrustHealth, ID: "health"}}); v != 5 || changed {
		t.Fatalf("removing an issuer not held: version %d changed %v", v, changed)
	}
	if v, changed := changeTrust(t, s, store.TrustChange{PutIssuer: &store.TrustIssuer{Kind: store.TrustPass, ID: "bureau", Key: TrustIssuerKey(3)}}); v != 5 || changed {
		t.Fatalf("the same key again: version %d changed %v", v, changed)
	}
}

func behaveTrustRevokeIdempotent(t *testing.T, s TrustStore) {
	changeTrust(t, s, store.TrustChange{Revoke: &store.TrustRevocation{Pass: "P-1", Reason: "lost"}})
	v, changed := changeTrust(t, s, store.TrustChange{Revoke: &store.TrustRevocation{Pass: "P-1", Reason: "again"}, By: "李"})
	st := trustState(t, s)
	if v != 1 || changed || len(st.Revoked) != 1 || st.Revoked[0].Reason != "lost" || st.Revoked[0].RevokedBy != "official" {
		t.Fatalf("second revoke: version %d changed %v, revoked %+v: the first record must stay", v, changed, st.Revoked)
	}
}

func behaveTrustConcurrentRevokes(t *testing.T, s TrustStore) {
	const n = 8
	var wg sync.WaitGroup
	versions := make([]uint64, n)
	errs := make([]error, n)
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			versions[i], _, errs[i] = s.ChangeTrust(ctx, store.TrustChange{By: fmt.Sprintf("official-%d", i), At: trustAt,
				Revoke: &store.TrustRevocation{Pass: fmt.Sprintf("P-%d", i), Reason: "lost"}})
		}()
	}
	wg.Wait()
	if err := errors.Join(errs...); err != nil {
		t.Fatal(err)
	}
	seen := map[uint64]bool{}
	for _, v := range versions {
		seen[v] = true
	}
	st := trustState(t, s)
	if len(seen) != n || st.Version != n || len(st.Revoked) != n {
		t.Fatalf("versions %v, list version %d with %d revoked: want %d distinct versions and all kept", versions, st.Version, len(st.Revoked), n)
	}
}

// TrustSigner is a DCC signer for tests (its DER is not a certificate:
// the store does not parse it).
func TrustSigner(country string, n int) store.DCCSigner {
	kid := base64.StdEncoding.EncodeToString([]byte(fmt.Sprintf("kid%05d", n)))
	return store.DCCSigner{KID: kid, Country: country, DER: []byte(fmt.Sprintf("der-%s-%d", country, n)),
		Subject: fmt.Sprintf("CN=DSC %d", n), NotAfter: trustAt.AddDate(2, 0, 0)}
}

func behaveTrustDCC(t *testing.T, s TrustStore) {
	changeTrust(t, s, store.TrustChange{DCC: []store.DCCSigner{TrustSigner("FR", 1), TrustSigner("DE", 2)}})
	if v, changed := changeTrust(t, s, store.TrustChange{DCC: []store.DCCSigner{TrustSigner("DE", 2)}}); v != 1 || changed {
		t.Fatalf("merging a signer held: version %d changed %v", v, changed)
	}
	changeTrust(t, s, store.TrustChange{DCC: []store.DCCSigner{TrustSigner("AT", 3)}})
	st := trustState(t, s)
	if len(st.DCC) != 3 || st.DCC[0].Country != "AT" || st.DCC[2].Country != "FR" || !bytes.Equal(st.DCC[1].DER, TrustSigner("DE", 2).DER) ||
		st.DCC[1].Subject != "CN=DSC 2" || !st.DCC[1].NotAfter.Equal(trustAt.AddDate(2, 0, 0)) {
		t.Fatalf("merged signers %+v", st.DCC)
	}
	v, _ := changeTrust(t, s, store.TrustChange{DCC: []store.DCCSigner{TrustSigner("IT", 4)}, ReplaceDCC: true})
	if st := trustState(t, s); v != 3 || len(st.DCC) != 1 || st.DCC[0].Country != "IT" {
		t.Fatalf("replaced: version %d, signers %+v", v, st.DCC)
	}
}

func behaveTrustShape(t *testing.T, s TrustStore) {
	for name, c := range map[string]store.TrustChange{
		"nothing":     {},
		"two at once": {Revoke: &store.TrustRevocation{Pass: "P-1"}, DCC: []store.DCCSigner{TrustSigner("DE", 1)}},
		"bad pass":    {Revoke: &store.TrustRevocation{Pass: "P 1"}},
		"long reason": {Revoke: &store.TrustRevocation{Pass: "P-1", Reason: string(make([]byte, store.MaxTrustReason+1))}},
		"bad key":     {PutIssuer: &store.TrustIssuer{Kind: store.TrustPass, ID: "x", Key: "ed25519:abc"}},
		"bad kind":    {PutIssuer: &store.TrustIssuer{Kind: "bus", ID: "x", Key: TrustIssuerKey(1)}},
		"bad kid":     {DCC: []store.DCCSigner{{KID: "AA", Country: "DE", DER: []byte("x")}}},
		"no DER":      {DCC: []store.DCCSigner{{KID: TrustSigner("DE", 1).KID, Country: "DE"}}},
	} {
		c.By, c.At = "official", trustAt
		if _, _, err := s.ChangeTrust(ctx, c); !errors.Is(err, store.ErrTrustShape) {
			t.Errorf("%s: %v", name, err)
		}
	}
	c := store.TrustChange{Revoke: &store.TrustRevocation{Pass: "P-1"}}
	if _, _, err := s.ChangeTrust(ctx, c); !errors.Is(err, store.ErrTrustShape) {
		t.Errorf("a change without who and when: %v", err)
	}
	if st := trustState(t, s); st.Version != 0 {
		t.Fatalf("a refused change moved the version to %d", st.Version)
	}
}
