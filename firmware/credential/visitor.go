package credential

import (
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/kakou/kakou/firmware/wire"
)

// The JSON inside KK1.V. is what the visitor typed on their phone before
// arriving (the fields of docs/product.md "Visitor registration"): the
// same fields, bounds and checks as a registration code's visitor
// (wire.VenueVisitor), which the centre signs where this one is not.

// EncodeVisitor makes the KK1.V. code a pre-registration page would show.
func EncodeVisitor(v Visitor) (string, error) {
	f := wire.VenueVisitor{Name: v.Name, Phone: v.Phone, IDNumber: v.ID, Origin: v.Origin,
		Dest: v.Destination, Reason: v.Reason, Transport: v.Transport, Trip: v.TrainOrFlight}
	if !v.ArrivedAt.IsZero() {
		f.Arrival = v.ArrivedAt.Unix()
	}
	if err := f.Validate(); err != nil {
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
	p.Visitor = &Visitor{Name: f.Name, Phone: f.Phone, ID: f.IDNumber, Origin: f.Origin,
		Destination: f.Dest, Reason: f.Reason, Transport: f.Transport, TrainOrFlight: f.Trip}
	if f.Arrival > 0 {
		p.Visitor.ArrivedAt = time.Unix(f.Arrival, 0).UTC()
	}
	return p
}

func parseVisitor(code string) (wire.VenueVisitor, error) {
	js, err := b64.DecodeString(strings.TrimPrefix(code, VisitorFormPrefix))
	if err != nil {
		return wire.VenueVisitor{}, fmt.Errorf("form: %w", err)
	}
	if !utf8.Valid(js) {
		return wire.VenueVisitor{}, errors.New("form: not UTF-8")
	}
	var f wire.VenueVisitor
	if err := decodeStrict(js, &f); err != nil {
		return wire.VenueVisitor{}, fmt.Errorf("form: %w", err)
	}
	return f, f.Validate()
}
