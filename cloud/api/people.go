package api

import (
	"context"
	"crypto/cipher"
	"errors"
	"fmt"
	"net/http"
	"regexp"
	"strings"
	"time"

	"github.com/kakou/kakou/cloud/store"
	"github.com/kakou/kakou/firmware/wire"
)

// Privacy holds the fleet's keys for finding one person (SECURITY.md
// "PII minimisation"). No
// store holds an ID number or phone: units record the keyed hash
// (wire.PersonHash with the tracing key), so a tracer who types a number
// here finds the visits only because the collector hashes it with the
// same key. Full numbers exist only sealed, where a policy demanded them,
// and are opened only in a tracer's export, with SealKey.
type Privacy struct {
	TracingKey []byte // nil: lookups by number are off
	SealKey    []byte // nil: sealed numbers stay sealed in exports
}

// personStore is what finding a person needs from the store; both
// backends have it (people.go in cloud/store/sqlite and cloud/store/postgres).
type personStore interface {
	Person(ctx context.Context, q store.PersonQuery) ([]store.Record, error)
}

var (
	idNumberRe = regexp.MustCompile(`^[0-9A-Z]{5,18}$`)
	phoneRe    = regexp.MustCompile(`^\+?[0-9]{5,15}$`)
	// mainlandRe is a mainland mobile with its country code, which the
	// unit's form stores without it (firmware/README.md "The visitor
	// form"): a tracer typing +86 must find what the unit hashed.
	mainlandRe = regexp.MustCompile(`^(\+86|0086|86)(1[3-9][0-9]{9})$`)
	idKinds    = map[string]bool{"": true, wire.IDResident: true, wire.IDHKMOPermit: true, wire.IDTWPermit: true,
		wire.IDHMTResidence: true, wire.IDForeignPR: true, wire.IDPassport: true}
)

// personAsk is a person as the tracer named them: the hashes to look up
// and the masked forms for the answer and the audit trail. The numbers
// themselves go no further than this struct.
type personAsk struct {
	q                     store.PersonQuery
	maskedID, maskedPhone string
}

// errNoTracingKey is answered when the collector cannot hash a number.
var errNoTracingKey = errors.New("finding a person by number needs the fleet's tracing key: set [privacy] tracing_key_file in the collector config")

// askPerson reads ?id_number= and/or ?phone= (and the extra parameters
// given). Errors never repeat the number: they end up in logs.
func (s *server) askPerson(r *http.Request, extra map[string]func(string) error) (personAsk, error) {
	var id, kind, phone string
	known := map[string]func(string) error{
		"id_number": func(v string) error { id = strings.ToUpper(compactNumber(v)); return nil },
		"id_kind": func(v string) error {
			if !idKinds[v] {
				return fmt.Errorf("id_kind: %q is not resident, hkmo_permit, tw_permit, hmt_residence, foreign_pr or passport", v)
			}
			kind = v
			return nil
		},
		"phone": func(v string) error { phone = mainlandRe.ReplaceAllString(compactNumber(v), "$2"); return nil },
	}
	for k, f := range extra {
		known[k] = f
	}
	if err := readParams(r.URL.Query(), known); err != nil {
		return personAsk{}, err
	}
	switch {
	case id == "" && phone == "":
		return personAsk{}, errors.New("give id_number=… (with id_kind=… for a document other than an ID card) or phone=… (5-15 digits)")
	case id != "" && !idNumberRe.MatchString(id):
		return personAsk{}, errors.New("id_number: 5 to 18 letters and digits, as on the document")
	case phone != "" && !phoneRe.MatchString(phone):
		return personAsk{}, errors.New("phone: digits only, 5-15 of them")
	case s.opts.Privacy.TracingKey == nil:
		return personAsk{}, errNoTracingKey
	}
	a := personAsk{q: store.PersonQuery{Limit: store.MaxLimit}}
	if id != "" {
		a.q.IDHash, a.maskedID = wire.PersonHash(s.opts.Privacy.TracingKey, wire.IDHashKind(kind), id), wire.MaskID(id)
	}
	if phone != "" {
		a.q.PhoneHash, a.maskedPhone = wire.PersonHash(s.opts.Privacy.TracingKey, "phone", phone), wire.MaskPhone(phone)
	}
	return a, nil
}

