package wire

import (
	"crypto/ed25519"
	"encoding/json"
	"errors"
	"strings"
	"testing"
	"time"
)

func sampleUpdate() UpdatePush {
	return UpdatePush{Schema: SchemaVersion, Site: "sunshine-garden", Unit: "north-gate",
		Program: "kakou-unit", Version: "1.5.0", Arch: "armv6",
		URL:    "https://collector.example.cn:8443/updates/kakou-unit/1.5.0/armv6",
		SHA256: strings.Repeat("ab", 32), Size: 12 << 20,
		IssuedAt: time.Date(2026, 12, 7, 9, 0, 0, 0, time.UTC), Canary: true}
}

func TestSignedUpdateVerifiesAndEveryFieldIsCovered(t *testing.T) {
	pub, priv, _ := ed25519.GenerateKey(nil)
	p := sampleUpdate()
	if err := VerifyUpdate(&p, pub); !errors.Is(err, ErrUpdateUnsigned) {
		t.Fatalf("unsigned: %v, want ErrUpdateUnsigned", err)
	}
	SignUpdate(&p, priv)
	if err := VerifyUpdate(&p, pub); err != nil {
		t.Fatalf("signed update refused: %v", err)
	}
	tamper := []func(*UpdatePush){
		func(p *UpdatePush) { p.Site = "other" },
		func(p *UpdatePush) { p.Unit = "south-gate" },
		func(p *UpdatePush) { p.Program = "kakou-gateway" },
		func(p *UpdatePush) { p.Version = "1.5.1" },
		func(p *UpdatePush) { p.Arch = "arm64" },
		func(p *UpdatePush) { p.URL += "x" },
		func(p *UpdatePush) { p.SHA256 = strings.Repeat("cd", 32) },
		func(p *UpdatePush) { p.Size++ },
		func(p *UpdatePush) { p.IssuedAt = p.IssuedAt.Add(time.Second) },
		func(p *UpdatePush) { p.Canary = false },
	}
	for i, f := range tamper {
		q := p
		f(&q)
		if err := VerifyUpdate(&q, pub); !errors.Is(err, ErrUpdateBadSignature) {
			t.Errorf("tampered field %d: %v, want ErrUpdateBadSignature", i, err)
		}
	}
}

func TestUpdateSignatureIsNotAPolicyOrRosterSignature(t *testing.T) {
	_, priv, _ := ed25519.GenerateKey(nil)
	p := sampleUpdate()
	SignUpdate(&p, priv)
	pol := PolicyPush{Signature: p.Signature}
	if VerifyPolicy(&pol, priv.Public().(ed25519.PublicKey)) == nil {
		t.Fatal("an update's signature passed for a policy's")
	}
}

func TestDecodeUpdatePushRefusesEachBadField(t *testing.T) {
	cases := []struct {
		name string
		edit func(*UpdatePush)
		want string
	}{
		{"schema", func(p *UpdatePush) { p.Schema = 2 }, "schema"},
		{"site", func(p *UpdatePush) { p.Site = "A/B" }, "site"},
		{"unit", func(p *UpdatePush) { p.Unit = "" }, "unit"},
		{"program", func(p *UpdatePush) { p.Program = "bash" }, "program"},
		{"version", func(p *UpdatePush) { p.Version = "1.5" }, "version"},
		{"version leading zero", func(p *UpdatePush) { p.Version = "1.05.0" }, "version"},
		{"version build metadata", func(p *UpdatePush) { p.Version = "1.5.0+abc" }, "version"},
		{"arch", func(p *UpdatePush) { p.Arch = "armv7" }, "arch"},
		{"http url", func(p *UpdatePush) { p.URL = "http://collector/u" }, "https"},
		{"url userinfo", func(p *UpdatePush) { p.URL = "https://a:b@collector/u" }, "password"},
		{"huge url", func(p *UpdatePush) { p.URL = "https://c/" + strings.Repeat("a", 3000) }, "2048"},
		{"sha256 upper", func(p *UpdatePush) { p.SHA256 = strings.Repeat("AB", 32) }, "sha256"},
		{"sha256 short", func(p *UpdatePush) { p.SHA256 = "abcd" }, "sha256"},
		{"size zero", func(p *UpdatePush) { p.Size = 0 }, "size"},
		{"size huge", func(p *UpdatePush) { p.Size = MaxUpdateSize + 1 }, "size"},
		{"issued in 1970", func(p *UpdatePush) { p.IssuedAt = time.Unix(0, 0) }, "issued_at"},
		{"issued in 9999", func(p *UpdatePush) { p.IssuedAt = time.Date(9999, 1, 1, 0, 0, 0, 0, time.UTC) }, "issued_at"},
	}
	for _, c := range cases {
		p := sampleUpdate()
		c.edit(&p)
		b, _ := json.Marshal(p)
		_, err := DecodeUpdatePush(b)
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: %v, want an error naming %q", c.name, err, c.want)
		}
	}
	p := sampleUpdate()
	b, _ := json.Marshal(p)
	if _, err := DecodeUpdatePush(b); err != nil {
		t.Fatalf("good update refused: %v", err)
	}
}

