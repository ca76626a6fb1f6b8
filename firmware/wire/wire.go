// Package wire is Kakou's wire contract: the MQTT topics, the payloads that
// travel on them and the schema version. The unit, the gateway and the cloud
// all import it; nothing else is shared between the three programs, so this
// package depends on the standard library and one JSON decoder only.
//
// Temperatures travel in degrees Celsius because JSON is an edge: inside the
// unit they are periph physic.Temperature values.
package wire

import (
	"errors"
	"fmt"
	"time"
	"unicode/utf8"

	"github.com/go-json-experiment/json"
	"github.com/go-json-experiment/json/jsontext"
)

// SchemaVersion is carried by every payload. A consumer refuses a payload
// whose version it does not know rather than guessing at its fields.
const SchemaVersion = 1

// MaxPayload bounds what a consumer will decode; an entry is well under 2 KiB.
const MaxPayload = 16 << 10

// Lane is the direction a checkpoint lane faces (进出单向通道).
type Lane string

const (
	LaneIn  Lane = "in"
	LaneOut Lane = "out"
)

// Decision is the outcome shown to the person at the gate (docs/product.md
// "Outcomes are not just yes/no").
type Decision string

const (
	Allow          Decision = "allow"
	Deny           Decision = "deny"
	Recheck        Decision = "recheck"
	Register       Decision = "register"
	Refer          Decision = "refer"
	PersuadeReturn Decision = "persuade_return"
	Wait           Decision = "wait"
	Hold           Decision = "hold" // 待采样: go to the sampling point (hold.go)
)

var decisions = map[Decision]bool{Allow: true, Deny: true, Recheck: true,
	Register: true, Refer: true, PersuadeReturn: true, Wait: true, Hold: true}

// CredentialKind says what the QR code presented at the gate turned out to be.
type CredentialKind string

const (
	CredentialNone         CredentialKind = "none"          // nothing presented
	CredentialResidentPass CredentialKind = "resident_pass" // 出入证
	CredentialVisitor      CredentialKind = "visitor"       // visitor pre-registration
	CredentialHealthCode   CredentialKind = "health_code"   // 健康码
	CredentialUnknown      CredentialKind = "unknown"       // unreadable or foreign code
	CredentialIDCard       CredentialKind = "id_card"       // 居民身份证 on the lane's card reader
	// A registration code from the venue code's page (venue.go), signed by
	// the centre; its Subject is the registration's ID, never the person.
	CredentialVenue CredentialKind = "venue_code"
)

var credentialKinds = map[CredentialKind]bool{CredentialNone: true,
	CredentialResidentPass: true, CredentialVisitor: true,
	CredentialHealthCode: true, CredentialUnknown: true, CredentialIDCard: true, CredentialVenue: true}

// Entry is one person at one lane: the ledger row a unit writes before the
// gate opens, and the message it publishes afterwards. ID and (Unit, Seq)
// are both stable across re-sends so every consumer can store idempotently.
type Entry struct {
	Schema        int          `json:"schema"`
	ID            string       `json:"id"`
	Site          string       `json:"site"`
	Unit          string       `json:"unit"`
	Seq           uint64       `json:"seq"`
	BootID        string       `json:"boot_id"`
	Lane          Lane         `json:"lane"`
	Time          time.Time    `json:"time"`
	ClockSynced   bool         `json:"clock_synced"`
	Temperature   *Temperature `json:"temperature,omitempty"`
	Credential    Credential   `json:"credential"`
	Decision      Decision     `json:"decision"`
	Reasons       []Reason     `json:"reasons"`
	PolicyVersion string       `json:"policy_version"`
	// Historical marks an entry sent from the backlog after an outage, so
	// dashboards do not show it as live traffic. Set when published.
	Historical bool `json:"historical,omitempty"`
	// Alert is set when the centre must hear of this entry at once:
	// "fever", "watch_quarantine", "health_code_red", …
	Alert    string    `json:"alert,omitempty"`
	Visitor  *Visitor  `json:"visitor,omitempty"`
	Override *Override `json:"override,omitempty"`
	// Guard is the roster id of the guard signed in at the lane's console
	// when the entry was made; empty: nobody was, the lane screened
	// unattended.
	Guard string `json:"guard,omitempty"`
	// Amends is the id of the entry a guard's action decided again: a
	// registration, a hand-entered temperature, a mask mark or an
	// override names the entry that was on the guard's screen.
	Amends string `json:"amends,omitempty"`
	// Mask is how the mask check (口罩) was judged; nil: not checked.
	Mask *Mask `json:"mask,omitempty"`
	// Record is a guard's duty or hand-over logged at the lane
	// (record.go); an entry has either a Decision or a Record, never both.
	Record *Record `json:"record,omitempty"`
	// Visit is the visit a visitor's admission opened; CloseOut the visit
	// an exit closed (visit.go).
	Visit    *Visit    `json:"visit,omitempty"`
	CloseOut *CloseOut `json:"close_out,omitempty"`
	// StaffCheck is a roll-call check of a staff roster member (staffcheck.go).
	StaffCheck *StaffCheck `json:"staff_check,omitempty"`
	// Vehicle ties the entry to a vehicle at a vehicle lane (vehicle.go).
	Vehicle *Vehicle `json:"vehicle,omitempty"`
	// Returnee marks a registration as a returnee's (hold.go).
	Returnee *Returnee `json:"returnee,omitempty"`
	// Watch is the centre's roster entry the person matched (watch_push.go).
	Watch *WatchMatch `json:"watch,omitempty"`
	// Household is set on an entry of a household pass (household.go).
	Household *Household `json:"household,omitempty"`
}

