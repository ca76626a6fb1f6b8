package credential

import (
	"crypto/ed25519"
	"strings"
	"testing"
)

func TestKeyTextRoundTrips(t *testing.T) {
	pub, priv := GenerateIssuer()
	gotPub, err := ParsePublicKey(FormatPublicKey(pub))
	if err != nil || !gotPub.Equal(pub) {
		t.Fatalf("public key round trip: %v", err)
	}
	gotPriv, err := ParsePrivateKey(" " + FormatPrivateKey(priv) + "\n")
	if err != nil || !gotPriv.Equal(priv) {
		t.Fatalf("private key round trip: %v", err)
	}
	// The 64-byte form other tools write is read too.
	long := PrivateKeyPrefix + b64std(priv)
	if got, err := ParsePrivateKey(long); err != nil || !got.Equal(priv) {
		t.Fatalf("64-byte private key: %v", err)
	}
}

func TestParseKeysRefuseWrongText(t *testing.T) {
	pub, priv := GenerateIssuer()
	_, other := GenerateIssuer()
	mixed := append(append([]byte{}, priv[:32]...), other[32:]...)
	cases := []struct {
		name  string
		parse func(string) error
		text  string
		want  string
	}{
		{"private key given as public", parsePub, FormatPrivateKey(priv), "must start with"},
		{"public key given as private", parsePriv, FormatPublicKey(pub), "must start with"},
		{"not base64", parsePub, PublicKeyPrefix + "!!", "base64"},
		{"short public key", parsePub, PublicKeyPrefix + b64std(pub[:16]), "16 bytes"},
		{"private key halves from two keys", parsePriv, PrivateKeyPrefix + b64std(mixed), "do not match"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			err := c.parse(c.text)
			if err == nil || !strings.Contains(err.Error(), c.want) || !strings.HasPrefix(err.Error(), "credential: ") {
				t.Fatalf("error %v, want credential: … %q", err, c.want)
			}
		})
	}
}

func TestLoadIssuersReportsEveryBadKey(t *testing.T) {
	pub, _ := GenerateIssuer()
	keys, err := LoadIssuers(map[string]string{"sg-office": FormatPublicKey(pub)})
	if err != nil || !keys["sg-office"].Equal(pub) {
		t.Fatalf("LoadIssuers: %v", err)
	}
	_, err = LoadIssuers(map[string]string{"sg-office": FormatPublicKey(pub),
		"bad id!": FormatPublicKey(pub), "bureau": "kakou-ed25519-pub:AAAA", "health": ""})
	for _, want := range []string{`issuer "bad id!"`, `issuer "bureau"`, `issuer "health"`} {
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Fatalf("error %v does not name %s", err, want)
		}
	}
}

func parsePub(s string) error  { _, err := ParsePublicKey(s); return err }
func parsePriv(s string) error { _, err := ParsePrivateKey(s); return err }

func b64std(b []byte) string {
	return strings.TrimPrefix(FormatPublicKey(ed25519.PublicKey(b)), PublicKeyPrefix)
}
