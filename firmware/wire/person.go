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

// The documents a visitor registers with (Visitor.IDKind).
const (
	IDResident     = "resident"      // 居民身份证
	IDHKMOPermit   = "hkmo_permit"   // 港澳居民来往内地通行证
	IDTWPermit     = "tw_permit"     // 台湾居民来往大陆通行证
	IDHMTResidence = "hmt_residence" // 港澳台居民居住证
	IDForeignPR    = "foreign_pr"    // 外国人永久居留身份证
	IDPassport     = "passport"      // 护照
	IDNone         = "none"          // 无证件
)

// IDHashKind is the kind a document's number is hashed under. The
// documents numbered in the national identity scheme (GB 11643: the
// resident ID card, the residence permit for HK/Macau/Taiwan residents,
// the foreign permanent resident ID card) share "id", the kind every ID
// number was hashed under before kinds were recorded: their numbers never
// overlap (81/82/83 and 9 are no province), and a tracer who types one
// finds the visits whatever kind the guard picked. Any other document is
// hashed under "id:" and its kind, so a passport and a permit with the
// same characters never collide.
func IDHashKind(kind string) string {
	switch kind {
	case "", IDResident, IDHMTResidence, IDForeignPR:
		return "id"
	}
	return "id:" + kind
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
