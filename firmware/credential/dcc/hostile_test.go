package dcc

import (
	"bytes"
	"compress/zlib"
	"context"
	"strings"
	"testing"

	"github.com/fxamacker/cbor/v2"
	"github.com/kakou/kakou/firmware/credential"
)

func TestAForeignKeyWithATrustedKidDoesNotVerify(t *testing.T) {
	trusted, forger := newECIssuer(t), newECIssuer(t)
	payload, _ := cbor.Marshal(map[int]any{1: "AT", 4: now.AddDate(1, 0, 0).Unix(), 6: now.Unix(), -260: map[int]*Cert{1: vaccinated(2, 2, 30)}})
	code, err := Seal(forger.key, KID(trusted.der), payload)
	if err != nil {
		t.Fatal(err)
	}
	p, _ := verifier(trusted.trust(t)).Verify(context.Background(), []byte(code))
	if p.Status != credential.StatusVerifyFailed || !strings.Contains(p.Detail, "signature") {
		t.Errorf("kid collision: got %s (%s); want verify_failed on the signature", p.Status, p.Detail)
	}
}

func TestAnUnknownSignerIsVerifyFailed(t *testing.T) {
	trusted, stranger := newECIssuer(t), newECIssuer(t)
	p, _ := verifier(trusted.trust(t)).Verify(context.Background(), []byte(stranger.issue(t, vaccinated(2, 2, 30))))
	if p.Status != credential.StatusVerifyFailed || !strings.Contains(p.Detail, "not on the trust list") {
		t.Errorf("got %s (%s)", p.Status, p.Detail)
	}
	if p, _ := New(nil, nil, nil, nil).Verify(context.Background(), []byte(trusted.issue(t, vaccinated(2, 2, 30)))); p.Status != credential.StatusVerifyFailed {
		t.Errorf("no trust list: got %s", p.Status)
	}
}

func TestTrustRefusesWeakAndForeignKeys(t *testing.T) {
	weak := newRSAIssuer(t, 1024)
	if _, err := NewTrust([][]byte{weak.der}); err == nil || !strings.Contains(err.Error(), "1024 bits") {
		t.Errorf("1024-bit RSA signer: err %v; want refused with its size", err)
	}
	if _, err := NewTrust([][]byte{[]byte("not a certificate")}); err == nil || !strings.Contains(err.Error(), "certificate 0") {
		t.Errorf("garbage: err %v; want refused with its position", err)
	}
}

func TestAZlibBombIsRefusedAtTheCap(t *testing.T) {
	var z bytes.Buffer
	w, _ := zlib.NewWriterLevel(&z, zlib.BestCompression)
	w.Write(make([]byte, 10<<20))
	w.Close()
	code := Prefix + string(EncodeBase45(z.Bytes()))
	t.Logf("bomb: %d bytes of code inflate to 10 MiB", len(code))
	p, _ := verifier(nil).Verify(context.Background(), []byte(code))
	if p.Status != credential.StatusMalformed || !strings.Contains(p.Detail, "zip bomb") {
		t.Errorf("got %s (%s); want malformed, refused as a zip bomb", p.Status, p.Detail)
	}
}

func TestDeeplyNestedCBORIsRefused(t *testing.T) {
	nested := bytes.Repeat([]byte{0x81}, 10000) // arrays of arrays of …
	nested = append(nested, 0x00)
	is := newECIssuer(t)
	code, err := Seal(is.key, KID(is.der), nested)
	if err != nil {
		t.Fatal(err)
	}
	p, _ := verifier(is.trust(t)).Verify(context.Background(), []byte(code))
	if p.Status != credential.StatusVerifyFailed || !strings.Contains(p.Detail, "cwt") {
		t.Errorf("got %s (%s); want verify_failed at the CWT", p.Status, p.Detail)
	}
	if _, err := ParseSign1(append([]byte{0xd2}, nested...)); err == nil {
		t.Error("a nested COSE message parsed")
	}
}

func TestACertificateWithTwoEntriesIsRefused(t *testing.T) {
	is := newECIssuer(t)
	c := vaccinated(2, 2, 30)
	c.T = tested(TestPCR, NotDetected, 2).T
	p, _ := verifier(is.trust(t)).Verify(context.Background(), []byte(is.issue(t, c)))
	if p.Status != credential.StatusVerifyFailed || !strings.Contains(p.Detail, "exactly one entry") {
		t.Errorf("got %s (%s); want verify_failed: exactly one entry", p.Status, p.Detail)
	}
}

func TestATamperedCodeDoesNotVerify(t *testing.T) {
	is := newECIssuer(t)
	code := is.issue(t, vaccinated(2, 2, 30))
	d, err := Decode([]byte(code))
	if err != nil {
		t.Fatal(err)
	}
	claims := bytes.Replace(d.Sign1.Payload, []byte("URN:UVCI:01:AT:VACC#1"), []byte("URN:UVCI:01:AT:VACC#2"), 1)
	cose, _ := cbor.Marshal([]any{d.Sign1.Protected, map[any]any{}, claims, d.Sign1.Signature})
	p, _ := verifier(is.trust(t)).Verify(context.Background(), []byte(Pack(cose)))
	if p.Status != credential.StatusVerifyFailed {
		t.Errorf("got %s (%s); want verify_failed", p.Status, p.Detail)
	}
}

func TestAnOversizedHC1CodeIsUnreadableAtTheScannerBound(t *testing.T) {
	is := newECIssuer(t)
	c := vaccinated(2, 2, 30)
	c.V[0].Issuer = strings.Repeat("x", 80)
	code := is.issue(t, c) + strings.Repeat("0", 2<<10)
	p := (&credential.Verifier{DCC: verifier(is.trust(t))}).Check(context.Background(), []byte(code))
	if p.Status != credential.StatusUnreadable {
		t.Errorf("a %d-byte code: got %s; want unreadable", len(code), p.Status)
	}
}

func TestBase45IsStrict(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{"GGW", "over 65535"}, // 65536+: no two bytes can say it
		{"BB8", ""},           // "AB" in RFC 9285's example
		{"%69 VD92EX0", ""},   // "Hello!!"
		{"ab", "not in the alphabet"},
		{"A", "one character over"},
		{":;", "not in the alphabet"},
		{"U8", "over 255"}, // 30 + 8*45 = 390
	} {
		_, err := DecodeBase45([]byte(tc.in))
		if tc.want == "" && err != nil || tc.want != "" && (err == nil || !strings.Contains(err.Error(), tc.want)) {
			t.Errorf("%q: err %v; want %q", tc.in, err, tc.want)
		}
	}
	for _, s := range []string{"", "a", "AB", "Hello!!", "ietf!", "\x00\xff\xff"} {
		got, err := DecodeBase45(EncodeBase45([]byte(s)))
		if err != nil || string(got) != s {
			t.Errorf("round trip %q: %q, %v", s, got, err)
		}
	}
}

func TestOtherContextsAreMalformed(t *testing.T) {
	for _, code := range []string{"HC2:6BFOXN", "HL0:6BFOXN", "6BFOXN", "hc1:6BFOXN"} {
		if _, err := Decode([]byte(code)); StepOf(err) != StepPrefix {
			t.Errorf("%q: err %v; want a prefix error", code, err)
		}
	}
}
