package dcc

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/asn1"
	"math/big"
	"testing"
	"time"
)

// now is the test's synced clock: 2021-06-01 12:00 UTC.
var now = time.Date(2021, 6, 1, 12, 0, 0, 0, time.UTC)

// issuer is a member state's document signer for tests.
type issuer struct {
	key crypto.Signer
	der []byte
}

func newECIssuer(t testing.TB, usage ...Type) issuer {
	t.Helper()
	k, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	return issuer{k, selfSigned(t, k, now.AddDate(-1, 0, 0), now.AddDate(1, 0, 0), usage...)}
}

func newRSAIssuer(t testing.TB, bits int) issuer {
	t.Helper()
	k, err := rsa.GenerateKey(rand.Reader, bits)
	if err != nil {
		t.Fatal(err)
	}
	return issuer{k, selfSigned(t, k, now.AddDate(-1, 0, 0), now.AddDate(1, 0, 0))}
}

var typeOID = map[Type]asn1.ObjectIdentifier{
	Test:        {1, 3, 6, 1, 4, 1, 1847, 2021, 1, 1},
	Vaccination: {1, 3, 6, 1, 4, 1, 1847, 2021, 1, 2},
	Recovery:    {1, 3, 6, 1, 4, 1, 1847, 2021, 1, 3},
}

func selfSigned(t testing.TB, k crypto.Signer, from, until time.Time, usage ...Type) []byte {
	t.Helper()
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "DSC test", Country: []string{"AT"}},
		NotBefore: from, NotAfter: until, KeyUsage: x509.KeyUsageDigitalSignature,
	}
	for _, u := range usage {
		tmpl.UnknownExtKeyUsage = append(tmpl.UnknownExtKeyUsage, typeOID[u])
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, k.Public(), k)
	if err != nil {
		t.Fatal(err)
	}
	return der
}

func (i issuer) trust(t testing.TB) *Trust {
	t.Helper()
	tr, err := NewTrust([][]byte{i.der})
	if err != nil {
		t.Fatal(err)
	}
	return tr
}

func (i issuer) issue(t testing.TB, c *Cert) string {
	t.Helper()
	code, err := Issue(i.key, i.der, "AT", now.Add(-time.Hour), now.AddDate(0, 6, 0), c)
	if err != nil {
		t.Fatal(err)
	}
	return code
}

func ptr[T any](v T) *T { return &v }

func person() (*Name, *string) {
	return &Name{Family: "Musterfrau", FamilyStd: "MUSTERFRAU", Given: "Erika", GivenStd: "ERIKA"}, ptr("1990-01-01")
}

func vaccinated(dn, sd int, daysAgo int) *Cert {
	n, dob := person()
	return &Cert{Version: "1.3.0", Name: n, DateOfBirth: dob, V: []VaccEntry{{
		Target: "840539006", Vaccine: "1119349007", Product: "EU/1/20/1528", Maker: "ORG-100030215",
		Dose: &dn, Doses: &sd, Date: now.AddDate(0, 0, -daysAgo).Format(time.DateOnly),
		Country: "AT", Issuer: "Ministry of Health", ID: "URN:UVCI:01:AT:VACC#1"}}}
}

func tested(kind, result string, hoursAgo int) *Cert {
	n, dob := person()
	return &Cert{Version: "1.3.0", Name: n, DateOfBirth: dob, T: []TestEntry{{
		Target: "840539006", Kind: kind, Sampled: now.Add(-time.Duration(hoursAgo) * time.Hour).Format(time.RFC3339),
		Result: result, Centre: "Centre", Country: "AT", Issuer: "Ministry of Health", ID: "URN:UVCI:01:AT:TEST#1"}}}
}

func recovered(fromDaysAgo, untilDays int) *Cert {
	n, dob := person()
	return &Cert{Version: "1.3.0", Name: n, DateOfBirth: dob, R: []RecovEntry{{
		Target: "840539006", FirstPos: now.AddDate(0, 0, -fromDaysAgo-11).Format(time.DateOnly),
		From: now.AddDate(0, 0, -fromDaysAgo).Format(time.DateOnly), Until: now.AddDate(0, 0, untilDays).Format(time.DateOnly),
		Country: "AT", Issuer: "Ministry of Health", ID: "URN:UVCI:01:AT:REC#1"}}}
}

// verifier is a Verifier over one trust list with the default rules at
// the test's synced clock.
func verifier(tr *Trust) *Verifier {
	return New(func() *Trust { return tr }, DefaultRules, func() time.Time { return now }, nil)
}
