package dcc

import (
	"bytes"
	"compress/zlib"
	"crypto"
	"crypto/ecdsa"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"fmt"
	"time"

	"github.com/fxamacker/cbor/v2"
)

// Issue signs a certificate the way a member state's issuer would and
// returns the HC1 text, for the demo and tests; a unit never issues. key
// is ECDSA P-256 (ES256) or RSA (PS256); certDER is its signer
// certificate, whose kid goes in the protected header.
func Issue(key crypto.Signer, certDER []byte, iss string, iat, exp time.Time, c *Cert) (string, error) {
	payload, err := cbor.Marshal(map[int]any{
		1: iss, 4: exp.Unix(), 6: iat.Unix(), -260: map[int]*Cert{1: c},
	})
	if err != nil {
		return "", fmt.Errorf("dcc: claims: %w", err)
	}
	return Seal(key, KID(certDER), payload)
}

// Seal signs any payload as a tagged COSE_Sign1 and packs it as HC1 text.
// Tests use it to sign what Issue would refuse to build.
func Seal(key crypto.Signer, kid, payload []byte) (string, error) {
	alg := AlgES256
	if _, ok := key.Public().(*rsa.PublicKey); ok {
		alg = AlgPS256
	}
	prot, err := cbor.Marshal(map[int]any{1: alg, 4: kid})
	if err != nil {
		return "", err
	}
	s := &Sign1{Protected: prot, Payload: payload}
	msg, err := s.sigStructure()
	if err != nil {
		return "", err
	}
	digest := sha256.Sum256(msg)
	sig, err := sign(key, digest[:])
	if err != nil {
		return "", fmt.Errorf("dcc: sign: %w", err)
	}
	cose, err := cbor.Marshal(cbor.Tag{Number: tagCOSESign1, Content: []any{prot, map[any]any{}, payload, sig}})
	if err != nil {
		return "", err
	}
	return Pack(cose), nil
}

func sign(key crypto.Signer, digest []byte) ([]byte, error) {
	switch k := key.(type) {
	case *ecdsa.PrivateKey:
		r, s, err := ecdsa.Sign(rand.Reader, k, digest)
		if err != nil {
			return nil, err
		}
		out := make([]byte, 64)
		r.FillBytes(out[:32])
		s.FillBytes(out[32:])
		return out, nil
	case *rsa.PrivateKey:
		return rsa.SignPSS(rand.Reader, k, crypto.SHA256, digest, &rsa.PSSOptions{SaltLength: rsa.PSSSaltLengthEqualsHash})
	}
	return nil, fmt.Errorf("key of type %T; want ECDSA or RSA", key)
}

// Pack compresses a COSE message and writes it as HC1 text.
func Pack(cose []byte) string {
	var z bytes.Buffer
	w, _ := zlib.NewWriterLevel(&z, zlib.BestCompression)
	w.Write(cose)
	w.Close()
	return Prefix + string(EncodeBase45(z.Bytes()))
}
