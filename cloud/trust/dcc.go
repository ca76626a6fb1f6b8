package trust

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"encoding/pem"
	"errors"
	"fmt"
	"strings"

	"github.com/kakou/kakou/cloud/store"
	"github.com/kakou/kakou/firmware/wire"
)

// MaxImportBytes bounds a DCC trust list import: 2,000 certificates of
// 4 KiB DER in PEM are about 11 MiB.
const MaxImportBytes = 12 << 20

// ParseSigners reads a DCC trust list import: a JSON list of
// certificates, each base64 DER or PEM. Every certificate must parse
// (crypto/x509) and name its country (C=) in its subject; the first that
// does not is refused with its place and the reason. The kid of each is
// the first 8 bytes of the sha256 of its DER, as the DCC specification
// defines it.
func ParseSigners(body []byte) ([]store.DCCSigner, error) {
	var items []string
	if err := json.Unmarshal(body, &items); err != nil {
		return nil, fmt.Errorf("want a JSON list of certificates (base64 DER or PEM strings): %w", err)
	}
	if len(items) > wire.MaxDCCSigners {
		return nil, fmt.Errorf("%d certificates, at most %d", len(items), wire.MaxDCCSigners)
	}
	out := make([]store.DCCSigner, 0, len(items))
	for i, it := range items {
		d, err := parseSigner(it)
		if err != nil {
			return nil, fmt.Errorf("certificate %d: %w", i, err)
		}
		out = append(out, d)
	}
	return out, nil
}

func parseSigner(text string) (store.DCCSigner, error) {
	der, err := certBytes(text)
	if err != nil {
		return store.DCCSigner{}, err
	}
	if len(der) > wire.MaxDCCCert {
		return store.DCCSigner{}, fmt.Errorf("%d bytes of DER, at most %d", len(der), wire.MaxDCCCert)
	}
	c, err := x509.ParseCertificate(der)
	if err != nil {
		return store.DCCSigner{}, fmt.Errorf("not an X.509 certificate: %w", err)
	}
	if err := signingKey(c); err != nil {
		return store.DCCSigner{}, err
	}
	if len(c.Subject.Country) != 1 || !isCountry(c.Subject.Country[0]) {
		return store.DCCSigner{}, fmt.Errorf("subject %q names no two-letter country (C=): a DCC signer is a country's", c.Subject)
	}
	sum := sha256.Sum256(der)
	return store.DCCSigner{KID: base64.StdEncoding.EncodeToString(sum[:8]), Country: c.Subject.Country[0], DER: der,
		Subject: truncate(c.Subject.String(), 200), NotAfter: c.NotAfter.UTC()}, nil
}

// certBytes is the DER of a PEM "CERTIFICATE" block or of base64 text.
func certBytes(text string) ([]byte, error) {
	text = strings.TrimSpace(text)
	if strings.HasPrefix(text, "-----BEGIN") {
		blk, rest := pem.Decode([]byte(text))
		switch {
		case blk == nil:
			return nil, errors.New("PEM that does not decode")
		case blk.Type != "CERTIFICATE":
			return nil, fmt.Errorf("PEM block %q: want CERTIFICATE", blk.Type)
		case len(strings.TrimSpace(string(rest))) > 0:
			return nil, errors.New("more than one PEM block: give each certificate as its own item")
		}
		return blk.Bytes, nil
	}
	der, err := base64.StdEncoding.DecodeString(strings.Join(strings.Fields(text), ""))
	if err != nil {
		return nil, errors.New("neither PEM nor base64 DER")
	}
	return der, nil
}

func isCountry(s string) bool {
	return len(s) == 2 && s[0] >= 'A' && s[0] <= 'Z' && s[1] >= 'A' && s[1] <= 'Z'
}

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n]
}

// signingKey refuses a key the DCC specification does not sign with: the
// units would leave its certificate out, and its country's certificates
// would fail at every gate without the importer having been told.
func signingKey(c *x509.Certificate) error {
	switch k := c.PublicKey.(type) {
	case *ecdsa.PublicKey:
		if k.Curve != elliptic.P256() {
			return fmt.Errorf("ECDSA key on %s: DCC signers use P-256 (ES256) or RSA of at least 2048 bits (PS256)", k.Curve.Params().Name)
		}
	case *rsa.PublicKey:
		if k.N.BitLen() < 2048 {
			return fmt.Errorf("RSA key of %d bits: DCC signers use at least 2048", k.N.BitLen())
		}
	default:
		return fmt.Errorf("key of type %T: DCC signers use ECDSA P-256 or RSA", c.PublicKey)
	}
	return nil
}
