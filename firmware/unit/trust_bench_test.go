package unit

import (
	"crypto/ed25519"
	"crypto/rand"
	"crypto/x509"
	"encoding/base64"
	"encoding/pem"
	"fmt"
	"os"
	"path/filepath"
	"testing"

	"github.com/kakou/kakou/firmware/wire"
)

// bigTrust is a list at the size the fleet plans for: 100,000 revoked
// passes and 1,000 DCC signers of 1.3 KiB DER, the EU list's size.
func bigTrust(v uint64, k trustKeys, revoked int) wire.TrustPush {
	p := trustList(v, k)
	p.Revoked = make([]string, revoked)
	for i := range p.Revoked {
		p.Revoked[i] = fmt.Sprintf("P-%08d", i)
	}
	der := make([]byte, 1300)
	rand.Read(der)
	cert := base64.StdEncoding.EncodeToString(der)
	p.DCCSigners = make([]wire.DCCSigner, 1000)
	for i := range p.DCCSigners {
		p.DCCSigners[i] = wire.DCCSigner{KID: base64.StdEncoding.EncodeToString([]byte(fmt.Sprintf("%08d", i))),
			Country: "DE", Cert: cert}
	}
	return p
}

// BenchmarkTrustApply100kRevoked1kDCC measures what a unit does with the
// centre's list before the next scan sees it: decode, verify the
// signature, build and swap in the verifier (the write to trust.json is
// the card's speed, not measured here).
func BenchmarkTrustApply100kRevoked1kDCC(b *testing.B) {
	centre, verify := benchKey(b)
	k := newTrustKeys()
	u := newTrustUnit(b, b.TempDir(), k, newLogSink(), verify)
	p := bigTrust(1, k, 100_000)
	wire.SignTrust(&p, centre)
	payload := jsonBytes(b, p)
	b.SetBytes(int64(len(payload)))
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		u.trust.mu.Lock()
		u.trust.push, u.trust.digest = wire.TrustPush{}, ""
		err := u.takeTrustLocked(payload, false)
		u.trust.mu.Unlock()
		if err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkPassCheckRevoked checks a valid pass against revocation lists
// of growing length: a map lookup, so the cost stays flat.
func BenchmarkPassCheckRevoked(b *testing.B) {
	centre, verify := benchKey(b)
	k := newTrustKeys()
	for _, n := range []int{0, 1_000, 100_000} {
		b.Run(fmt.Sprintf("revoked=%d", n), func(b *testing.B) {
			u := newTrustUnit(b, b.TempDir(), k, newLogSink(), verify)
			p := bigTrust(1, k, n)
			wire.SignTrust(&p, centre)
			u.onTrust(jsonBytes(b, p))
			code := passOf(b, "site-office", k.site, "P-VALID")
			b.ReportAllocs()
			for b.Loop() {
				statusOf(u, code)
			}
		})
	}
}

// benchKey is newKey for a benchmark.
func benchKey(b *testing.B) (ed25519.PrivateKey, string) {
	pub, priv, _ := ed25519.GenerateKey(rand.Reader)
	der, err := x509.MarshalPKIXPublicKey(pub)
	if err != nil {
		b.Fatal(err)
	}
	path := filepath.Join(b.TempDir(), "policy-verify.pem")
	if err := os.WriteFile(path, pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: der}), 0o644); err != nil {
		b.Fatal(err)
	}
	return priv, path
}
