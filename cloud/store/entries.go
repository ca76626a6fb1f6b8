package store

import (
	"database/sql"
	"encoding/json"
	"fmt"
	"math"
	"time"

	"github.com/kakou/kakou/firmware/wire"
)

// Record is an entry as the cloud holds it: what the unit sent, plus when
// the cloud received it.
type Record struct {
	wire.Entry
	ReceivedAt time.Time
}

// Query selects entries. Empty fields do not filter. Since is inclusive and
// Until exclusive, both compared with ts (see the package comment).
type Query struct {
	Site, Unit   string
	Since, Until time.Time
	Limit        int // 0 means DefaultLimit; more than MaxLimit means MaxLimit
	// Records selects the guards' records (wire.Record: duties and
	// hand-overs, stored with an empty decision) instead of people at the
	// gate: a feed of entries is a feed of people.
	Records bool
}

// DecisionFilter is the condition on the decision column that Records
// chooses; both backends add it to every entries query.
func (q Query) DecisionFilter() string {
	if q.Records {
		return "decision = ''"
	}
	return "decision <> ''"
}

// Limits on how many entries one query returns.
const (
	DefaultLimit = 100
	MaxLimit     = 1000
)

// EntryColumns are the columns PutEntries writes, in EntryValues's order.
const EntryColumns = `id, site, unit, seq, boot_id, lane, time, clock_synced, ts,
	received_at, raw_c, corrected_c, credential_kind, credential_result,
	credential_subject, decision, reasons, policy_version, historical, detail,
	id_hash, phone_hash`

// PutResult is what one PutEntries did.
type PutResult struct {
	Inserted int // entries new to the store; the rest were already here
	// Watermarks holds one watermark per unit in the batch, in the order
	// the units first appear in it, so the caller can acknowledge without
	// another query.
	Watermarks []Watermark
	// Conflicts are the entries set aside because another entry holds
	// their place (conflict.go); they are in the dead-letter table.
	Conflicts []Conflict
}

// RowKey names an inserted row exactly: a batch may carry one id under
// two seqs, and only the row that went in may be counted.
type RowKey struct {
	ID, Site, Unit string
	Seq            uint64
}

// KeyOf is the RowKey of e.
func KeyOf(e *wire.Entry) RowKey { return RowKey{e.ID, e.Site, e.Unit, e.Seq} }

// EntryValues are e's values in EntryColumns's order, as received at
// receivedAt.
func EntryValues(e *wire.Entry, receivedAt time.Time) ([]any, error) {
	if e.Seq > math.MaxInt64 {
		return nil, fmt.Errorf("entry %s: seq %d does not fit SQLite's INTEGER", e.ID, e.Seq)
	}
	reasons := []byte("[]")
	var err error
	if len(e.Reasons) > 0 {
		reasons, err = json.Marshal(e.Reasons)
	}
	if err != nil {
		return nil, fmt.Errorf("entry %s reasons: %w", e.ID, err)
	}
	ts := EntryTS(e, receivedAt)
	var raw, corrected sql.NullFloat64
	if t := e.Temperature; t != nil {
		raw = sql.NullFloat64{Float64: t.RawC, Valid: true}
		corrected = sql.NullFloat64{Float64: t.CorrectedC, Valid: true}
	}
	idHash, phoneHash := VisitorHashes(e)
	return []any{e.ID, e.Site, e.Unit, int64(e.Seq), e.BootID, string(e.Lane),
		e.Time.Format(time.RFC3339Nano), e.ClockSynced, ts.UnixNano(), receivedAt.UnixNano(),
		raw, corrected, string(e.Credential.Kind), e.Credential.Result,
		e.Credential.Subject, string(e.Decision), string(reasons), e.PolicyVersion,
		e.Historical, DetailJSON(e), idHash, phoneHash}, nil
}

