package unit

import (
	"context"
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/base64"
	"math/big"
	"testing"
	"time"

	"github.com/kakou/kakou/firmware/credential"
	"github.com/kakou/kakou/firmware/credential/dcc"
	"github.com/kakou/kakou/firmware/wire"
)

// dscOf is a document signer certificate of country for key.
func dscOf(t *testing.T, key crypto.Signer, country string) []byte {
	t.Helper()
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(7), Subject: pkix.Name{CommonName: "DSC " + country, Country: []string{country}},
		NotBefore: time.Now().AddDate(-1, 0, 0), NotAfter: time.Now().AddDate(1, 0, 0), KeyUsage: x509.KeyUsageDigitalSignature}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, key.Public(), key)
	if err != nil {
		t.Fatal(err)
	}
	return der
}

func signerOf(der []byte, country string) wire.DCCSigner {
	return wire.DCCSigner{KID: base64.StdEncoding.EncodeToString(dcc.KID(der)), Country: country,
		Cert: base64.StdEncoding.EncodeToString(der)}
}

// A certificate signed by a country the centre's list adds verifies at the
// unit once the list arrives, and a certificate in that list whose key the
// specification does not allow is left out without taking the others
// with it.
func TestTheCentresDCCSignersMakeHC1CodesVerifyAtTheUnit(t *testing.T) {
	k := newTrustKeys()
	centre, verify := newKey(t)
	u := newTrustUnit(t, t.TempDir(), k, newLogSink(), verify)
	de, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	weak, _ := ecdsa.GenerateKey(elliptic.P384(), rand.Reader)
	deDER, weakDER := dscOf(t, de, "DE"), dscOf(t, weak, "XX")
	n := 1
	code, err := dcc.Issue(de, deDER, "DE", time.Now().Add(-time.Hour), time.Now().AddDate(0, 6, 0), &dcc.Cert{
		Version: "1.3.0", Name: &dcc.Name{FamilyStd: "MUSTERMANN", GivenStd: "ERIKA"}, DateOfBirth: new("1990-01-01"),
		V: []dcc.VaccEntry{{Target: "840539006", Vaccine: "1119349007", Product: "EU/1/20/1528", Maker: "ORG-100030215",
			Dose: &n, Doses: &n, Date: time.Now().AddDate(0, -1, 0).Format(time.DateOnly), Country: "DE",
			Issuer: "RKI", ID: "URN:UVCI:01:DE:TEST#1"}}})
	if err != nil {
		t.Fatal(err)
	}
	check := func() credential.Presented { return u.trust.Check(context.Background(), []byte(code)) }
	if p := check(); p.Status != credential.StatusVerifyFailed {
		t.Fatalf("before the list: %s %q, want verify_failed: no signer is trusted yet", p.Status, p.Detail)
	}
	p := trustList(2, k)
	p.DCCSigners = []wire.DCCSigner{signerOf(weakDER, "XX"), signerOf(deDER, "DE")}
	sendTrust(t, u, p, centre)
	if u.TrustVersion() != 2 {
		t.Fatalf("the list was not taken: version %d", u.TrustVersion())
	}
	got := check()
	if got.Status == credential.StatusVerifyFailed || got.Issuer != "DE" {
		t.Fatalf("after the list: %s issuer %q %q, want the German signature verified", got.Status, got.Issuer, got.Detail)
	}
}
