package idcard

import (
	"errors"
	"fmt"
	"strings"
	"time"
	"unicode"
	"unicode/utf16"
)

// TextLen is the size of the card's text block (README.md "The text
// block").
const TextLen = 256

// field is one fixed-width slot of the text block, in bytes of UCS-2.
type field struct {
	name  string
	width int
}

// textFields are the slots in order; their widths add up to TextLen.
var textFields = [...]field{
	{"name", 30}, {"sex", 2}, {"ethnicity", 4}, {"birth", 16}, {"address", 70},
	{"number", 36}, {"authority", 30}, {"valid from", 16}, {"valid until", 16}, {"reserved", 36},
}

const (
	fName = iota
	fSex
	fEthnicity
	fBirth
	fAddress
	fNumber
	fAuthority
	fValidFrom
	fValidUntil
	fReserved
)

// longTerm is what a card that never expires holds as its end date.
const longTerm = "长期"

// ParseText decodes the 256-byte text block of read base information
// into a Card. It refuses a block whose fields a genuine card cannot hold:
// a bad date, an ID number of the wrong form or with a wrong check digit,
// a birth date the number contradicts, control characters. An unknown
// ethnicity code is not refused; Ethnicity is then "".
func ParseText(b []byte) (Card, error) {
	if len(b) != TextLen {
		return Card{}, fmt.Errorf("idcard: text block is %d bytes, want %d", len(b), TextLen)
	}
	var f [len(textFields)]string
	off := 0
	for i, fd := range textFields {
		s, err := ucs2(b[off : off+fd.width])
		if err != nil {
			return Card{}, fmt.Errorf("idcard: text %s: %w", fd.name, err)
		}
		f[i] = s
		off += fd.width
	}
	c := Card{
		Name: f[fName], Birth: f[fBirth], Address: f[fAddress], Number: strings.ToUpper(f[fNumber]),
		Authority: f[fAuthority], ValidFrom: f[fValidFrom], ValidUntil: f[fValidUntil],
	}
	var errs []error
	var ok bool
	if c.Sex, ok = sexes[f[fSex]]; !ok {
		errs = append(errs, fmt.Errorf("idcard: text sex: code %q is not one of 0, 1, 2, 9 (GB/T 2261.1)", f[fSex]))
	}
	c.Ethnicity = ethnicities[f[fEthnicity]]
	errs = append(errs, checkCard(c)...)
	if err := errors.Join(errs...); err != nil {
		return Card{}, err
	}
	return c, nil
}

// ucs2 decodes a slot of UCS-2 little-endian with its space (or NUL)
// padding trimmed.
func ucs2(b []byte) (string, error) {
	u := make([]uint16, len(b)/2)
	for i := range u {
		u[i] = uint16(b[2*i]) | uint16(b[2*i+1])<<8
	}
	s := strings.TrimRight(string(utf16.Decode(u)), " \x00")
	for _, r := range s {
		if r == unicode.ReplacementChar {
			return "", errors.New("not valid UCS-2 (a lone surrogate)")
		}
		if unicode.IsControl(r) {
			return "", fmt.Errorf("control character %U", r)
		}
	}
	return s, nil
}

// checkCard reports every field a genuine card could not hold.
func checkCard(c Card) []error {
	var errs []error
	if c.Name == "" {
		errs = append(errs, errors.New("idcard: text name: empty"))
	}
	birth, err := parseDate(c.Birth)
	if err != nil {
		errs = append(errs, fmt.Errorf("idcard: text birth: %w", err))
	}
	if err := CheckNumber(c.Number); err != nil {
		errs = append(errs, fmt.Errorf("idcard: text number: %w", err))
	} else if birth != "" && c.Number[6:14] != birth {
		errs = append(errs, errors.New("idcard: text number: the birth date in it differs from the card's birth field (a forged or corrupt card)"))
	}
	from, err := parseDate(c.ValidFrom)
	if err != nil {
		errs = append(errs, fmt.Errorf("idcard: text valid from: %w", err))
	}
	if c.ValidUntil != longTerm {
		until, err := parseDate(c.ValidUntil)
		if err != nil {
			errs = append(errs, fmt.Errorf("idcard: text valid until: %w (or %s)", err, longTerm))
		} else if from != "" && until < from {
			errs = append(errs, fmt.Errorf("idcard: text validity: ends %s before it starts %s", until, from))
		}
	}
	return errs
}

// parseDate checks a YYYYMMDD date and returns it; YYYYMMDD strings
// compare in date order.
func parseDate(s string) (string, error) {
	if len(s) != 8 {
		return "", fmt.Errorf("%q is not a YYYYMMDD date", s)
	}
	if _, err := time.Parse("20060102", s); err != nil {
		return "", fmt.Errorf("%q is not a YYYYMMDD date", s)
	}
	return s, nil
}

// CheckNumber checks the form of a citizen ID number (GB 11643): 17
// digits and a check digit (0-9 or X) by ISO 7064 MOD 11-2.
func CheckNumber(n string) error {
	if len(n) != 18 {
		return fmt.Errorf("%q is %d characters, want 18", mask(n), len(n))
	}
	for i := range 17 {
		if n[i] < '0' || n[i] > '9' {
			return fmt.Errorf("%q: character %d is not a digit", mask(n), i+1)
		}
	}
	if want := checkDigit(n[:17]); n[17] != want {
		return fmt.Errorf("%q: check digit %q is wrong, want %q by ISO 7064 MOD 11-2 (a misread or forged number)", mask(n), n[17], want)
	}
	return nil
}

// checkDigit is the ISO 7064 MOD 11-2 check character of 17 digits: the
// weights are 2^(17-i) mod 11, and the remainder maps to "10X98765432".
func checkDigit(d string) byte {
	weights := [17]int{7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2}
	sum := 0
	for i := range 17 {
		sum += int(d[i]-'0') * weights[i]
	}
	return "10X98765432"[sum%11]
}

// mask keeps a full ID number out of error messages, which reach logs:
// only its first six (the region) and last four characters are shown.
func mask(n string) string {
	if len(n) <= 10 {
		return strings.Repeat("*", len(n))
	}
	return n[:6] + strings.Repeat("*", len(n)-10) + n[len(n)-4:]
}
