package dcc

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/x509"
	"encoding/asn1"
	"encoding/base64"
	"encoding/json"
	"encoding/pem"
	"errors"
	"fmt"
	"os"
	"strings"
)

// MinRSABits refuses weak signer keys: the specification's RSA keys are
// 2048 bits or more, and a 1024-bit key is within reach of a determined
// forger.
const MinRSABits = 2048

// Signer is one document signer certificate on the trust list.
type Signer struct {
	Cert *x509.Certificate
	KID  []byte
	// Types the certificate may sign: nil when it carries none of the
	// specification's extended key usages, which means every type.
	Types map[Type]bool
}

// Trust is the list of signer certificates a unit accepts, by kid. Several
// certificates may share a kid (it is only 8 bytes of a hash); each is
// tried. A Trust is read-only once built and safe for concurrent use.
type Trust struct {
	byKID map[string][]*Signer
	n     int
}

// KID is the key identifier of a signer certificate: the first 8 bytes of
// the SHA-256 of its DER encoding.
func KID(der []byte) []byte {
	h := sha256.Sum256(der)
	return h[:8]
}

// NewTrust builds a trust list from DER certificates. A certificate that
// does not parse, or whose key is neither ECDSA P-256 nor RSA of at least
// MinRSABits, is refused with its position, so a bad file is seen rather
// than half applied.
func NewTrust(certs [][]byte) (*Trust, error) {
	t, errs := NewTrustKeeping(certs)
	if err := errors.Join(errs...); err != nil {
		return nil, fmt.Errorf("dcc: trust list: %w", err)
	}
	return t, nil
}

// NewTrustKeeping builds a trust list from the certificates that can sign
// and says, by position, why each other one cannot. A list pushed from the
// centre is taken this way: one country's unusable certificate must not
// leave every other country's certificates unchecked.
func NewTrustKeeping(certs [][]byte) (*Trust, []error) {
	t := &Trust{byKID: map[string][]*Signer{}}
	var errs []error
	for i, der := range certs {
		s, err := newSigner(der)
		if err != nil {
			errs = append(errs, fmt.Errorf("certificate %d: %w", i, err))
			continue
		}
		t.byKID[string(s.KID)] = append(t.byKID[string(s.KID)], s)
		t.n++
	}
	return t, errs
}

func newSigner(der []byte) (*Signer, error) {
	c, err := x509.ParseCertificate(der)
	if err != nil {
		return nil, fmt.Errorf("not an X.509 certificate: %w", err)
	}
	switch k := c.PublicKey.(type) {
	case *ecdsa.PublicKey:
		if k.Curve != elliptic.P256() {
			return nil, fmt.Errorf("ECDSA key on %s; want P-256", k.Curve.Params().Name)
		}
	case *rsa.PublicKey:
		if k.N.BitLen() < MinRSABits {
			return nil, fmt.Errorf("RSA key of %d bits; want at least %d", k.N.BitLen(), MinRSABits)
		}
	default:
		return nil, fmt.Errorf("key of type %T; want ECDSA P-256 or RSA", c.PublicKey)
	}
	return &Signer{Cert: c, KID: KID(der), Types: usageTypes(c)}, nil
}

// The extended key usages the specification gives signer certificates,
// in both arcs that were issued.
var usageOIDs = map[string]Type{
	"1.3.6.1.4.1.1847.2021.1.1":   Test,
	"1.3.6.1.4.1.1847.2021.1.2":   Vaccination,
	"1.3.6.1.4.1.1847.2021.1.3":   Recovery,
	"1.3.6.1.4.1.0.1847.2021.1.1": Test,
	"1.3.6.1.4.1.0.1847.2021.1.2": Vaccination,
	"1.3.6.1.4.1.0.1847.2021.1.3": Recovery,
	"0.4.0.127.0.7.3.3.1.1":       Test,
	"0.4.0.127.0.7.3.3.1.2":       Vaccination,
	"0.4.0.127.0.7.3.3.1.3":       Recovery,
}

func usageTypes(c *x509.Certificate) map[Type]bool {
	var m map[Type]bool
	for _, oid := range c.UnknownExtKeyUsage {
		if t, ok := usageOIDs[oidString(oid)]; ok {
			if m == nil {
				m = map[Type]bool{}
			}
			m[t] = true
		}
	}
	return m
}

func oidString(o asn1.ObjectIdentifier) string { return o.String() }

// Allows says whether the certificate may sign a certificate of type t.
func (s *Signer) Allows(t Type) bool { return s.Types == nil || s.Types[t] }

// Len is how many certificates the list holds.
func (t *Trust) Len() int {
	if t == nil {
		return 0
	}
	return t.n
}

// Lookup returns the signers with this kid.
func (t *Trust) Lookup(kid []byte) []*Signer {
	if t == nil {
		return nil
	}
	return t.byKID[string(kid)]
}

// LoadTrustFile reads a trust list from a JSON array of strings, each a
// base64 DER certificate or a PEM certificate.
func LoadTrustFile(path string) (*Trust, error) {
	ders, err := ReadTrustFile(path)
	if err != nil {
		return nil, err
	}
	t, err := NewTrust(ders)
	if err != nil {
		return nil, fmt.Errorf("%w (in %s)", err, path)
	}
	return t, nil
}

// ReadTrustFile reads the DER certificates of a trust file without judging
// them, for a caller that joins them with others (the centre's list).
func ReadTrustFile(path string) ([][]byte, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("dcc: trust file: %w", err)
	}
	var list []string
	if err := json.Unmarshal(b, &list); err != nil {
		return nil, fmt.Errorf("dcc: trust file %s: want a JSON array of base64 DER or PEM certificates: %w", path, err)
	}
	ders := make([][]byte, 0, len(list))
	for i, s := range list {
		der, err := certBytes(s)
		if err != nil {
			return nil, fmt.Errorf("dcc: trust file %s: entry %d: %w", path, i, err)
		}
		ders = append(ders, der)
	}
	return ders, nil
}

func certBytes(s string) ([]byte, error) {
	s = strings.TrimSpace(s)
	if strings.HasPrefix(s, "-----BEGIN") {
		blk, _ := pem.Decode([]byte(s))
		if blk == nil || blk.Type != "CERTIFICATE" {
			return nil, errors.New("PEM without a CERTIFICATE block")
		}
		return blk.Bytes, nil
	}
	der, err := base64.StdEncoding.DecodeString(s)
	if err != nil {
		return nil, fmt.Errorf("neither PEM nor base64 DER: %w", err)
	}
	return der, nil
}
