package wire

import (
	"errors"
	"fmt"
	"time"
	"unicode/utf8"
)

// Holding a person for sampling (docs/product.md "More from the plans": an
// outcome "hold: go to the sampling point"; the person waits and is
// released when a negative result arrives). A unit records the hold as an
// entry with decision Hold: not an admission, not occupancy. The person is
// released by a later entry of the same unit, decision Allow, the reason
// ReasonReleased first, and Amends naming the hold entry; the centre
// pairs the two by that id.

// Reason codes of the hold that the centre counts and pairs.
const (
	// ReasonHeld is on every hold entry: 请前往采样点.
	ReasonHeld = "hold_for_sampling"
	// ReasonStillHeld is on the hold entry of a person who scanned again
	// while an earlier hold of theirs waits for a result.
	ReasonStillHeld = "hold_pending_result"
	// ReasonReleased is on the entry that releases a held person: a
	// negative result from the centre, or a same-day sampling record
	// shown at the gate.
	ReasonReleased = "released_after_negative_result"
)

// Returnee marks a registration at the gate as a returnee's (返乡/返回人员,
// docs/product.md "People treated differently"): the centre joins them to
// its roster with the schedule their origin requires. The person's own
// details stay in the entry's Visitor block, masked as every visitor's;
// this block only says where from, when, and to which household.
type Returnee struct {
	Origin    string    `json:"origin"`              // 湖北省武汉市
	Arrived   time.Time `json:"arrived"`             // when they arrived, as they said
	Household string    `json:"household,omitempty"` // building/unit: 3栋2单元501
	Travel    string    `json:"travel,omitempty"`    // transport and number: 火车 G1234
}

// validateReturnee checks the returnee block: it rides on a registration
// (the visitor block holds the person), on a decided entry.
func (e *Entry) validateReturnee() error {
	r := e.Returnee
	if r == nil {
		return nil
	}
	bad := func(why string) error { return fmt.Errorf("wire: entry returnee: %s", why) }
	switch {
	case e.Record != nil:
		return bad("a record is not a person")
	case e.Visitor == nil:
		return bad("a returnee is registered: the visitor block must carry the person")
	case r.Origin == "" || utf8.RuneCountInString(r.Origin) > 64 || hasControl(r.Origin):
		return bad("origin: 1-64 characters of plain text")
	case r.Arrived.IsZero() || r.Arrived.Year() >= 9999 || r.Arrived.Year() < 2000:
		return bad("arrived: a time between the years 2000 and 9999")
	}
	for _, s := range []string{r.Household, r.Travel} {
		if utf8.RuneCountInString(s) > 64 || !utf8.ValidString(s) || hasControl(s) {
			return bad("household and travel: at most 64 characters of plain text")
		}
	}
	return nil
}

// KindResults is the topic kind of the test results the centre pushes to
// a unit holding people for sampling.
const KindResults = "results"

// QoSResults: like a policy, results must arrive and are retained, so a
// unit that was offline when a result was recorded learns it on connect.
const QoSResults = 1

// ResultsTopic is where the centre publishes, retained, the results for
// the people one unit's site holds (ResultPush).
func ResultsTopic(site, unit string) string { return topic(site, unit, KindResults) }

// MaxResults bounds one push, and MaxResultsPayload the message carrying
// it: a push lists only the results for people the site holds now, a
// few dozen on a busy day; 300 results with every key fit.
const (
	MaxResults        = 300
	MaxResultsPayload = 96 << 10
)

// Test results.
const (
	ResultNegative = "negative"
	ResultPositive = "positive"
)

// ResultPush is the set of recent test results for the people a unit's
// site holds, signed by the centre (SignResults) like a policy. Version
// grows with every result the centre records; a unit never goes back to
// a lower one, so a recorded push cannot be replayed to release someone
// with an old result.
type ResultPush struct {
	Schema   int          `json:"schema"`
	Site     string       `json:"site"`
	Unit     string       `json:"unit"`
	Version  uint64       `json:"version"`
	IssuedAt time.Time    `json:"issued_at"`
	Results  []TestResult `json:"results"`
	// Signature is the centre's Ed25519 signature (SignResults).
	Signature string `json:"signature,omitempty"`
}

// TestResult is one person's nucleic-acid result, by the keys a gate
// knows them by: a pass subject, or the PersonHash of their ID number or
// phone (the keys a registration carries). At least one is set.
type TestResult struct {
	ID        string    `json:"id"` // the centre's id of the result
	Pass      string    `json:"pass,omitempty"`
	IDHash    string    `json:"id_hash,omitempty"`
	PhoneHash string    `json:"phone_hash,omitempty"`
	Result    string    `json:"result"` // ResultNegative or ResultPositive
	SampledAt time.Time `json:"sampled_at"`
}

// DecodeResultPush parses and validates a push of results.
func DecodeResultPush(b []byte) (ResultPush, error) {
	var r ResultPush
	if err := decodeMax(b, &r, MaxResultsPayload); err != nil {
		return ResultPush{}, fmt.Errorf("wire: results: %w", err)
	}
	if err := r.Validate(); err != nil {
		return ResultPush{}, err
	}
	return r, nil
}

// Validate reports the first field that makes r unusable.
func (r *ResultPush) Validate() error {
	if r.Schema != SchemaVersion {
		return fmt.Errorf("wire: results schema: %d is not %d", r.Schema, SchemaVersion)
	}
	if err := ValidateID(r.Site); err != nil {
		return fmt.Errorf("wire: results site: %w", err)
	}
	if err := ValidateID(r.Unit); err != nil {
		return fmt.Errorf("wire: results unit: %w", err)
	}
	if r.Version == 0 {
		return errors.New("wire: results version: 0; the centre numbers pushes from 1")
	}
	if len(r.Results) > MaxResults {
		return fmt.Errorf("wire: results: %d, at most %d", len(r.Results), MaxResults)
	}
	for i, t := range r.Results {
		if err := t.Validate(); err != nil {
			return fmt.Errorf("wire: results[%d]: %w", i, err)
		}
	}
	return nil
}

// Validate checks one result.
func (t TestResult) Validate() error {
	switch {
	case t.ID == "" || len(t.ID) > 64 || !utf8.ValidString(t.ID) || hasControl(t.ID):
		return errors.New("id: 1-64 characters")
	case t.Pass == "" && t.IDHash == "" && t.PhoneHash == "":
		return errors.New("names nobody: set pass, id_hash or phone_hash")
	case len(t.Pass) > 128 || !utf8.ValidString(t.Pass) || hasControl(t.Pass):
		return errors.New("pass: at most 128 characters")
	case t.IDHash != "" && !isPersonHash(t.IDHash), t.PhoneHash != "" && !isPersonHash(t.PhoneHash):
		return errors.New("id_hash and phone_hash must be 64 lower-case hex digits")
	case t.Result != ResultNegative && t.Result != ResultPositive:
		return fmt.Errorf("result %q is neither %q nor %q", t.Result, ResultNegative, ResultPositive)
	case t.SampledAt.Year() < 2000 || t.SampledAt.Year() >= 9999:
		return errors.New("sampled_at: a time between the years 2000 and 9999")
	}
	return nil
}

func (r *ResultPush) schema() int { return r.Schema }
