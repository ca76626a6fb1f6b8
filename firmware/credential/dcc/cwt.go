package dcc

import (
	"fmt"
	"time"

	"github.com/fxamacker/cbor/v2"
)

// Claims is the CBOR Web Token a certificate is signed as: the issuing
// country (1), expiry (4) and issue time (6) in seconds since 1970, and the
// health certificate claim (-260) whose key 1 holds the DCC payload.
type Claims struct {
	Issuer     string
	Expires    time.Time // zero: not carried
	IssuedAt   time.Time // zero: not carried
	Cert       *Cert
	PayloadRaw cbor.RawMessage // the DCC payload's CBOR, for comparing with its JSON
}

type rawClaims struct {
	Issuer string                  `cbor:"1,keyasint,omitempty"`
	Exp    *float64                `cbor:"4,keyasint,omitempty"`
	Iat    *float64                `cbor:"6,keyasint,omitempty"`
	HCert  map[int]cbor.RawMessage `cbor:"-260,keyasint,omitempty"`
}

// maxUnix bounds a NumericDate: year 9999 is the end of what a date in the
// payload can say, and past it time arithmetic overflows.
const maxUnix = 253402300799

// ParseClaims reads the CWT and the DCC payload inside it.
func ParseClaims(b []byte) (*Claims, error) {
	var r rawClaims
	if err := decMode.Unmarshal(b, &r); err != nil {
		return nil, fail(StepCWT, "claims: %v", err)
	}
	c := &Claims{Issuer: r.Issuer}
	var err error
	if c.Expires, err = numericDate(r.Exp, "exp (4)"); err != nil {
		return nil, err
	}
	if c.IssuedAt, err = numericDate(r.Iat, "iat (6)"); err != nil {
		return nil, err
	}
	raw, ok := r.HCert[1]
	if !ok {
		return nil, fail(StepCWT, "no health certificate claim (-260 / 1)")
	}
	c.PayloadRaw = raw
	if c.Cert, err = parseCert(raw); err != nil {
		return nil, err
	}
	return c, nil
}

func numericDate(v *float64, name string) (time.Time, error) {
	if v == nil {
		return time.Time{}, nil
	}
	if *v < 0 || *v > maxUnix || *v != *v {
		return time.Time{}, fail(StepCWT, "%s %v is not a date between 1970 and 9999", name, *v)
	}
	return time.Unix(int64(*v), 0).UTC(), nil
}

// Type is what a certificate certifies.
type Type string

const (
	Vaccination Type = "vaccination"
	Test        Type = "test"
	Recovery    Type = "recovery"
)

// Cert is the DCC payload (the specification's JSON schema, carried as
// CBOR). Names and date of birth are read only to check the schema; they
// never leave this package.
type Cert struct {
	Version     string       `cbor:"ver,omitempty" json:"ver,omitempty"`
	Name        *Name        `cbor:"nam,omitempty" json:"nam,omitempty"`
	DateOfBirth *string      `cbor:"dob,omitempty" json:"dob,omitempty"`
	V           []VaccEntry  `cbor:"v,omitempty" json:"v,omitempty"`
	T           []TestEntry  `cbor:"t,omitempty" json:"t,omitempty"`
	R           []RecovEntry `cbor:"r,omitempty" json:"r,omitempty"`
}

type Name struct {
	Family    string `cbor:"fn,omitempty" json:"fn,omitempty"`
	FamilyStd string `cbor:"fnt,omitempty" json:"fnt,omitempty"`
	Given     string `cbor:"gn,omitempty" json:"gn,omitempty"`
	GivenStd  string `cbor:"gnt,omitempty" json:"gnt,omitempty"`
}

