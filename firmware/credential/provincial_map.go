package credential

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"
)

// AnswerMap says where a provincial service's JSON answer keeps what the
// unit needs. Each field is a dotted path into the answer ("data.color");
// only StatusField is required. Fields the map does not name are never
// read, so a service that adds fields does not break the unit.
type AnswerMap struct {
	StatusField string
	// StatusMap maps the service's values (as text: 0 and "0" are both
	// "0"; true is "true") to green, yellow, red, expired or not_found.
	StatusMap   map[string]Status
	NATField    string // sampling time of the last negative test: unix s or RFC 3339
	TravelField string // 行程卡 fine: true/false, 1/0, "true"/"false"
}

// maxProvincialAnswer bounds what the unit reads of an answer; a real one
// is a few hundred bytes.
const maxProvincialAnswer = 16 << 10

// answerStatuses are what a service may say about a person; timeout and
// verify_failed are the unit's own conclusions, never a service's.
var answerStatuses = map[Status]bool{StatusGreen: true, StatusYellow: true, StatusRed: true,
	StatusExpired: true, StatusNotFound: true}

// Check reports the first problem with the map, naming its key.
func (m AnswerMap) Check() error {
	if err := checkPath(m.StatusField); err != nil {
		return fmt.Errorf("status_field: %w", err)
	}
	if len(m.StatusMap) == 0 {
		return errors.New(`status_map: required: the service's values to green, yellow, red, expired or not_found, e.g. {"0" = "green", "1" = "yellow", "2" = "red"}`)
	}
	for k, s := range m.StatusMap {
		if !answerStatuses[s] {
			return fmt.Errorf("status_map: %q = %q: want green, yellow, red, expired or not_found", k, s)
		}
	}
	for key, f := range map[string]string{"nat_field": m.NATField, "travel_field": m.TravelField} {
		if f == "" {
			continue
		}
		if err := checkPath(f); err != nil {
			return fmt.Errorf("%s: %w", key, err)
		}
	}
	return nil
}

func checkPath(p string) error {
	if p == "" || len(p) > 128 {
		return errors.New("want a dotted path into the answer, such as \"data.color\"")
	}
	for _, part := range strings.Split(p, ".") {
		if part == "" {
			return fmt.Errorf("%q: empty part; write parts between dots, such as \"data.color\"", p)
		}
	}
	return nil
}

// answer is what a mapped answer said. Note explains a field that was
// present but unusable and so left "not known".
type answer struct {
	Status Status
	NAT    time.Time
	Travel *bool
	Note   string
}

// Map reads b, the service's answer, under m. It fails, naming the field,
// when the status is missing or its value is not in StatusMap: the unit
// cannot tell what the service meant, which is verify_failed. Errors never
// quote the answer: it is a person's health record.
func (m AnswerMap) Map(b []byte) (answer, error) {
	if len(b) > maxProvincialAnswer {
		return answer{}, fmt.Errorf("answer longer than %d bytes", maxProvincialAnswer)
	}
	d := json.NewDecoder(bytes.NewReader(b))
	d.UseNumber()
	var doc any
	if err := d.Decode(&doc); err != nil {
		return answer{}, errors.New("answer is not JSON")
	}
	if d.More() {
		return answer{}, errors.New("answer has data after its JSON")
	}
	v, ok := lookup(doc, m.StatusField)
	if !ok {
		return answer{}, fmt.Errorf("answer has no %s (status_field)", m.StatusField)
	}
	key, ok := scalar(v)
	if !ok {
		return answer{}, fmt.Errorf("answer's %s (status_field) is not a value", m.StatusField)
	}
	s, ok := m.StatusMap[key]
	if !ok || !answerStatuses[s] {
		return answer{}, fmt.Errorf("answer's %s (status_field) has a value not in status_map", m.StatusField)
	}
	a := answer{Status: s}
	if m.NATField != "" {
		if v, ok := lookup(doc, m.NATField); ok && v != nil {
			if a.NAT, ok = natOf(v); !ok {
				a.Note = m.NATField + " (nat_field) unusable: sampling time not known"
			}
		}
	}
	if m.TravelField != "" {
		if v, ok := lookup(doc, m.TravelField); ok && v != nil {
			if a.Travel = travelOf(v); a.Travel == nil {
				a.Note = m.TravelField + " (travel_field) unusable: travel card not known"
			}
		}
	}
	return a, nil
}

// lookup walks a dotted path through JSON objects.
func lookup(doc any, path string) (any, bool) {
	v := doc
	for part := range strings.SplitSeq(path, ".") {
		obj, ok := v.(map[string]any)
		if !ok {
			return nil, false
		}
		if v, ok = obj[part]; !ok {
			return nil, false
		}
	}
	return v, true
}

// scalar is a JSON string, number or boolean as text.
func scalar(v any) (string, bool) {
	switch x := v.(type) {
	case string:
		return x, true
	case json.Number:
		return x.String(), true
	case bool:
		return strconv.FormatBool(x), true
	}
	return "", false
}

// Sampling times the unit believes: after 2000 and before 2200. A time
// outside is a broken field, not a test taken in year 9999.
var (
	natEarliest = time.Date(2000, 1, 1, 0, 0, 0, 0, time.UTC)
	natLatest   = time.Date(2200, 1, 1, 0, 0, 0, 0, time.UTC)
)

func natOf(v any) (time.Time, bool) {
	var t time.Time
	switch x := v.(type) {
	case json.Number:
		f, err := x.Float64()
		if err != nil || math.IsNaN(f) || f != math.Trunc(f) || f < 0 || f > 1e13 {
			return time.Time{}, false
		}
		t = time.Unix(int64(f), 0).UTC()
	case string:
		var err error
		if t, err = time.Parse(time.RFC3339, x); err != nil {
			return time.Time{}, false
		}
		t = t.UTC()
	default:
		return time.Time{}, false
	}
	if t.Before(natEarliest) || !t.Before(natLatest) {
		return time.Time{}, false
	}
	return t, true
}

func travelOf(v any) *bool {
	s, _ := scalar(v)
	switch strings.ToLower(s) {
	case "true", "1":
		t := true
		return &t
	case "false", "0":
		f := false
		return &f
	}
	return nil
}
