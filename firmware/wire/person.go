package wire

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"strings"
	"unicode"
)

// PersonHash is the keyed hash under which a person's ID number or phone
// is stored and looked up (HMAC-SHA256, hex). The key is the fleet's
// tracing key: every unit and the centre hold the same one, so a tracer
// who types a number at the centre finds the visits recorded at any gate,
// while a stolen database alone cannot be searched for a number without
// the key (an unkeyed hash of an 18-digit ID is guessed in minutes).
// kind is "id" or "phone", so an ID and a phone with the same digits never
// collide; the value is compared without spaces, dashes or letter case.
func PersonHash(key []byte, kind, value string) string {
	m := hmac.New(sha256.New, key)
	m.Write([]byte(kind))
	m.Write([]byte{0})
	m.Write([]byte(normalisePersonValue(value)))
	return hex.EncodeToString(m.Sum(nil))
}

func normalisePersonValue(v string) string {
	return strings.Map(func(r rune) rune {
		if unicode.IsSpace(r) || r == '-' {
			return -1
		}
		return unicode.ToUpper(r) // the X check digit of an ID number
	}, v)
}

func isPersonHash(h string) bool {
	if len(h) != 64 {
		return false
	}
	for i := 0; i < len(h); i++ {
		if c := h[i]; !(c >= '0' && c <= '9' || c >= 'a' && c <= 'f') {
			return false
		}
	}
	return true
}
