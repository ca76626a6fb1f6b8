package wire

import (
	"errors"
	"fmt"
	"time"
	"unicode/utf8"
)

// KindPolicy is the topic kind of a policy pushed from the centre.
const KindPolicy = "policy"

// QoSPolicy: a push must arrive, and it is retained, so a unit that was
// offline when the centre chose its policy gets it on its next connect.
const QoSPolicy = 1

// PolicyTopic is where the centre publishes, retained, the policy a unit
// is to run (docs/architecture.md "Policy is data").
// Each unit reads only its own; a site-wide choice is published to every
// unit of the site.
func PolicyTopic(site, unit string) string { return topic(site, unit, KindPolicy) }

// MaxPolicyDocument bounds the pushed document, well inside MaxPayload.
const MaxPolicyDocument = 12 << 10

// PolicyPush carries one policy document to one unit. Document is the
// policy file itself (TOML, as in configs/policies/), which the unit
// validates before it replaces the policy it runs; a document that fails
// leaves the running policy in place and is reported in the unit's log;
// the centre sees from the status's PolicyVersion that the unit still runs
// the old one. Version is what entries decided under it will record.
type PolicyPush struct {
	Schema   int       `json:"schema"`
	Site     string    `json:"site"`
	Unit     string    `json:"unit"`
	Profile  string    `json:"profile"`  // e.g. "community-closed"
	Version  string    `json:"version"`  // the document's own version
	Document string    `json:"document"` // the TOML policy document
	IssuedAt time.Time `json:"issued_at"`
	IssuedBy string    `json:"issued_by"`
	// Signature is the centre's Ed25519 signature (SignPolicy); a unit
	// given the centre's public key runs only pushes that verify.
	Signature string `json:"signature,omitempty"`
}

// DecodePolicyPush parses and validates a pushed policy; the document's
// own contents are the policy package's to check.
func DecodePolicyPush(b []byte) (PolicyPush, error) {
	var p PolicyPush
	if err := decode(b, &p); err != nil {
		return PolicyPush{}, fmt.Errorf("wire: policy: %w", err)
	}
	if err := p.Validate(); err != nil {
		return PolicyPush{}, err
	}
	return p, nil
}

// Validate reports the first field that makes p unusable.
func (p *PolicyPush) Validate() error {
	if p.Schema != SchemaVersion {
		return fmt.Errorf("wire: policy schema: %d is not %d", p.Schema, SchemaVersion)
	}
	if err := ValidateID(p.Site); err != nil {
		return fmt.Errorf("wire: policy site: %w", err)
	}
	if err := ValidateID(p.Unit); err != nil {
		return fmt.Errorf("wire: policy unit: %w", err)
	}
	if p.Document == "" || len(p.Document) > MaxPolicyDocument || !utf8.ValidString(p.Document) {
		return fmt.Errorf("wire: policy document: must be 1 to %d bytes of UTF-8", MaxPolicyDocument)
	}
	for _, v := range []string{p.Profile, p.Version, p.IssuedBy} {
		if len(v) > 256 || !utf8.ValidString(v) {
			return errors.New("wire: policy: profile, version and issued_by must be UTF-8 of at most 256 bytes")
		}
	}
	if p.Version == "" {
		return errors.New("wire: policy version: empty; every entry records the version that decided it")
	}
	return nil
}

func (p *PolicyPush) schema() int { return p.Schema }
