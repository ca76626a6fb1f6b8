package api

import (
	"crypto/aes"
	"crypto/cipher"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
)

// sealedNumbers is the plaintext of wire.Visitor.Sealed, as the unit makes
// it (firmware/credential/visitor_privacy.go: SealedNumbers). The two
// programs share only the wire contract, so the shape is written twice;
// the root test TestVisitorNumbersFromGateToExport holds them together.
type sealedNumbers struct {
	ID    string `json:"id,omitempty"`
	Phone string `json:"phone,omitempty"`
}

// sealAAD is the unit's associated data for a sealed visitor box.
var sealAAD = []byte("kakou visitor sealed v1")

// sealKeySize is AES-256's key length: the seal key file holds exactly it.
const sealKeySize = 32

// newSealOpener checks key and returns the AEAD that opens sealed boxes.
func newSealOpener(key []byte) (cipher.AEAD, error) {
	if len(key) != sealKeySize {
		return nil, fmt.Errorf("api: seal key: %d bytes, want exactly %d", len(key), sealKeySize)
	}
	block, err := aes.NewCipher(key)
	if err != nil {
		return nil, fmt.Errorf("api: seal key: %w", err)
	}
	return cipher.NewGCM(block)
}

// openSealed opens base64(nonce||ciphertext). It never says more than
// that a box did not open: a tracer's export marks the entry and goes on.
func openSealed(aead cipher.AEAD, sealed string) (sealedNumbers, error) {
	var n sealedNumbers
	box, err := base64.StdEncoding.DecodeString(sealed)
	ns := aead.NonceSize()
	if err != nil || len(box) < ns+aead.Overhead() {
		return n, errors.New("not a sealed box")
	}
	plain, err := aead.Open(nil, box[:ns], box[ns:], sealAAD)
	if err != nil {
		return n, errors.New("does not open with the configured seal key")
	}
	if err := json.Unmarshal(plain, &n); err != nil {
		return n, errors.New("opened, but not the numbers a unit seals")
	}
	return n, nil
}