// Temperature keeps the raw sensor value next to the corrected body
// temperature the policy judged, so no one can claim a reading that was not
// taken (严禁只扫码不验码).
type Temperature struct {
	RawC       float64 `json:"raw_c"`
	CorrectedC float64 `json:"corrected_c"`
	// Source is "manual" when the guard typed the reading in because the
	// thermometer had a fault; absent means the unit's own sensor.
	Source string `json:"source,omitempty"`
	// SamplesC are the sensor's individual readings behind RawC (their
	// median), kept so a disputed decision can be checked afterwards.
	SamplesC []float64 `json:"samples_c,omitempty"`
}

// SourceManual marks a temperature entered by hand at the guard console.
const SourceManual = "manual"

// Credential is what the scanned code was and what checking it found.
// Subject is a non-identifying reference (a pass number), never a name.
type Credential struct {
	Kind    CredentialKind `json:"kind"`
	Result  string         `json:"result"`
	Subject string         `json:"subject,omitempty"`
	// Verifier names the health-code service or verifier that answered
	// (the unit's config names them); never its raw answer.
	Verifier string `json:"verifier,omitempty"`
	// IDHash is an ID card's number as PersonHash, the same hash a
	// registered visitor's ID number gets, so a tracer at the centre finds
	// a card holder nobody registered. Only kind id_card carries it.
	IDHash string `json:"id_hash,omitempty"`
}

// Reason explains a decision: a stable machine code plus text for the guard
// (Chinese) and for the English dashboard.
type Reason struct {
	Code string `json:"code"`
	ZH   string `json:"zh"`
	EN   string `json:"en"`
}

// UnitState is the retained presence of a unit: "online" in the birth
// message it publishes on connect, "offline" in its last will.
type UnitState string

const (
	Online  UnitState = "online"
	Offline UnitState = "offline"
)

// Status is a unit's retained birth/last-will message.
type Status struct {
	Schema   int    `json:"schema"`
	Site     string `json:"site"`
	Unit     string `json:"unit"`
	Facility string `json:"facility,omitempty"`
	Lane     Lane   `json:"lane,omitempty"`
	// SiteName and UnitName are what people call them (阳光花园小区, 北门),
	// from the unit's config; empty when it has none (ValidateDisplayName).
	SiteName string `json:"site_name,omitempty"`
	UnitName string `json:"unit_name,omitempty"`
	// Role is RoleGateway for a site gateway; empty for a checkpoint unit.
	Role     string    `json:"role,omitempty"`
	State    UnitState `json:"state"`
	Firmware string    `json:"firmware,omitempty"`
	// Arch is what the device's program was built for (UpdateArches),
	// so the centre pushes each device an update it can run.
	Arch          string    `json:"arch,omitempty"`
	PolicyVersion string    `json:"policy_version,omitempty"`
	BootID        string    `json:"boot_id,omitempty"`
	Time          time.Time `json:"time"`
	// Backlog is how many entries the unit holds that the collector has
	// not acknowledged, and OldestUnacked the time of the oldest of them.
	Backlog       int        `json:"backlog"`
	OldestUnacked *time.Time `json:"oldest_unacked,omitempty"`
	// AckedSeq is how far the unit's entries are acknowledged: every seq up
	// to it was stored by a collector. A collector that has never heard of
	// the unit (new, or restored from a backup) starts its watermark here.
	AckedSeq uint64 `json:"acked_seq,omitempty"`
	// DiskAlarm says the ledger's quota is full of unacknowledged entries:
	// the unit keeps screening but someone must restore the uplink.
	DiskAlarm bool `json:"disk_alarm,omitempty"`
	// Devices is the health of the unit's sensors; a fault here means the
	// guard is working by hand at that lane.
	Devices []Device `json:"devices,omitempty"`
	// Occupancy is a site gateway's count, cap and waiting entrances
	// (occupancy.go); only in a status with Role gateway.
	Occupancy *SiteOccupancy `json:"occupancy,omitempty"`
	// StaffRound is the roll-call round the unit is in (staffcheck.go).
	StaffRound   *StaffRound `json:"staff_round,omitempty"`
	TrustVersion uint64      `json:"trust_version,omitempty"` // the centre's trust list the unit runs (trust.go); 0: none
	// Update is the last program update's outcome (update_status.go).
	Update *UpdateReport `json:"update,omitempty"`
}