// VaccEntry is one vaccination: dose dn of sd, given on dt.
type VaccEntry struct {
	Target  string `cbor:"tg,omitempty" json:"tg,omitempty"`
	Vaccine string `cbor:"vp,omitempty" json:"vp,omitempty"`
	Product string `cbor:"mp,omitempty" json:"mp,omitempty"`
	Maker   string `cbor:"ma,omitempty" json:"ma,omitempty"`
	Dose    *int   `cbor:"dn,omitempty" json:"dn,omitempty"`
	Doses   *int   `cbor:"sd,omitempty" json:"sd,omitempty"`
	Date    string `cbor:"dt,omitempty" json:"dt,omitempty"`
	Country string `cbor:"co,omitempty" json:"co,omitempty"`
	Issuer  string `cbor:"is,omitempty" json:"is,omitempty"`
	ID      string `cbor:"ci,omitempty" json:"ci,omitempty"`
}

// TestEntry is one test: type tt, sampled at sc, result tr.
type TestEntry struct {
	Target  string `cbor:"tg,omitempty" json:"tg,omitempty"`
	Kind    string `cbor:"tt,omitempty" json:"tt,omitempty"`
	Name    string `cbor:"nm,omitempty" json:"nm,omitempty"`
	Device  string `cbor:"ma,omitempty" json:"ma,omitempty"`
	Sampled any    `cbor:"sc,omitempty" json:"sc,omitempty"` // RFC 3339 text, or a CBOR date tag
	Result  string `cbor:"tr,omitempty" json:"tr,omitempty"`
	Centre  string `cbor:"tc,omitempty" json:"tc,omitempty"`
	Country string `cbor:"co,omitempty" json:"co,omitempty"`
	Issuer  string `cbor:"is,omitempty" json:"is,omitempty"`
	ID      string `cbor:"ci,omitempty" json:"ci,omitempty"`
}

// RecovEntry is one recovery: first positive on fr, valid df to du.
type RecovEntry struct {
	Target   string `cbor:"tg,omitempty" json:"tg,omitempty"`
	FirstPos string `cbor:"fr,omitempty" json:"fr,omitempty"`
	Country  string `cbor:"co,omitempty" json:"co,omitempty"`
	Issuer   string `cbor:"is,omitempty" json:"is,omitempty"`
	From     string `cbor:"df,omitempty" json:"df,omitempty"`
	Until    string `cbor:"du,omitempty" json:"du,omitempty"`
	ID       string `cbor:"ci,omitempty" json:"ci,omitempty"`
}

func parseCert(raw []byte) (*Cert, error) {
	var c Cert
	if err := decMode.Unmarshal(raw, &c); err != nil {
		return nil, fail(StepPayload, "certificate: %v", err)
	}
	return &c, nil
}

// Type is the certificate's one type, or "" when it carries none or more
// than one entry (the specification allows exactly one).
func (c *Cert) Type() Type {
	switch {
	case len(c.V) == 1 && len(c.T) == 0 && len(c.R) == 0:
		return Vaccination
	case len(c.V) == 0 && len(c.T) == 1 && len(c.R) == 0:
		return Test
	case len(c.V) == 0 && len(c.T) == 0 && len(c.R) == 1:
		return Recovery
	}
	return ""
}

// ID is the unique certificate identifier (ci) of its one entry.
func (c *Cert) ID() string { id, _ := c.entry(); return id }

// Country is the country of its one entry.
func (c *Cert) Country() string { _, country := c.entry(); return country }

// entry is the identifier and country of the certificate's one entry.
func (c *Cert) entry() (id, country string) {
	switch c.Type() {
	case Vaccination:
		return c.V[0].ID, c.V[0].Country
	case Test:
		return c.T[0].ID, c.T[0].Country
	case Recovery:
		return c.R[0].ID, c.R[0].Country
	}
	return "", ""
}

// sampled reads a test's sampling time, given as RFC 3339 text.
func (t TestEntry) sampled() (time.Time, error) {
	switch v := t.Sampled.(type) {
	case string:
		return parseDateTime(v)
	case time.Time:
		return v, nil
	case cbor.Tag:
		if s, ok := v.Content.(string); ok {
			return parseDateTime(s)
		}
	}
	return time.Time{}, fmt.Errorf("sc: want an RFC 3339 date-time, got %T", t.Sampled)
}
