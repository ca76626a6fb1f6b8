package e2e

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
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/kakou/kakou/firmware/credential/dcc"
	"github.com/kakou/kakou/firmware/unit"
	"github.com/kakou/kakou/firmware/wire"
	"github.com/kakou/kakou/internal/testenv"
)

// dccSigner is a member state's document signer: its key and certificate.
type dccSigner struct {
	key *ecdsa.PrivateKey
	der []byte
}

func newDCCSigner(t *testing.T) dccSigner {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "DSC", Country: []string{"AT"}},
		NotBefore: time.Now().AddDate(-1, 0, 0), NotAfter: time.Now().AddDate(1, 0, 0)}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	return dccSigner{key, der}
}

func (s dccSigner) vaccination(t *testing.T, kid []byte, ci string) string {
	t.Helper()
	dn, sd := 2, 2
	c := &dcc.Cert{Version: "1.3.0", Name: &dcc.Name{Family: "Musterfrau", FamilyStd: "MUSTERFRAU"}, DateOfBirth: new("1990-01-01"),
		V: []dcc.VaccEntry{{Target: "840539006", Vaccine: "1119349007", Product: "EU/1/20/1528", Maker: "ORG-100030215",
			Dose: &dn, Doses: &sd, Date: time.Now().AddDate(0, 0, -60).Format(time.DateOnly), Country: "AT",
			Issuer: "Ministry of Health", ID: ci}}}
	payload, err := dcc.Issue(s.key, s.der, "AT", time.Now().Add(-time.Hour), time.Now().AddDate(0, 6, 0), c)
	if err != nil {
		t.Fatal(err)
	}
	if kid == nil {
		return payload
	}
	// A forger's code: the same content, signed by another key under the
	// trusted signer's kid.
	d, err := dcc.Decode([]byte(payload))
	if err != nil {
		t.Fatal(err)
	}
	forged, err := dcc.Seal(s.key, kid, d.Sign1.Payload)
	if err != nil {
		t.Fatal(err)
	}
	return forged
}

// pcrTest is a negative PCR test sampled hoursAgo, signed by s.
func (s dccSigner) pcrTest(t *testing.T, hoursAgo int, ci string) string {
	t.Helper()
	c := &dcc.Cert{Version: "1.3.0", Name: &dcc.Name{Family: "Musterfrau", FamilyStd: "MUSTERFRAU"}, DateOfBirth: new("1990-01-01"),
		T: []dcc.TestEntry{{Target: "840539006", Kind: dcc.TestPCR, Result: dcc.NotDetected, Country: "AT",
			Sampled: time.Now().Add(-time.Duration(hoursAgo) * time.Hour).UTC().Format(time.RFC3339),
			Issuer:  "Ministry of Health", ID: ci}}}
	code, err := dcc.Issue(s.key, s.der, "AT", time.Now().Add(-time.Hour), time.Now().AddDate(0, 0, 3), c)
	if err != nil {
		t.Fatal(err)
	}
	return code
}

// TestAnEUCertificateScannedAtAPortGateReachesTheCentreAsAHealthCode: a
// unit on the port profile, with a trust list file holding one signer,
// reads four HC1 codes from its serial scanner — a valid vaccination, a
// forgery under the trusted kid, one from a signer not on the list, and
// a genuine PCR test older than the profile's 72 h. The unit lets the
// first through and sends the others to the health desk; the centre stores each as a health code with its status and the
// certificate's hash reference, never the name.
func TestAnEUCertificateScannedAtAPortGateReachesTheCentreAsAHealthCode(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	trusted, forger, stranger := newDCCSigner(t), newDCCSigner(t), newDCCSigner(t)
	trustFile := filepath.Join(t.TempDir(), "dcc-trust.json")
	list, _ := json.Marshal([]string{base64.StdEncoding.EncodeToString(trusted.der)})
	if err := os.WriteFile(trustFile, list, 0o600); err != nil {
		t.Fatal(err)
	}
	c := startCollector(t, ctx, "[broker]\nembedded = true\nlisten = \"127.0.0.1:0\"\n")
	scanner, port := socatPair(t)
	u := runUnit(t, ctx, "gate-1", func(dir string) string {
		return serialGateConfig("port", filepath.Join(dir, "data"), c.BrokerURL(), port, `facility = "office"`) +
			fmt.Sprintf("[credentials]\ndcc_trust = %q\n[policy]\npath = %q\n",
				trustFile, filepath.Join("..", "configs", "policies", "port-international.toml"))
	})
	codes := []string{
		trusted.vaccination(t, nil, "URN:UVCI:01:AT:GOOD#1"),
		forger.vaccination(t, dcc.KID(trusted.der), "URN:UVCI:01:AT:FORGED#2"),
		stranger.vaccination(t, nil, "URN:UVCI:01:AT:STRANGER#3"),
		trusted.pcrTest(t, 80, "URN:UVCI:01:AT:OLDTEST#4"), // the profile takes PCR tests for 72 h
	}
	w, err := os.OpenFile(scanner, os.O_WRONLY, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer w.Close()
	want := map[string]struct {
		result   string
		decision wire.Decision
	}{
		dcc.Ref("AT", "URN:UVCI:01:AT:GOOD#1"): {"green", wire.Allow},
		"forged":                               {"verify_failed", wire.Refer},
		"stranger":                             {"verify_failed", wire.Refer},
		dcc.Ref("AT", "URN:UVCI:01:AT:OLDTEST#4"): {"expired", wire.Refer},
	}
	for _, code := range codes {
		// One at a time: each scan is a person at the lane. Counted before
		// the scan, or a quick unit's entry would be counted as the old.
		n := len(healthEntries(t, ctx, u))
		fmt.Fprintf(w, "%s\r\n", code)
		testenv.Await(t, "the scan's entry", patience, func() bool { return len(healthEntries(t, ctx, u)) > n })
	}
	got := healthEntries(t, ctx, u)
	if len(got) != len(codes) {
		t.Fatalf("%d health-code entries, want %d: %+v", len(got), len(codes), got)
	}
	for i, e := range got {
		key := e.Credential.Subject
		if i == 1 || i == 2 {
			key = []string{"", "forged", "stranger"}[i]
		}
		if w := want[key]; e.Credential.Result != w.result || e.Decision != w.decision {
			t.Errorf("scan %d: %s %s subject %q, want %s %s", i, e.Credential.Result, e.Decision, e.Credential.Subject, w.result, w.decision)
		}
	}
	testenv.Await(t, "the four entries at the centre", patience, func() bool {
		n := 0
		for _, e := range cloudEntries(t, c, "port", "gate-1") {
			if e.Credential.Kind == wire.CredentialHealthCode {
				n++
			}
		}
		return n == len(codes)
	})
	for _, e := range cloudEntries(t, c, "port", "gate-1") {
		b, _ := json.Marshal(e)
		if s := string(b); strings.Contains(s, "Musterfrau") || strings.Contains(s, "MUSTERFRAU") || strings.Contains(s, "URN:UVCI") || strings.Contains(s, "1990-01-01") {
			t.Fatalf("the centre stored a name, birth date or certificate id: %s", s)
		}
	}
}

// healthEntries are the unit's health-code entries, oldest first.
func healthEntries(t *testing.T, ctx context.Context, u *unit.Unit) []wire.Entry {
	t.Helper()
	es, err := u.Ledger().Entries(ctx, 0, 100)
	if err != nil {
		t.Fatal(err)
	}
	var out []wire.Entry
	for _, e := range es {
		if e.Credential.Kind == wire.CredentialHealthCode {
			out = append(out, e)
		}
	}
	return out
}