// RoleGateway marks the status of a site gateway (gateway/): its Backlog
// is the entries of the site's units it holds for the cloud.
const RoleGateway = "gateway"

// Device is one sensor's health as the unit sees it.
type Device struct {
	Name   string `json:"name"` // "thermometer", "scanner"
	OK     bool   `json:"ok"`
	Detail string `json:"detail,omitempty"` // what is wrong and what to do
}

// ErrSchema marks a payload from a newer or older contract than this one.
var ErrSchema = errors.New("unsupported schema version")

// DecodeEntry parses and validates an entry received from the network.
func DecodeEntry(b []byte) (Entry, error) {
	var in struct {
		Entry
		Unknown jsontext.Value `json:",unknown"`
	}
	if err := decode(b, &in); err != nil {
		return Entry{}, fmt.Errorf("wire: entry: %w", err)
	}
	if err := checkUnknown(in.Unknown); err != nil {
		return Entry{}, fmt.Errorf("wire: entry: %w", err)
	}
	if err := in.Validate(); err != nil {
		return Entry{}, err
	}
	return in.Entry, nil
}

// DecodeStatus parses and validates a unit status message.
func DecodeStatus(b []byte) (Status, error) {
	var in struct {
		Status
		Unknown jsontext.Value `json:",unknown"`
	}
	if err := decode(b, &in); err != nil {
		return Status{}, fmt.Errorf("wire: status: %w", err)
	}
	if err := checkUnknown(in.Unknown); err != nil {
		return Status{}, fmt.Errorf("wire: status: %w", err)
	}
	if err := in.Validate(); err != nil {
		return Status{}, err
	}
	return in.Status, nil
}

// Members this contract does not know are allowed, so that a newer unit's
// new field does not cost it its entries, but only small and shallow ones:
// a new field is a value or a small object. Deeply nested or large unknown
// members in an otherwise valid entry are what a probe or a forger sends,
// and are refused (the collector keeps them as dead letters) rather than
// silently dropped, which made such an entry pass as a re-send.
const (
	MaxUnknownBytes = 1 << 10 // all unknown members together, as JSON
	MaxUnknownDepth = 3       // the members' object is 1; a member's object 2
)

// checkUnknown holds the unknown members, as the decoder collected them
// into one object, to MaxUnknownBytes and MaxUnknownDepth.
func checkUnknown(v jsontext.Value) error {
	if len(v) == 0 {
		return nil
	}
	if len(v) > MaxUnknownBytes {
		return fmt.Errorf("members this schema does not know take %d bytes, at most %d allowed", len(v), MaxUnknownBytes)
	}
	if d := depth(v); d > MaxUnknownDepth {
		return fmt.Errorf("members this schema does not know are nested %d deep, at most %d allowed", d-1, MaxUnknownDepth-1)
	}
	return nil
}

// depth is how deeply v's objects and arrays nest; v is valid JSON.
func depth(v []byte) int {
	d, deepest, inString := 0, 0, false
	for i := 0; i < len(v); i++ {
		switch c := v[i]; {
		case inString && c == '\\':
			i++
		case c == '"':
			inString = !inString
		case inString:
		case c == '{' || c == '[':
			d++
			deepest = max(deepest, d)
		case c == '}' || c == ']':
			d--
		}
	}
	return deepest
}

