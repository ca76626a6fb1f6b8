package trust

import (
	"context"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/sha256"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/base64"
	"encoding/json"
	"encoding/pem"
	"fmt"
	"math/big"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/kakou/kakou/cloud/store"
	"github.com/kakou/kakou/cloud/store/sqlite"
	"github.com/kakou/kakou/cloud/store/storetest"
	"github.com/kakou/kakou/firmware/wire"
)

var ctx = context.Background()

// pubs records what was published retained.
type pubs struct {
	mu   sync.Mutex
	sent [][]byte
}

func (p *pubs) PublishRetained(_ context.Context, topic string, b []byte) error {
	p.mu.Lock()
	defer p.mu.Unlock()
	if topic != wire.TrustTopic {
		panic("published on " + topic)
	}
	p.sent = append(p.sent, b)
	return nil
}

func (p *pubs) last(t *testing.T) (wire.TrustPush, int) {
	t.Helper()
	p.mu.Lock()
	defer p.mu.Unlock()
	if len(p.sent) == 0 {
		t.Fatal("nothing published")
	}
	got, err := wire.DecodeTrust(p.sent[len(p.sent)-1])
	if err != nil {
		t.Fatal(err)
	}
	return got, len(p.sent)
}

func newService(t *testing.T) (*Service, *pubs, ed25519.PublicKey) {
	t.Helper()
	st, err := sqlite.Open(filepath.Join(t.TempDir(), "cloud.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	pub, priv, _ := ed25519.GenerateKey(rand.Reader)
	p := &pubs{}
	s := New(st, p, nil)
	s.SignWith(priv)
	return s, p, pub
}

func TestServicePublishesEveryChangeSignedAndNothingForAChangeOfNothing(t *testing.T) {
	s, p, key := newService(t)
	if err := s.Publish(ctx); err != nil || len(p.sent) != 0 {
		t.Fatalf("a list never changed was published (%v)", err)
	}
	if _, _, err := s.PutIssuer(ctx, store.TrustPass, "bureau", storetest.TrustIssuerKey(1), "王"); err != nil {
		t.Fatal(err)
	}
	if v, changed, err := s.Revoke(ctx, "P-LOST", "丢失", "李"); v != 2 || !changed || err != nil {
		t.Fatalf("revoke: %d %v %v", v, changed, err)
	}
	got, n := p.last(t)
	if err := wire.VerifyTrust(&got, key); err != nil {
		t.Fatal(err)
	}
	if got.Version != 2 || got.IssuedBy != "李" || got.Issuers["bureau"] == "" || len(got.Revoked) != 1 || n != 2 {
		t.Fatalf("published %+v (%d pushes)", got, n)
	}
	if _, changed, _ := s.Revoke(ctx, "P-LOST", "again", "赵"); changed || len(p.sent) != 2 {
		t.Fatalf("revoking again changed %v and published %d", changed, len(p.sent))
	}
	// The same store publishes the same bytes again: a unit takes a
	// version once, and a restarted collector does not contradict itself.
	if err := s.Publish(ctx); err != nil || string(p.sent[2]) != string(p.sent[1]) {
		t.Fatalf("republished other bytes (%v)", err)
	}
	for i := range wire.MaxTrustIssuers - 1 {
		if _, _, err := s.PutIssuer(ctx, store.TrustPass, fmt.Sprintf("i-%d", i), storetest.TrustIssuerKey(2), "王"); err != nil {
			t.Fatal(err)
		}
	}
	if _, _, err := s.PutIssuer(ctx, store.TrustPass, "one-too-many", storetest.TrustIssuerKey(3), "王"); err != ErrTooManyIssuers {
		t.Fatalf("issuer %d: %v", wire.MaxTrustIssuers+1, err)
	}
}

// signer makes a DCC signer certificate of country (none: "").
func signer(t testing.TB, country string) []byte {
	t.Helper()
	k, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	subj := pkix.Name{CommonName: "DSC " + country}
	if country != "" {
		subj.Country = []string{country}
	}
	der, err := x509.CreateCertificate(rand.Reader, &x509.Certificate{SerialNumber: big.NewInt(1), Subject: subj,
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Date(9999, 12, 31, 23, 59, 59, 0, time.UTC)}, &x509.Certificate{
		SerialNumber: big.NewInt(1), Subject: subj}, &k.PublicKey, k)
	if err != nil {
		t.Fatal(err)
	}
	return der
}

func TestParseSignersReadsDERAndPEMAndNamesTheOneThatIsNot(t *testing.T) {
	de, fr := signer(t, "DE"), signer(t, "FR")
	pemFR := string(pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: fr}))
	body, _ := json.Marshal([]string{base64.StdEncoding.EncodeToString(de), pemFR})
	got, err := ParseSigners(body)
	if err != nil {
		t.Fatal(err)
	}
	sum := sha256.Sum256(de)
	if len(got) != 2 || got[0].Country != "DE" || got[1].Country != "FR" || got[0].KID != base64.StdEncoding.EncodeToString(sum[:8]) ||
		got[0].NotAfter.Year() != 9999 || !strings.Contains(got[0].Subject, "DSC DE") {
		t.Fatalf("parsed %+v", got)
	}
	for want, items := range map[string][]string{
		"certificate 1: not an X.509": {base64.StdEncoding.EncodeToString(de), base64.StdEncoding.EncodeToString([]byte("junk"))},
		"neither PEM nor base64":      {"%%%"},
		"names no two-letter country": {base64.StdEncoding.EncodeToString(signer(t, ""))},
		"want CERTIFICATE":            {"-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n"},
		"more than one PEM block":     {pemFR + pemFR},
		"bytes of DER, at most":       {base64.StdEncoding.EncodeToString(make([]byte, wire.MaxDCCCert+1))},
		"ECDSA key on P-384":          {base64.StdEncoding.EncodeToString(p384Signer(t))},
	} {
		b, _ := json.Marshal(items)
		if _, err := ParseSigners(b); err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("%s: got %v", want, err)
		}
	}
	if _, err := ParseSigners([]byte(`{"certificates":[]}`)); err == nil || !strings.Contains(err.Error(), "JSON list") {
		t.Errorf("an object: %v", err)
	}
}

