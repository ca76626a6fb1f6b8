package dcc

import "fmt"

// base45Alphabet is RFC 9285 section 4: the 45 characters of the QR code's
// alphanumeric mode, so a code packs densely into a QR symbol.
const base45Alphabet = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ $%*+-./:"

// base45Value maps a byte to its value plus one; 0 means not in the alphabet.
var base45Value = func() (t [256]byte) {
	for i := 0; i < len(base45Alphabet); i++ {
		t[base45Alphabet[i]] = byte(i + 1)
	}
	return t
}()

// DecodeBase45 decodes RFC 9285 Base45 strictly: every character must be in
// the alphabet, a trailing group of one character is refused, and a group
// whose value does not fit its bytes (over 65535 for three characters, over
// 255 for two) is refused, so each byte string has exactly one spelling.
// Errors name the offset of the offending group.
func DecodeBase45(s []byte) ([]byte, error) {
	if len(s)%3 == 1 {
		return nil, fmt.Errorf("base45: length %d leaves one character over at offset %d", len(s), len(s)-1)
	}
	out := make([]byte, 0, len(s)/3*2+1)
	for i := 0; i < len(s); i += 3 {
		n := min(3, len(s)-i)
		v := 0
		for j := n - 1; j >= 0; j-- {
			d := base45Value[s[i+j]]
			if d == 0 {
				return nil, fmt.Errorf("base45: character %q at offset %d is not in the alphabet", s[i+j], i+j)
			}
			v = v*45 + int(d-1)
		}
		if n == 3 {
			if v > 0xFFFF {
				return nil, fmt.Errorf("base45: group at offset %d has value %d, over 65535", i, v)
			}
			out = append(out, byte(v>>8), byte(v))
			continue
		}
		if v > 0xFF {
			return nil, fmt.Errorf("base45: final pair at offset %d has value %d, over 255", i, v)
		}
		out = append(out, byte(v))
	}
	return out, nil
}

// EncodeBase45 is RFC 9285 encoding, for issuing test codes.
func EncodeBase45(b []byte) []byte {
	out := make([]byte, 0, (len(b)+1)/2*3)
	for i := 0; i+1 < len(b); i += 2 {
		v := int(b[i])<<8 | int(b[i+1])
		out = append(out, base45Alphabet[v%45], base45Alphabet[v/45%45], base45Alphabet[v/2025])
	}
	if len(b)%2 == 1 {
		v := int(b[len(b)-1])
		out = append(out, base45Alphabet[v%45], base45Alphabet[v/45])
	}
	return out
}
