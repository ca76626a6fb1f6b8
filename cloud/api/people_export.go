package api

import (
	"crypto/cipher"
	"encoding/csv"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/kakou/kakou/firmware/wire"
)

// exportRow is one entry of a person's export: every field the centre
// holds of the visit, and the full numbers where a unit sealed them and
// the collector holds the seal key.
type exportRow struct {
	EntryID       string        `json:"entry_id"`
	Site          string        `json:"site"`
	Unit          string        `json:"unit"`
	Lane          wire.Lane     `json:"lane"`
	Time          time.Time     `json:"time"`
	Decision      wire.Decision `json:"decision"`
	PolicyVersion string        `json:"policy_version"`
	TemperatureC  *float64      `json:"temperature_c"`
	Name          string        `json:"name"`
	IDMasked      string        `json:"id_masked"`
	PhoneMasked   string        `json:"phone_masked"`
	Origin        string        `json:"origin"`
	Destination   string        `json:"destination"`
	Reason        string        `json:"reason"`
	Transport     string        `json:"transport"`
	Trip          string        `json:"trip"`
	// Sealed says what became of the full numbers: "none" (the policy did
	// not keep them), "opened", "kept sealed: no seal key", or why a box
	// did not open.
	Sealed    string `json:"sealed"`
	IDFull    string `json:"id_full,omitempty"`
	PhoneFull string `json:"phone_full,omitempty"`
}

// exportPerson answers GET /api/v1/people/export?id_number=…|phone=…
// [&format=csv]: one person's records at every site, on their request or
// a tracer's (SECURITY.md "PII minimisation"). Tracers only; the export is written to the audit
// trail, with how many sealed boxes were opened, before a byte of it
// leaves — an export that cannot be audited is refused.
func (s *server) exportPerson(w http.ResponseWriter, r *http.Request) {
	format := "json"
	extra := map[string]func(string) error{"format": func(v string) error {
		if v != "json" && v != "csv" {
			return fmt.Errorf("%q: use json or csv", v)
		}
		format = v
		return nil
	}}
	c, a, ps, ok := s.findPerson(w, r, "exporting a person's records", extra)
	if !ok {
		return
	}
	aead, err := s.sealOpener()
	if err != nil {
		s.internal(w, "open the seal key", err)
		return
	}
	recs, err := ps.Person(r.Context(), a.q)
	if err != nil {
		s.internal(w, "export a person", err)
		return
	}
	rows, opened := make([]exportRow, 0, len(recs)), 0
	for _, rec := range recs {
		if !c.seesSite(rec.Site) { // a district's tracer: the district's gates
			continue
		}
		rows = append(rows, toExportRow(rec.Entry, aead))
		if rows[len(rows)-1].Sealed == "opened" {
			opened++
		}
	}
	detail := a.auditDetail(map[string]any{"format": format, "entries": len(rows), "sealed_opened": opened})
	if err := s.audit(r.Context(), c, "people_export", detail); err != nil {
		s.internal(w, "audit the export", err)
		return
	}
	if format == "csv" {
		writeExportCSV(w, rows)
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"id": a.maskedID, "phone": a.maskedPhone, "entries": rows})
}

func toExportRow(e wire.Entry, aead cipher.AEAD) exportRow {
	row := exportRow{EntryID: e.ID, Site: e.Site, Unit: e.Unit, Lane: e.Lane, Time: e.Time,
		Decision: e.Decision, PolicyVersion: e.PolicyVersion, Sealed: "none"}
	if t := e.Temperature; t != nil {
		row.TemperatureC = &t.CorrectedC
	}
	v := e.Visitor
	if v == nil {
		return row
	}
	row.Name, row.IDMasked, row.PhoneMasked = v.Name, v.ID, v.Phone
	row.Origin, row.Destination, row.Reason, row.Transport, row.Trip = v.Origin, v.Destination, v.Reason, v.Transport, v.Trip
	switch {
	case v.Sealed == "":
	case aead == nil:
		row.Sealed = "kept sealed: no seal key"
	default:
		n, err := openSealed(aead, v.Sealed)
		if err != nil {
			row.Sealed = "not opened: " + err.Error()
			break
		}
		row.Sealed, row.IDFull, row.PhoneFull = "opened", n.ID, n.Phone
	}
	return row
}

var exportHeader = []string{"entry_id", "site", "unit", "lane", "time", "decision", "policy_version",
	"temperature_c", "name", "id_masked", "phone_masked", "origin", "destination", "reason",
	"transport", "trip", "sealed", "id_full", "phone_full"}

func writeExportCSV(w http.ResponseWriter, rows []exportRow) {
	w.Header().Set("Content-Type", "text/csv; charset=utf-8")
	w.Header().Set("Content-Disposition", `attachment; filename="kakou-person-export.csv"`)
	w.Header().Set("Cache-Control", "no-store")
	cw := csv.NewWriter(w)
	cw.Write(exportHeader)
	for _, r := range rows {
		temp := ""
		if r.TemperatureC != nil {
			temp = strconv.FormatFloat(*r.TemperatureC, 'f', 1, 64)
		}
		rec := []string{r.EntryID, r.Site, r.Unit, string(r.Lane), r.Time.Format(time.RFC3339),
			string(r.Decision), r.PolicyVersion, temp, r.Name, r.IDMasked, r.PhoneMasked, r.Origin,
			r.Destination, r.Reason, r.Transport, r.Trip, r.Sealed, r.IDFull, r.PhoneFull}
		for i := range rec {
			rec[i] = defuseCell(rec[i])
		}
		cw.Write(rec)
	}
	cw.Flush() // the status line is sent; a failed write has no one to tell
}

// defuseCell keeps a spreadsheet from running what a visitor typed: a
// cell starting with = + - @ would be a formula (CSV injection), so it is
// prefixed with a quote, as OWASP advises.
func defuseCell(s string) string {
	if s != "" && strings.ContainsRune("=+-@\t\r", rune(s[0])) {
		return "'" + s
	}
	return s
}