func TestSeedFillsOnlyAFleetsFirstList(t *testing.T) {
	s, p, _ := newService(t)
	dir := t.TempDir()
	issuers := filepath.Join(dir, "issuers.toml")
	os.WriteFile(issuers, []byte(`site-office = "`+storetest.TrustIssuerKey(1)+"\"\n"), 0o600)
	dcc := filepath.Join(dir, "dcc.json")
	b, _ := json.Marshal([]string{base64.StdEncoding.EncodeToString(signer(t, "AT"))})
	os.WriteFile(dcc, b, 0o600)
	if err := s.ApplySeed(ctx, Seed{Issuers: issuers, DCC: dcc}); err != nil {
		t.Fatal(err)
	}
	got, _ := p.last(t)
	if got.Version != 2 || got.Issuers["site-office"] == "" || len(got.DCCSigners) != 1 || got.IssuedBy != SeedBy {
		t.Fatalf("seeded %+v", got)
	}
	s.RemoveIssuer(ctx, store.TrustPass, "site-office", "王")
	if err := s.ApplySeed(ctx, Seed{Issuers: issuers}); err != nil {
		t.Fatal(err)
	}
	if got, _ := p.last(t); got.Issuers["site-office"] != "" {
		t.Fatal("a restart put back an issuer the centre removed")
	}
	bad := filepath.Join(dir, "bad.toml")
	os.WriteFile(bad, []byte(`x = "ed25519:abc"`), 0o600)
	s2, _, _ := newService(t)
	if err := s2.ApplySeed(ctx, Seed{HealthIssuers: bad}); err == nil || !strings.Contains(err.Error(), "trust.health_issuers x") {
		t.Fatalf("a bad key in the seed: %v", err)
	}
}

func FuzzParseSigners(f *testing.F) {
	de := signer(f, "DE")
	for _, items := range [][]string{{base64.StdEncoding.EncodeToString(de)},
		{string(pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: de}))}, {"", "-----BEGIN"}, {}} {
		b, _ := json.Marshal(items)
		f.Add(b)
	}
	f.Add([]byte(`null`))
	f.Fuzz(func(t *testing.T, b []byte) {
		got, err := ParseSigners(b)
		if err != nil {
			return
		}
		for _, d := range got {
			c := store.TrustChange{By: "f", At: time.Now(), DCC: []store.DCCSigner{d}}
			if err := c.Check(); err != nil {
				t.Fatalf("a parsed signer the store refuses: %v", err)
			}
		}
	})
}

// p384Signer is a certificate whose key the DCC specification does not
// sign with.
func p384Signer(t testing.TB) []byte {
	t.Helper()
	k, _ := ecdsa.GenerateKey(elliptic.P384(), rand.Reader)
	subj := pkix.Name{CommonName: "DSC XX", Country: []string{"XX"}}
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: subj, NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour)}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &k.PublicKey, k)
	if err != nil {
		t.Fatal(err)
	}
	return der
}