// decode reads a payload with the Go team's JSON v2 (go-json-experiment,
// what encoding/json/v2 is made from): the cloud decodes every entry of
// every unit, and v2 does it in half encoding/json's CPU, with 3
// allocations instead of 23 (BenchmarkDecodeEntry). It is also stricter where a
// payload is hostile: it refuses a member named twice and invalid UTF-8,
// and matches names case-sensitively, where encoding/json takes the last
// of two "seq"s, replaces bad bytes, and reads "SEQ" as "seq". Units
// encode with encoding/json, which writes none of those, so whatever a
// unit sends decodes as it did (FuzzDecodeEntryReadsWhatUnitsWrite).
func decode(b []byte, v versioned) error { return decodeMax(b, v, MaxPayload) }

// decodeMax is decode with a payload limit of max bytes.
func decodeMax(b []byte, v versioned, max int) error {
	if len(b) > max {
		return fmt.Errorf("payload of %d bytes exceeds the %d-byte limit", len(b), max)
	}
	err := json.Unmarshal(b, v)
	if err == nil && v.schema() == SchemaVersion {
		return nil
	}
	// Only a payload that failed is read a second time, for the schema
	// alone: another version's fields may not fit this one's types, and
	// "wrong schema" tells the sender more than the type error would.
	var head struct {
		Schema int `json:"schema"`
	}
	if herr := json.Unmarshal(b, &head); herr != nil {
		return fmt.Errorf("not JSON: %w", herr)
	}
	if head.Schema != SchemaVersion {
		return fmt.Errorf("%w %d (this build speaks %d)", ErrSchema, head.Schema, SchemaVersion)
	}
	return err
}

// versioned is a payload type that carries the schema version.
type versioned interface{ schema() int }

func (e *Entry) schema() int  { return e.Schema }
func (s *Status) schema() int { return s.Schema }
func (a *Ack) schema() int    { return a.Schema }

// Validate reports the first field that makes e unusable.
func (e *Entry) Validate() error {
	bad := func(field, why string) error { return fmt.Errorf("wire: entry %s: %s", field, why) }
	if e.Schema != SchemaVersion {
		return bad("schema", fmt.Sprintf("%d is not %d", e.Schema, SchemaVersion))
	}
	if err := ValidateID(e.Site); err != nil {
		return bad("site", err.Error())
	}
	if err := ValidateID(e.Unit); err != nil {
		return bad("unit", err.Error())
	}
	if e.ID == "" || len(e.ID) > 64 || !utf8.ValidString(e.ID) {
		return bad("id", "must be 1-64 characters of UTF-8")
	}
	if e.Seq == 0 {
		return bad("seq", "must be 1 or more")
	}
	if e.Lane != LaneIn && e.Lane != LaneOut {
		return bad("lane", fmt.Sprintf("%q is neither %q nor %q", e.Lane, LaneIn, LaneOut))
	}
	switch {
	case e.Record != nil && e.Decision != "":
		return bad("decision", "a record carries no decision")
	case e.Record != nil:
		if err := e.Record.validate(); err != nil {
			return bad("record", err.Error())
		}
		if k := e.Record.Kind; (k == RecordSignIn || k == RecordSignOut || k == RecordOccupancy || k == RecordHousehold) && e.Guard == "" {
			return bad("guard", "a sign-in, a sign-out or a correction names who made it")
		}
	case !decisions[e.Decision]:
		return bad("decision", fmt.Sprintf("%q is not a known outcome", e.Decision))
	}
	if !credentialKinds[e.Credential.Kind] {
		return bad("credential.kind", fmt.Sprintf("%q is not a known kind", e.Credential.Kind))
	}
	if err := validVerifier(e.Credential.Verifier); err != nil {
		return bad("credential.verifier", err.Error())
	}
	if h := e.Credential.IDHash; h != "" && (e.Credential.Kind != CredentialIDCard || !isPersonHash(h)) {
		return bad("credential.id_hash", "only an id_card carries one, as 64 lower-case hex characters (PersonHash)")
	}
	if t := e.Temperature; t != nil && t.Source != "" && t.Source != SourceManual {
		return bad("temperature.source", fmt.Sprintf("%q is neither empty nor %q", t.Source, SourceManual))
	}
	if t := e.Temperature; t != nil && len(t.SamplesC) > 50 {
		return bad("temperature.samples_c", "more than 50 samples")
	}
	if len(e.Reasons) > 16 {
		return bad("reasons", "more than 16")
	}
	if e.Visitor != nil {
		if err := e.Visitor.validate(); err != nil {
			return bad("visitor", err.Error())
		}
	}
	if e.Override != nil {
		if err := e.Override.validate(); err != nil {
			return bad("override", err.Error())
		}
	}
	if e.Mask != nil {
		if err := e.Mask.validate(); err != nil {
			return bad("mask", err.Error())
		}
	}
	if err := e.validateVisit(); err != nil {
		return err
	}
	if err := e.validateStaffCheck(); err != nil {
		return err
	}
	if err := e.validateVehicle(); err != nil {
		return err
	}
	if err := e.validateReturnee(); err != nil {
		return err
	}
	if e.Watch != nil {
		if err := e.Watch.validate(); err != nil {
			return bad("watch", err.Error())
		}
	}
	if h := e.Household; h != nil {
		if err := h.validate(); err != nil {
			return bad("household", err.Error())
		}
	}
	for _, s := range e.texts() {
		if len(s) > 256 || !utf8.ValidString(s) {
			return bad("text", "strings must be valid UTF-8 of at most 256 bytes")
		}
	}
	return nil
}

