package dcc

import (
	"errors"
	"fmt"
	"regexp"
	"strings"
	"time"
)

// There is no JSON-schema validator among the project's modules, and the
// DCC schema is small: Validate checks by hand what the schema requires
// (versions 1.0 to 1.3) — the version, a standardised family name, a date
// of birth, exactly one entry of one type, and in it the fields the
// schema marks required, with their formats. It does not check the value
// sets (vaccine product codes and the like), which change over time and
// are the issuing country's business.
func (c *Cert) Validate() error {
	var errs []error
	add := func(format string, a ...any) { errs = append(errs, fmt.Errorf(format, a...)) }
	if !semver.MatchString(c.Version) {
		add("ver %q: want a version like 1.3.0", c.Version)
	}
	if c.Name == nil {
		add("nam: missing")
	} else if !stdName.MatchString(c.Name.FamilyStd) || c.Name.GivenStd != "" && !stdName.MatchString(c.Name.GivenStd) {
		add("nam: fnt (and gnt when given) must be ICAO 9303 transliterations (A-Z and <)")
	}
	if c.DateOfBirth == nil || !dob.MatchString(*c.DateOfBirth) {
		add("dob: want YYYY, YYYY-MM or YYYY-MM-DD (empty when unknown)")
	}
	if c.Type() == "" {
		add("v/t/r: want exactly one entry of one type, got %d/%d/%d", len(c.V), len(c.T), len(c.R))
	}
	for i, v := range c.V {
		errs = append(errs, prefixErr(fmt.Sprintf("v[%d]", i), v.validate()))
	}
	for i, t := range c.T {
		errs = append(errs, prefixErr(fmt.Sprintf("t[%d]", i), t.validate()))
	}
	for i, r := range c.R {
		errs = append(errs, prefixErr(fmt.Sprintf("r[%d]", i), r.validate()))
	}
	return errors.Join(errs...)
}

var (
	semver  = regexp.MustCompile(`^\d+\.\d+\.\d+$`)
	stdName = regexp.MustCompile(`^[A-Z<]{1,80}$`)
	dob     = regexp.MustCompile(`^$|^(19|20)\d{2}(-\d{2}(-\d{2})?)?$`)
	country = regexp.MustCompile(`^[A-Z]{1,10}$`)
)

func prefixErr(where string, err error) error {
	if err == nil {
		return nil
	}
	return fmt.Errorf("%s: %w", where, err)
}

func common(tg, co, is, ci string) error {
	var errs []string
	if tg == "" {
		errs = append(errs, "tg missing")
	}
	if !country.MatchString(co) {
		errs = append(errs, "co: want a country code")
	}
	if is == "" || len(is) > 80 {
		errs = append(errs, "is: want 1-80 characters")
	}
	if ci == "" || len(ci) > 80 {
		errs = append(errs, "ci: want 1-80 characters")
	}
	if errs != nil {
		return errors.New(strings.Join(errs, "; "))
	}
	return nil
}

func (v VaccEntry) validate() error {
	errs := []error{common(v.Target, v.Country, v.Issuer, v.ID)}
	if v.Vaccine == "" || v.Product == "" || v.Maker == "" {
		errs = append(errs, errors.New("vp, mp, ma: required"))
	}
	if v.Dose == nil || v.Doses == nil || *v.Dose < 1 || *v.Doses < 1 || *v.Dose > 9 || *v.Doses > 9 {
		errs = append(errs, errors.New("dn, sd: want whole numbers 1-9"))
	}
	if _, err := parseDate(v.Date); err != nil {
		errs = append(errs, fmt.Errorf("dt: %w", err))
	}
	return errors.Join(errs...)
}

func (t TestEntry) validate() error {
	errs := []error{common(t.Target, t.Country, t.Issuer, t.ID)}
	if t.Kind == "" || t.Result == "" {
		errs = append(errs, errors.New("tt, tr: required"))
	}
	if _, err := t.sampled(); err != nil {
		errs = append(errs, err)
	}
	return errors.Join(errs...)
}

func (r RecovEntry) validate() error {
	errs := []error{common(r.Target, r.Country, r.Issuer, r.ID)}
	for _, d := range []struct{ name, v string }{{"fr", r.FirstPos}, {"df", r.From}, {"du", r.Until}} {
		if _, err := parseDate(d.v); err != nil {
			errs = append(errs, fmt.Errorf("%s: %w", d.name, err))
		}
	}
	return errors.Join(errs...)
}

// parseDate reads a full date (YYYY-MM-DD) as midnight UTC. Some issuers
// wrote a date-time where the schema has a date; the date part is used.
func parseDate(s string) (time.Time, error) {
	if len(s) > 10 && s[10] == 'T' {
		s = s[:10]
	}
	d, err := time.Parse(time.DateOnly, s)
	if err != nil {
		return time.Time{}, fmt.Errorf("%q is not a YYYY-MM-DD date", s)
	}
	return d, nil
}

// parseDateTime reads RFC 3339, also without seconds' fraction or with a
// "+hhmm" zone, both of which issuers produced.
func parseDateTime(s string) (time.Time, error) {
	for _, layout := range []string{time.RFC3339Nano, "2006-01-02T15:04:05Z0700", "2006-01-02T15:04:05.999999999Z0700"} {
		if t, err := time.Parse(layout, s); err == nil {
			return t.UTC(), nil
		}
	}
	return time.Time{}, fmt.Errorf("sc %q is not an RFC 3339 date-time", s)
}