// VisitorHashes are the keyed hashes a tracer finds a person by: a
// visitor's, or an ID card holder's; NULL where there are none, so the
// partial indexes on them hold only the people who gave them.
func VisitorHashes(e *wire.Entry) (idHash, phoneHash sql.NullString) {
	if v := e.Visitor; v != nil {
		idHash = sql.NullString{String: v.IDHash, Valid: v.IDHash != ""}
		phoneHash = sql.NullString{String: v.PhoneHash, Valid: v.PhoneHash != ""}
	}
	if h := e.Credential.IDHash; !idHash.Valid && h != "" {
		idHash = sql.NullString{String: h, Valid: true}
	}
	return idHash, phoneHash
}

// Detail carries the parts of an entry no query filters on, so the cloud
// keeps everything the unit sent: once acknowledged, the unit may purge it.
// A re-send is compared with what was stored (ConflictOf), so a part left
// out here would make every re-send of an entry that has it a conflict.
type Detail struct {
	Alert       string            `json:"alert,omitempty"`
	Visitor     *wire.Visitor     `json:"visitor,omitempty"`
	Override    *wire.Override    `json:"override,omitempty"`
	Temperature *wire.Temperature `json:"temperature,omitempty"`
	Guard       string            `json:"guard,omitempty"`
	Amends      string            `json:"amends,omitempty"`
	Mask        *wire.Mask        `json:"mask,omitempty"`
	Record      *wire.Record      `json:"record,omitempty"`
	// Visit and CloseOut are found by the visits partial index on these
	// members' text (visits.go).
	Visit    *wire.Visit    `json:"visit,omitempty"`
	CloseOut *wire.CloseOut `json:"close_out,omitempty"`
	// StaffCheck is a roll-call check (staff.go).
	StaffCheck *wire.StaffCheck `json:"staff_check,omitempty"`
	// Vehicle is found by the vehicles partial index (vehicles.go).
	Vehicle *wire.Vehicle `json:"vehicle,omitempty"`
	// Returnee is found by the holds partial index on its text (holds.go).
	Returnee *wire.Returnee `json:"returnee,omitempty"`
	// Household is found by the households partial index on its text
	// (households.go).
	Household *wire.Household `json:"household,omitempty"`
	// Verifier is the credential's health verifier (wire.Credential).
	Verifier string `json:"verifier,omitempty"`
	// CardIDHash is an ID card's hash (wire.Credential.IDHash), also in
	// the id_hash column the trace searches.
	CardIDHash string `json:"card_id_hash,omitempty"`
}

// DetailJSON is e's Detail as stored.
func DetailJSON(e *wire.Entry) string {
	b, _ := json.Marshal(Detail{Alert: e.Alert, Visitor: e.Visitor, Override: e.Override, Temperature: e.Temperature,
		Guard: e.Guard, Amends: e.Amends, Mask: e.Mask, Record: e.Record,
		Visit: e.Visit, CloseOut: e.CloseOut, StaffCheck: e.StaffCheck,
		Vehicle: e.Vehicle, Returnee: e.Returnee, Household: e.Household,
		Verifier: e.Credential.Verifier, CardIDHash: e.Credential.IDHash}) // plain data: cannot fail
	return string(b)
}

// Apply puts the detail's parts back on e, as both backends read a row.
func (d Detail) Apply(e *wire.Entry) {
	e.Alert, e.Visitor, e.Override = d.Alert, d.Visitor, d.Override
	e.Guard, e.Amends, e.Mask, e.Record = d.Guard, d.Amends, d.Mask, d.Record
	e.Visit, e.CloseOut = d.Visit, d.CloseOut
	e.StaffCheck = d.StaffCheck
	e.Vehicle = d.Vehicle
	e.Returnee = d.Returnee
	e.Household = d.Household
	e.Credential.Verifier = d.Verifier
	e.Credential.IDHash = d.CardIDHash
}

// RowLimit is how many entries q returns: Limit within DefaultLimit and
// MaxLimit.
func (q Query) RowLimit() int {
	switch {
	case q.Limit <= 0:
		return DefaultLimit
	case q.Limit > MaxLimit:
		return MaxLimit
	}
	return q.Limit
}

// RecordColumns are what scanRecord reads, in its order.
const RecordColumns = `id, site, unit, seq, boot_id, lane, time, clock_synced,
	received_at, raw_c, corrected_c, credential_kind, credential_result,
	credential_subject, decision, reasons, policy_version, historical, detail`
