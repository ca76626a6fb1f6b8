package wire

import (
	"crypto/pbkdf2"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"errors"
	"fmt"
	"strconv"
	"strings"
)

// A guard's PIN is kept, on the centre and in the roster every unit of the
// site holds, as PBKDF2-SHA256 with a salt of its own (the standard
// library's; no dependency for the firmware). The iteration count travels
// in the hash, so it can be raised later without breaking old hashes.
//
// What this buys is limited and said plainly: a 4-6 digit PIN has at most
// a million values, so whoever steals a roster (a unit's SD card) finds
// every PIN in it offline in hours at most. The roster is signed so it
// cannot be altered, not so its hashes are secret; PINs stop a passer-by
// at the kiosk, and the console's lockout (a few wrong PINs lock the
// guard out for a growing time) is what stops guessing at the gate. A
// lost card means resetting the site's PINs from the centre.

// PINIterations is the cost of a new hash: the console checks one PIN per
// sign-in, and on a Pi Zero this count takes about a third of a second
// (docs/performance.md "Guard PINs" has the benchmark).
const PINIterations = 20_000

// Bounds a hash's stated cost must keep: below, it is not ours; above, a
// hostile file could stall the console for minutes per sign-in.
const (
	minPINIterations = 1_000
	maxPINIterations = 1_000_000
)

const pinScheme = "pbkdf2-sha256"

// HashPIN hashes pin with a fresh random salt at PINIterations.
func HashPIN(pin string) (string, error) {
	salt := make([]byte, 16)
	if _, err := rand.Read(salt); err != nil {
		return "", fmt.Errorf("wire: pin salt: %w", err)
	}
	return hashPIN(pin, salt, PINIterations)
}

func hashPIN(pin string, salt []byte, iter int) (string, error) {
	if err := CheckPINShape(pin); err != nil {
		return "", err
	}
	key, err := pbkdf2.Key(sha256.New, pin, salt, iter, sha256.Size)
	if err != nil {
		return "", fmt.Errorf("wire: pin hash: %w", err)
	}
	enc := base64.RawStdEncoding
	return pinScheme + "$" + strconv.Itoa(iter) + "$" + enc.EncodeToString(salt) + "$" + enc.EncodeToString(key), nil
}

// CheckPINShape refuses a PIN too short to be worth a lockout, or too long
// for a guard to type: 4 to 32 characters, printable, no spaces at the
// ends. Digits only is what a touchscreen pad offers; a password works too.
func CheckPINShape(pin string) error {
	n := len([]rune(pin))
	if n < 4 || n > 32 || strings.TrimSpace(pin) != pin || hasControl(pin) {
		return errors.New("a PIN is 4 to 32 characters (digits are easiest on the console's pad), without spaces at either end")
	}
	return nil
}

// pinHash is a parsed HashPIN string.
type pinHash struct {
	iter      int
	salt, key []byte
}

func parsePINHash(s string) (pinHash, error) {
	parts := strings.Split(s, "$")
	if len(parts) != 4 || parts[0] != pinScheme {
		return pinHash{}, errors.New("not a " + pinScheme + "$iterations$salt$hash string (kakou-unit -hash-pin makes one)")
	}
	iter, err := strconv.Atoi(parts[1])
	if err != nil || iter < minPINIterations || iter > maxPINIterations {
		return pinHash{}, fmt.Errorf("iterations %q: want %d to %d", parts[1], minPINIterations, maxPINIterations)
	}
	enc := base64.RawStdEncoding
	salt, err1 := enc.DecodeString(parts[2])
	key, err2 := enc.DecodeString(parts[3])
	if err1 != nil || err2 != nil || len(salt) < 8 || len(salt) > 64 || len(key) != sha256.Size {
		return pinHash{}, errors.New("salt or hash is not the base64 (no padding) of 8-64 and 32 bytes")
	}
	return pinHash{iter, salt, key}, nil
}

// CheckPIN reports whether pin matches hash; a malformed hash matches nothing.
func CheckPIN(hash, pin string) bool {
	h, err := parsePINHash(hash)
	if err != nil {
		return false
	}
	key, err := pbkdf2.Key(sha256.New, pin, h.salt, h.iter, sha256.Size)
	return err == nil && subtle.ConstantTimeCompare(key, h.key) == 1
}