// compactNumber drops the spaces and dashes people type inside numbers.
func compactNumber(v string) string {
	return strings.Map(func(r rune) rune {
		if r == ' ' || r == '-' {
			return -1
		}
		return r
	}, strings.TrimSpace(v))
}

// auditDetail is what the audit trail keeps of a person lookup: the
// masked forms and the hashes, so an auditor can tell who was looked up
// (by hashing the number again) without the trail holding the number.
func (a personAsk) auditDetail(extra map[string]any) map[string]any {
	d := map[string]any{"id_masked": a.maskedID, "phone_masked": a.maskedPhone,
		"id_hash": a.q.IDHash, "phone_hash": a.q.PhoneHash}
	for k, v := range extra {
		d[k] = v
	}
	return d
}

// findPerson is the shared start of both person endpoints: a tracer, a
// well-formed number, a store that can answer. It writes the refusal.
func (s *server) findPerson(w http.ResponseWriter, r *http.Request, what string,
	extra map[string]func(string) error) (Caller, personAsk, personStore, bool) {
	c := s.caller(r)
	if err := c.require(what, RoleTracer); err != nil {
		refuse(w, err)
		return c, personAsk{}, nil, false
	}
	a, err := s.askPerson(r, extra)
	if errors.Is(err, errNoTracingKey) {
		writeError(w, http.StatusServiceUnavailable, err.Error())
		return c, a, nil, false
	}
	if err != nil {
		refuse(w, err)
		return c, a, nil, false
	}
	ps, ok := s.store.(personStore)
	if !ok {
		writeError(w, http.StatusNotImplemented, "this store cannot find a person by number")
		return c, a, nil, false
	}
	return c, a, ps, true
}

// personVisit is one entry in a trace by number: where and when, masked
// as the unit recorded it.
type personVisit struct {
	EntryID  string        `json:"entry_id"`
	Site     string        `json:"site"`
	Unit     string        `json:"unit"`
	Lane     wire.Lane     `json:"lane"`
	Time     time.Time     `json:"time"`
	Decision wire.Decision `json:"decision"`
	Name     string        `json:"name"`
	ID       string        `json:"id"`    // masked
	Phone    string        `json:"phone"` // masked
}

// traceByNumber answers GET /api/v1/trace?id_number=… or ?phone=…: every
// visit of one person at any site (docs/product.md "Contact tracing": a
// case's visits in the 3 days before onset). Tracers only; audited first.
func (s *server) traceByNumber(w http.ResponseWriter, r *http.Request) {
	format, lang := "json", "zh"
	c, a, ps, ok := s.findPerson(w, r, "tracing by ID number or phone", map[string]func(string) error{
		"format": oneOf(&format, "json", "csv"), "lang": oneOf(&lang, "zh", "en")})
	if !ok {
		return
	}
	if err := s.audit(r.Context(), c, "trace_person", a.auditDetail(map[string]any{"format": format})); err != nil {
		s.internal(w, "audit the trace query", err)
		return
	}
	recs, err := ps.Person(r.Context(), a.q)
	if err != nil {
		s.internal(w, "trace by number", err)
		return
	}
	out := make([]personVisit, 0, len(recs))
	for _, rec := range recs {
		if c.seesSite(rec.Site) { // a district's tracer: the district's gates
			out = append(out, toPersonVisit(rec.Entry))
		}
	}
	if format == "csv" {
		s.writePersonTraceCSV(w, r.Context(), lang, out)
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"id": a.maskedID, "phone": a.maskedPhone, "visits": out})
}

func toPersonVisit(e wire.Entry) personVisit {
	v := personVisit{EntryID: e.ID, Site: e.Site, Unit: e.Unit, Lane: e.Lane, Time: e.Time, Decision: e.Decision}
	if e.Visitor != nil {
		v.Name, v.ID, v.Phone = e.Visitor.Name, e.Visitor.ID, e.Visitor.Phone
	}
	return v
}

// sealOpener is the AEAD for sealed numbers, or nil without a seal key.
func (s *server) sealOpener() (cipher.AEAD, error) {
	if s.opts.Privacy.SealKey == nil {
		return nil, nil
	}
	return newSealOpener(s.opts.Privacy.SealKey)
}
