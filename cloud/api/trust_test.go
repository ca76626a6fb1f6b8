package api

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"math/big"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/kakou/kakou/cloud/store/storetest"
)

type trustListing struct {
	Version uint64
	Counts  map[string]int
	Revoked []struct {
		Pass, Reason string
		RevokedBy    string `json:"revoked_by"`
		Version      uint64
	}
	Issuers    []struct{ Kind, ID, Key string }
	DCCSigners []map[string]any `json:"dcc_signers"`
}

func (f *regionFixture) trustListing(t *testing.T, user string) trustListing {
	t.Helper()
	code, body := f.raw(t, user, "GET", "/api/v1/trust", "")
	if code != 200 {
		t.Fatalf("GET /api/v1/trust as %s: %d %s", user, code, body)
	}
	var l trustListing
	if err := json.Unmarshal([]byte(body), &l); err != nil {
		t.Fatal(err)
	}
	return l
}

// A revocation is central monitoring's alone, audited, idempotent, and
// listed with who, when and why for every monitor.
func TestTrustRevocationIsCentralAuditedAndIdempotent(t *testing.T) {
	f := newRegionFixture(t)
	for _, user := range []string{"district", "tracer", "manager", "guard"} {
		if code, body := f.raw(t, user, "POST", "/api/v1/trust/revoke", `{"pass":"P-LOST","reason":"丢失"}`); code != 403 {
			t.Errorf("%s revoked a pass: %d %s", user, code, body)
		}
	}
	code, body := f.raw(t, "monitor", "POST", "/api/v1/trust/revoke", `{"pass":"P-LOST","reason":"丢失"}`)
	if code != 200 || !strings.Contains(body, `"version":1`) || !strings.Contains(body, `"changed":true`) {
		t.Fatalf("revoke: %d %s", code, body)
	}
	if _, body := f.raw(t, "monitor", "POST", "/api/v1/trust/revoke", `{"pass":"P-LOST","reason":"again"}`); !strings.Contains(body, `"changed":false`) {
		t.Fatalf("revoking again: %s", body)
	}
	l := f.trustListing(t, "district")
	if l.Version != 1 || len(l.Revoked) != 1 || l.Revoked[0].Reason != "丢失" || l.Revoked[0].RevokedBy != "monitor" || l.Counts["revoked"] != 1 {
		t.Fatalf("listing %+v", l)
	}
	audits, err := f.store.Audit(context.Background(), 10)
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for _, a := range audits {
		if a.Action == "trust_revoke" && a.User == "monitor" {
			n++
		}
	}
	if n != 2 {
		t.Fatalf("%d revocations audited, want 2 (each request)", n)
	}
	for body, want := range map[string]string{`{"pass":"P 1"}`: "pass id", `{"pass":"P-1","extra":1}`: "send JSON like", `not json`: "send JSON like"} {
		if code, got := f.raw(t, "monitor", "POST", "/api/v1/trust/revoke", body); code != 400 || !strings.Contains(got, want) {
			t.Errorf("%s: %d %s", body, code, got)
		}
	}
	rec := f.do(t, f.h, req{method: "POST", path: "/api/v1/trust/revoke", body: `{"pass":"P-2"}`, cookie: f.cookies["monitor"]})
	if rec.Code != 403 {
		t.Errorf("a revocation without the CSRF token: %d", rec.Code)
	}
}

// Two revocations at once are both kept, each at its own version.
func TestTrustRevocationsAtOnceAreBothKept(t *testing.T) {
	f := newRegionFixture(t)
	var wg sync.WaitGroup
	for i := range 6 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if code, body := f.raw(t, "monitor", "POST", "/api/v1/trust/revoke", fmt.Sprintf(`{"pass":"P-%d","reason":"lost"}`, i)); code != 200 {
				t.Errorf("revoke P-%d: %d %s", i, code, body)
			}
		}()
	}
	wg.Wait()
	l := f.trustListing(t, "monitor")
	seen := map[uint64]bool{}
	for _, r := range l.Revoked {
		seen[r.Version] = true
	}
	if l.Version != 6 || len(l.Revoked) != 6 || len(seen) != 6 {
		t.Fatalf("version %d, %d revoked at %d versions: want 6 of each", l.Version, len(l.Revoked), len(seen))
	}
}

