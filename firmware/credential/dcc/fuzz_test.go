package dcc

import (
	"bytes"
	"context"
	"strings"
	"testing"
	"time"

	"github.com/kakou/kakou/firmware/credential"
)

func FuzzBase45(f *testing.F) {
	for _, s := range []string{"", "BB8", "%69 VD92EX0", "GGW", "A", "ab", "U8", "::::"} {
		f.Add([]byte(s))
	}
	for _, c := range loadSuite(f) {
		f.Add([]byte(strings.TrimPrefix(c.PREFIX, Prefix)))
	}
	f.Fuzz(func(t *testing.T, in []byte) {
		out, err := DecodeBase45(in)
		if err != nil {
			return
		}
		// Strict decoding means one spelling per byte string.
		if again := EncodeBase45(out); !bytes.Equal(again, in) {
			t.Fatalf("%q decodes to %x, which encodes as %q", in, out, again)
		}
	})
}

// FuzzDecodeHC1 runs the whole chain on outside text; it must never
// panic, and whatever comes out must be a status the credential contract
// allows.
func FuzzDecodeHC1(f *testing.F) {
	var certs [][]byte
	for _, c := range loadSuite(f) {
		f.Add([]byte(c.PREFIX))
		if tr, err := caseTrust(c); err == nil && tr.Len() == 1 {
			certs = append(certs, tr.onlyDER())
		}
	}
	f.Add([]byte("HC1:"))
	f.Add([]byte("HC1:GGW"))
	trust, err := NewTrust(certs)
	if err != nil {
		f.Fatal(err)
	}
	clock := time.Date(2021, 6, 1, 0, 0, 0, 0, time.UTC)
	v := New(func() *Trust { return trust }, DefaultRules, func() time.Time { return clock }, nil)
	allowed := map[credential.Status]bool{credential.StatusGreen: true, credential.StatusYellow: true,
		credential.StatusRed: true, credential.StatusExpired: true, credential.StatusNotYetValid: true,
		credential.StatusVerifyFailed: true, credential.StatusMalformed: true}
	f.Fuzz(func(t *testing.T, code []byte) {
		p, err := v.Verify(context.Background(), code)
		if err != nil || !allowed[p.Status] {
			t.Fatalf("status %q err %v", p.Status, err)
		}
		if p.Status == credential.StatusGreen && p.Wire.Subject == "" {
			t.Fatal("a green certificate without a subject reference")
		}
	})
}
