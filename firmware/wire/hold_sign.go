package wire

import (
	"crypto/ed25519"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"strconv"
	"time"
)

// resultsSigned is the byte string a result push's signature covers:
// every field but the signature, length-prefixed as rosterSigned's are,
// under a label of its own so neither a policy's nor a roster's signature
// can pass for it.
func resultsSigned(r *ResultPush) []byte {
	fields := []string{"kakou-results-v1", strconv.Itoa(r.Schema), r.Site, r.Unit,
		strconv.FormatUint(r.Version, 10), r.IssuedAt.UTC().Format(time.RFC3339Nano),
		strconv.Itoa(len(r.Results))}
	for _, t := range r.Results {
		fields = append(fields, t.ID, t.Pass, t.IDHash, t.PhoneHash, t.Result,
			t.SampledAt.UTC().Format(time.RFC3339Nano))
	}
	h := sha256.New()
	for _, f := range fields {
		h.Write(strconv.AppendInt(nil, int64(len(f)), 10))
		h.Write([]byte{':'})
		h.Write([]byte(f))
	}
	return h.Sum([]byte("kakou-results-v1:"))
}

// SignResults sets r.Signature with the centre's private key.
func SignResults(r *ResultPush, key ed25519.PrivateKey) {
	r.Signature = base64.StdEncoding.EncodeToString(ed25519.Sign(key, resultsSigned(r)))
}

// ErrResultsUnsigned and ErrResultsBadSignature are what VerifyResults
// refuses.
var (
	ErrResultsUnsigned     = errors.New("wire: results push is not signed")
	ErrResultsBadSignature = errors.New("wire: results push signature does not verify")
)

// VerifyResults checks r's signature against any of the centre's keys.
func VerifyResults(r *ResultPush, keys ...ed25519.PublicKey) error {
	return verifySigned(r.Signature, resultsSigned(r), ErrResultsUnsigned, ErrResultsBadSignature, keys)
}