func TestTrustIssuersCheckTheKeyAndComeOff(t *testing.T) {
	f := newRegionFixture(t)
	if code, body := f.raw(t, "monitor", "POST", "/api/v1/trust/issuers", `{"kind":"pass","id":"bureau","key":"ed25519:abc"}`); code != 400 || !strings.Contains(body, "must start with") {
		t.Fatalf("a bad key: %d %s", code, body)
	}
	if code, body := f.raw(t, "monitor", "POST", "/api/v1/trust/issuers", `{"kind":"bus","id":"bureau","key":"`+storetest.TrustIssuerKey(1)+`"}`); code != 400 || !strings.Contains(body, "pass or health") {
		t.Fatalf("a bad kind: %d %s", code, body)
	}
	if code, body := f.raw(t, "monitor", "POST", "/api/v1/trust/issuers", `{"kind":"health","id":"bureau","key":"`+storetest.TrustIssuerKey(1)+`"}`); code != 200 {
		t.Fatalf("add: %d %s", code, body)
	}
	if l := f.trustListing(t, "tracer"); l.Counts["health_issuers"] != 1 || l.Issuers[0].Key != storetest.TrustIssuerKey(1) {
		t.Fatalf("listing %+v", l)
	}
	f.raw(t, "monitor", "POST", "/api/v1/trust/issuers", `{"kind":"health","id":"bureau","remove":true}`)
	if l := f.trustListing(t, "monitor"); l.Counts["health_issuers"] != 0 || l.Version != 2 {
		t.Fatalf("after removing: %+v", l)
	}
}

func dscCert(t *testing.T, country string) string {
	t.Helper()
	k, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(7), Subject: pkix.Name{CommonName: "DSC", Country: []string{country}},
		NotBefore: time.Now(), NotAfter: time.Date(2030, 1, 1, 0, 0, 0, 0, time.UTC)}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &k.PublicKey, k)
	if err != nil {
		t.Fatal(err)
	}
	return base64.StdEncoding.EncodeToString(der)
}

// An import is refused whole, naming the certificate that does not parse;
// the listing summarises signers and never carries a certificate.
func TestTrustDCCImportParsesEveryCertificate(t *testing.T) {
	f := newRegionFixture(t)
	good := dscCert(t, "DE")
	bad, _ := json.Marshal([]string{good, base64.StdEncoding.EncodeToString([]byte("junk"))})
	if code, body := f.raw(t, "monitor", "POST", "/api/v1/trust/dcc?mode=merge", string(bad)); code != 400 || !strings.Contains(body, "certificate 1") {
		t.Fatalf("a bad certificate: %d %s", code, body)
	}
	if code, body := f.raw(t, "monitor", "POST", "/api/v1/trust/dcc", `[]`); code != 400 || !strings.Contains(body, "mode") {
		t.Fatalf("no mode: %d %s", code, body)
	}
	ok, _ := json.Marshal([]string{good, dscCert(t, "FR")})
	if code, body := f.raw(t, "monitor", "POST", "/api/v1/trust/dcc?mode=replace", string(ok)); code != 200 {
		t.Fatalf("import: %d %s", code, body)
	}
	_, body := f.raw(t, "monitor", "GET", "/api/v1/trust", "")
	if strings.Contains(body, good[:40]) || !strings.Contains(body, `"country":"FR"`) || !strings.Contains(body, `"not_after":"2030-01-01T00:00:00Z"`) {
		t.Fatalf("listing: %.600s", body)
	}
	if code, _ := f.raw(t, "district", "POST", "/api/v1/trust/dcc?mode=replace", `[]`); code != 403 {
		t.Fatalf("a district official replaced the fleet's DCC signers: %d", code)
	}
}
