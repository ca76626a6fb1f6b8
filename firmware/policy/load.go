package policy

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"time"

	"github.com/BurntSushi/toml"
	"github.com/kakou/kakou/firmware/credential"
	"github.com/kakou/kakou/firmware/wire"
)

// MaxDocument bounds a policy document; the largest profile is under 8 KiB
// and a push from the centre arrives over MQTT.
const MaxDocument = 64 << 10

// Load reads, defaults and validates the policy document at path.
func Load(path string) (Policy, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return Policy{}, fmt.Errorf("policy: %w", err)
	}
	return Parse(b, path)
}

// LoadDir loads every *.toml document in dir, in name order. It returns
// the documents that are good and an error naming every one that is not,
// so a unit can run on what it has while the bad file is reported.
// Two documents with one version are an error: the version must say which
// rules decided.
func LoadDir(dir string) ([]Policy, error) {
	if _, err := os.Stat(dir); err != nil {
		return nil, fmt.Errorf("policy: %w", err)
	}
	paths, err := filepath.Glob(filepath.Join(dir, "*.toml"))
	if err != nil {
		return nil, fmt.Errorf("policy: %w", err)
	}
	slices.Sort(paths)
	var (
		docs []Policy
		errs []error
		seen = map[string]string{}
	)
	for _, path := range paths {
		p, err := Load(path)
		switch {
		case err != nil:
			errs = append(errs, err)
		case seen[p.Version] != "":
			errs = append(errs, fmt.Errorf("policy: %s: version: %q is also the version of %s", path, p.Version, seen[p.Version]))
		default:
			seen[p.Version] = path
			docs = append(docs, p)
		}
	}
	return docs, errors.Join(errs...)
}

// Parse decodes a policy document, applies the defaults and validates it.
// A TOML document is the form in configs/policies/; a JSON object with the
// same keys is what the centre pushes. Unknown keys are errors, and every
// problem is reported at once, each with its key. name says where the
// document came from, for the messages.
func Parse(doc []byte, name string) (Policy, error) {
	if len(doc) > MaxDocument {
		return Policy{}, fmt.Errorf("policy: %s: %d bytes exceeds the %d-byte limit", name, len(doc), MaxDocument)
	}
	var (
		p        Policy
		problems []Problem
		err      error
	)
	if t := bytes.TrimSpace(doc); len(t) > 0 && t[0] == '{' {
		err = decodeJSON(doc, &p)
	} else {
		problems, err = decodeTOML(doc, &p)
	}
	if err != nil {
		return Policy{}, fmt.Errorf("policy: %s: %w", name, err)
	}
	p.applyDefaults()
	problems = append(problems, p.problems()...)
	if len(problems) > 0 {
		return Policy{}, &ValidationError{Name: name, Problems: problems}
	}
	return p, nil
}

// decodeTOML decodes doc and reports the keys it did not know.
func decodeTOML(doc []byte, p *Policy) ([]Problem, error) {
	md, err := toml.Decode(string(doc), p)
	if err != nil {
		return nil, err
	}
	var problems []Problem
	for _, k := range md.Undecoded() {
		problems = append(problems, Problem{k.String(), "unknown key (misspelt, or not a policy key?)"})
	}
	if md.IsDefined("effective_from") || md.IsDefined("effective_to") {
		problems = append(problems, localDates(doc)...)
	}
	return problems, nil
}

// localDates rejects TOML's local dates and times: without an offset the
// switch-over would move with whatever zone the unit happens to have.
// Decoding into time.Time loses the distinction, so the dates are decoded
// again as they were written.
func localDates(doc []byte) []Problem {
	var raw struct {
		From any `toml:"effective_from"`
		To   any `toml:"effective_to"`
	}
	if _, err := toml.Decode(string(doc), &raw); err != nil {
		return nil // the first decode succeeded; this cannot fail differently
	}
	var problems []Problem
	for _, d := range []struct {
		key string
		v   any
	}{{"effective_from", raw.From}, {"effective_to", raw.To}} {
		t, ok := d.v.(time.Time)
		if !ok {
			continue
		}
		switch zone, _ := t.Zone(); zone {
		case "datetime-local", "date-local", "time-local": // BurntSushi/toml's names
			problems = append(problems, Problem{d.key, fmt.Sprintf(
				"%s has no UTC offset; write RFC 3339 like 2022-01-28T00:00:00+08:00", t.Format("2006-01-02T15:04:05"))})
		}
	}
	return problems
}

func decodeJSON(doc []byte, p *Policy) error {
	dec := json.NewDecoder(bytes.NewReader(doc))
	dec.DisallowUnknownFields()
	if err := dec.Decode(p); err != nil {
		return err
	}
	if _, err := dec.Token(); err != io.EOF {
		return errors.New("data after the JSON object")
	}
	return nil
}

// applyDefaults fills what a document may leave out. It is the one place
// defaults live: a check left out is off, except temperature.
func (p *Policy) applyDefaults() {
	orStr(&p.FeverCompare, AtOrOver)
	if p.FeverThresholdC == 0 {
		p.FeverThresholdC = DefaultFeverThresholdC
	}
	orStr(&p.RecheckWindow, DefaultRecheckWindow)
	p.defaultDuties()
	c := &p.Checks
	orStr(&c.Temperature.Mode, Hard)
	orStr(&c.Temperature.OnFever, wire.Recheck)
	for _, m := range []*Mode{&c.HealthCode.Mode, &c.TravelCard.Mode, &c.NucleicAcid.Mode,
		&c.Mask.Mode, &c.ResidentPass.Mode, &c.Visitor.Mode, &c.Courier.Mode,
		&c.Capacity.Mode, &c.Watch.Mode, &c.Returnee.Mode} {
		orStr(m, Off)
	}
	if c.HealthCode.Accept == nil {
		c.HealthCode.Accept = []credential.Status{credential.StatusGreen}
	}
	orStr(&c.HealthCode.Outcome, wire.Deny)
	orStr(&c.HealthCode.OnNotFound, FallbackHard) // as before these keys: the check's outcome
	orStr(&c.HealthCode.OnExpired, FallbackHard)
	for _, f := range []*Fallback{&c.HealthCode.OnTimeout, &c.HealthCode.OnVerifyFailed, &c.HealthCode.OnMissing} {
		orStr(f, FallbackRegister)
	}
	orStr(&c.TravelCard.Outcome, wire.Deny)
	orStr(&c.NucleicAcid.Outcome, wire.Refer)
	if c.NucleicAcid.AppliesTo == nil {
		c.NucleicAcid.AppliesTo = []Group{Residents, Visitors}
	}
	orStr(&c.Mask.Outcome, wire.Deny)
	orStr(&c.Mask.Confirm, MaskByGuard)
	if c.ResidentPass.Accept == nil {
		c.ResidentPass.Accept = []credential.Status{credential.StatusValid}
	}
	orStr(&c.ResidentPass.Outcome, wire.Register)
	orStr(&c.Visitor.Action, wire.Register)
	orStr(&c.Watch.OnQuarantineEntry, wire.Deny)
	c.Vehicle.applyDefaults()
	orStr(&c.Returnee.Outcome, wire.Hold)
	orStr(&c.Watch.OnMonitoring, wire.Allow)
	orStr(&c.Watch.OnReturnee, wire.Register)
	orStr(&c.Watch.OnVisitorToQuarantine, wire.PersuadeReturn)
	c.Household.defaults()
	c.IDCard.defaults()
}

func orStr[T ~string](v *T, def T) {
	if *v == "" {
		*v = def
	}
}