func (e *Entry) texts() []string {
	t := []string{e.BootID, e.PolicyVersion, e.Credential.Result, e.Credential.Subject, e.Alert, e.Guard, e.Amends}
	if e.Visitor != nil {
		t = append(t, e.Visitor.texts()...)
	}
	if e.Override != nil {
		t = append(t, e.Override.By, e.Override.Reason, e.Override.Replaces)
	}
	if e.Record != nil {
		t = append(t, e.Record.texts()...)
	}
	for _, r := range e.Reasons {
		t = append(t, r.Code, r.ZH, r.EN)
	}
	return t
}

// Validate reports the first field that makes s unusable.
func (s *Status) Validate() error {
	if err := ValidateID(s.Site); err != nil {
		return fmt.Errorf("wire: status site: %w", err)
	}
	if err := ValidateID(s.Unit); err != nil {
		return fmt.Errorf("wire: status unit: %w", err)
	}
	if s.State != Online && s.State != Offline {
		return fmt.Errorf("wire: status state: %q is neither online nor offline", s.State)
	}
	if len(s.Devices) > 8 {
		return errors.New("wire: status devices: more than 8")
	}
	if s.Role != "" && s.Role != RoleGateway {
		return fmt.Errorf("wire: status role: %q is not %q or empty", s.Role, RoleGateway)
	}
	if s.Occupancy != nil && s.Role != RoleGateway {
		return errors.New("wire: status occupancy: only a site gateway (role gateway) reports a count")
	}
	if s.Occupancy != nil {
		if err := s.Occupancy.Validate(); err != nil {
			return fmt.Errorf("wire: status occupancy: %w", err)
		}
	}
	if r := s.StaffRound; r != nil {
		if err := r.Validate(); err != nil {
			return fmt.Errorf("wire: status staff_round: %w", err)
		}
	}
	if r := s.Update; r != nil {
		if err := r.Validate(); err != nil {
			return fmt.Errorf("wire: status update: %w", err)
		}
	}
	if err := ValidateDisplayName(s.SiteName); err != nil {
		return fmt.Errorf("wire: status site_name: %w", err)
	}
	if err := ValidateDisplayName(s.UnitName); err != nil {
		return fmt.Errorf("wire: status unit_name: %w", err)
	}
	if s.Arch != "" && !oneOf(s.Arch, UpdateArches) {
		return fmt.Errorf("wire: status arch %q: want one of %q", s.Arch, UpdateArches)
	}
	texts := []string{s.Facility, s.Firmware, s.PolicyVersion, s.BootID}
	for _, d := range s.Devices {
		texts = append(texts, d.Name, d.Detail)
	}
	for _, v := range texts {
		if len(v) > 256 || !utf8.ValidString(v) {
			return errors.New("wire: status: strings must be valid UTF-8 of at most 256 bytes")
		}
	}
	return nil
}

// Ack is the collector's end-to-end acknowledgement: every entry of Unit
// with a sequence number up to and including Seq is stored. Only then may
// the unit count an entry delivered; a broker's PUBACK is not enough.
type Ack struct {
	Schema int       `json:"schema"`
	Site   string    `json:"site"`
	Unit   string    `json:"unit"`
	Seq    uint64    `json:"seq"`
	Time   time.Time `json:"time"`
}

// DecodeAck parses and validates an acknowledgement.
func DecodeAck(b []byte) (Ack, error) {
	var a Ack
	if err := decode(b, &a); err != nil {
		return Ack{}, fmt.Errorf("wire: ack: %w", err)
	}
	if err := ValidateID(a.Site); err != nil {
		return Ack{}, fmt.Errorf("wire: ack site: %w", err)
	}
	if err := ValidateID(a.Unit); err != nil {
		return Ack{}, fmt.Errorf("wire: ack unit: %w", err)
	}
	return a, nil
}