func TestSemverOrdersReleasesAfterTheirPreReleases(t *testing.T) {
	order := []string{"1.0.0-alpha", "1.0.0-alpha.1", "1.0.0-alpha.beta", "1.0.0-beta",
		"1.0.0-beta.2", "1.0.0-beta.11", "1.0.0-rc.1", "1.0.0", "1.0.1", "1.2.0", "2.0.0", "10.0.0"}
	for i := range order {
		for j := range order {
			a, err := ParseSemver(order[i])
			if err != nil {
				t.Fatal(err)
			}
			b, _ := ParseSemver(order[j])
			want := cmpU(uint64(i), uint64(j))
			if got := a.Compare(b); got != want {
				t.Errorf("%s vs %s = %d, want %d", order[i], order[j], got, want)
			}
		}
	}
}

// FuzzDecodeUpdatePush holds the decoder to never panic and to return
// only pushes that validate and survive a round trip.
func FuzzDecodeUpdatePush(f *testing.F) {
	good := sampleUpdate()
	b, _ := json.Marshal(good)
	f.Add(b)
	for _, s := range []string{`{}`, `{"schema":1}`, `null`, `{"schema":1,"version":"1.0.0-"}`,
		`{"schema":1,"size":-1}`, `{"schema":1,"url":"https://"}`} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		p, err := DecodeUpdatePush(b)
		if err != nil {
			return
		}
		if err := p.Validate(); err != nil {
			t.Fatalf("decoded push does not validate: %v", err)
		}
		again, _ := json.Marshal(p)
		if _, err := DecodeUpdatePush(again); err != nil {
			t.Fatalf("round trip refused: %v", err)
		}
	})
}

func FuzzParseSemver(f *testing.F) {
	for _, s := range []string{"1.0.0", "0.0.0-rc.1", "1.2", "01.0.0", "1.0.0-", "1.0.0-a..b", "4294967296.0.0"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		v, err := ParseSemver(s)
		if err != nil {
			return
		}
		if v.String() != s {
			t.Fatalf("%q read as %q", s, v.String())
		}
		if v.Compare(v) != 0 {
			t.Fatalf("%q is not equal to itself", s)
		}
	})
}

func TestStatusCarriesAnUpdateReportAndRefusesABadOne(t *testing.T) {
	s := Status{Schema: SchemaVersion, Site: "s1", Unit: "u1", State: Online, Time: time.Now().UTC(),
		Update: &UpdateReport{Program: "kakou-unit", Version: "1.5.0", Previous: "1.4.0", Phase: "rolled-back",
			Reason: "kakou-unit 1.5.0 not healthy within 2m0s: screening loop not running"}}
	b, _ := json.Marshal(s)
	got, err := DecodeStatus(b)
	if err != nil || got.Update == nil || got.Update.Phase != "rolled-back" {
		t.Fatalf("status with an update report: %+v, %v", got.Update, err)
	}
	for _, bad := range []UpdateReport{
		{Program: "sh", Version: "1.5.0", Phase: "kept"},
		{Program: "kakou-unit", Version: "x", Phase: "kept"},
		{Program: "kakou-unit", Version: "1.5.0", Phase: "installed"},
		{Program: "kakou-unit", Version: "1.5.0", Phase: "refused", Reason: strings.Repeat("长", 200)},
		{Program: "kakou-unit", Version: "1.5.0", Phase: "refused", Reason: "a\x1b[2Jb"},
	} {
		s.Update = &bad
		b, _ := json.Marshal(s)
		if _, err := DecodeStatus(b); err == nil || !strings.Contains(err.Error(), "status update") {
			t.Errorf("%+v: %v, want a refusal naming the status update", bad, err)
		}
	}
}
