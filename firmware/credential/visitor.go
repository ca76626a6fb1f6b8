package credential

import (
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/kakou/kakou/firmware/wire"
)

// visitorForm is the JSON inside KK1.V.: what the visitor typed on their
// phone before arriving (the fields of docs/product.md "Visitor registration").
type visitorForm struct {
	Name      string `json:"name"`
	Phone     string `json:"phone,omitempty"`
	ID        string `json:"id,omitempty"` // 居民身份证号
	Origin    string `json:"origin,omitempty"`
	Dest      string `json:"dest,omitempty"` // host building/unit
	Reason    string `json:"reason,omitempty"`
	Transport string `json:"transport,omitempty"`
	Trip      string `json:"trip,omitempty"` // train or flight number
	Arr       int64  `json:"arr,omitempty"`  // arrival, Unix seconds
}

// Field bounds: a name fits the console's form, free text a short line.
const (
	maxVisitorName = 32
	maxVisitorText = 64
)

// EncodeVisitor makes the KK1.V. code a pre-registration page would show.
func EncodeVisitor(v Visitor) (string, error) {
	f := visitorForm{Name: v.Name, Phone: v.Phone, ID: v.ID, Origin: v.Origin,
		Dest: v.Destination, Reason: v.Reason, Transport: v.Transport, Trip: v.TrainOrFlight}
	if !v.ArrivedAt.IsZero() {
		f.Arr = v.ArrivedAt.Unix()
	}
	if err := f.validate(); err != nil {
		return "", fmt.Errorf("credential: visitor: %w", err)
	}
	js, err := json.Marshal(f)
	if err != nil {
		return "", fmt.Errorf("credential: visitor: %w", err)
	}
	return VisitorFormPrefix + b64.EncodeToString(js), nil
}

// checkVisitor reads a KK1.V. code. It proves nothing — anyone can make
// one — so it is "valid" only in the sense that the form can be pre-filled.
func checkVisitor(code string) Presented {
	p := Presented{Wire: wire.Credential{Kind: wire.CredentialVisitor}}
	f, err := parseVisitor(code)
	if err != nil {
		p.Status, p.Detail = StatusMalformed, err.Error()
		return p
	}
	p.Status = StatusValid
	p.Wire.Subject = shortRef(code)
	p.Visitor = &Visitor{Name: f.Name, Phone: f.Phone, ID: f.ID, Origin: f.Origin,
		Destination: f.Dest, Reason: f.Reason, Transport: f.Transport, TrainOrFlight: f.Trip}
	if f.Arr > 0 {
		p.Visitor.ArrivedAt = time.Unix(f.Arr, 0).UTC()
	}
	return p
}

func parseVisitor(code string) (visitorForm, error) {
	js, err := b64.DecodeString(strings.TrimPrefix(code, VisitorFormPrefix))
	if err != nil {
		return visitorForm{}, fmt.Errorf("form: %w", err)
	}
	if !utf8.Valid(js) {
		return visitorForm{}, errors.New("form: not UTF-8")
	}
	var f visitorForm
	if err := decodeStrict(js, &f); err != nil {
		return visitorForm{}, fmt.Errorf("form: %w", err)
	}
	return f, f.validate()
}

func (f visitorForm) validate() error {
	if f.Name == "" {
		return errors.New("name: required")
	}
	if err := checkText(f.Name, maxVisitorName); err != nil {
		return fmt.Errorf("name: %w", err)
	}
	if f.Phone != "" && !digits(f.Phone, 5, 15) {
		return errors.New("phone: want 5-15 digits")
	}
	if f.ID != "" && !validIDNumber(f.ID) {
		return errors.New("id: want 15 digits, or 17 digits and a digit or X")
	}
	texts := []struct{ name, v string }{{"origin", f.Origin}, {"dest", f.Dest},
		{"reason", f.Reason}, {"transport", f.Transport}, {"trip", f.Trip}}
	for _, t := range texts {
		if err := checkText(t.v, maxVisitorText); err != nil {
			return fmt.Errorf("%s: %w", t.name, err)
		}
	}
	if f.Arr < 0 {
		return errors.New("arr: must not be negative")
	}
	return nil
}

// checkText allows what displays as one line: letters, marks, numbers,
// punctuation, symbols and spaces (U+3000 included, as Chinese input
// methods type it) — no control, format or line-separator characters.
func checkText(s string, maxRunes int) error {
	if !utf8.ValidString(s) {
		return errors.New("not UTF-8")
	}
	if n := utf8.RuneCountInString(s); n > maxRunes {
		return fmt.Errorf("%d characters, at most %d", n, maxRunes)
	}
	if strings.IndexFunc(s, func(r rune) bool { return !unicode.IsGraphic(r) }) >= 0 {
		return errors.New("control or invisible characters")
	}
	return nil
}

func digits(s string, minLen, maxLen int) bool {
	if len(s) < minLen || len(s) > maxLen {
		return false
	}
	return strings.Trim(s, "0123456789") == ""
}

// validIDNumber accepts the two shapes of 居民身份证号: the old 15 digits
// and the 18-character form whose last character is a check digit or X.
// The check digit itself is left to the guard's form: a typo there should
// not throw the rest of the pre-registration away.
func validIDNumber(s string) bool {
	switch len(s) {
	case 15:
		return digits(s, 15, 15)
	case 18:
		return digits(s[:17], 17, 17) && (s[17] == 'X' || s[17] >= '0' && s[17] <= '9')
	}
	return false
}
