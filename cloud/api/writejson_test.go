package api

import (
	"bytes"
	"encoding/json"
	"net/http/httptest"
	"reflect"
	"testing"
	"time"

	"github.com/kakou/kakou/cloud/store"
)

// writeJSON streams with JSON v2 set to encoding/json's rules; every type
// the API writes must come out byte for byte as encoding/json writes it,
// empty and with every field set (HTML characters, non-ASCII, nil and
// empty slices, times in a zone, fractions), or a client that parsed the
// old bodies could break.
func TestWriteJSONIsEncodingJSON(t *testing.T) {
	values := []any{unitJSON{}, device{}, alertJSON{}, entryJSON{}, deadLetterJSON{},
		assignmentJSON{}, unitPolicyJSON{}, personVisit{}, exportRow{}, EnrollResponse{},
		store.RollupRow{}, store.Alert{}, store.Unit{}, store.Visit{}}
	for _, v := range values {
		full := reflect.New(reflect.TypeOf(v)).Elem()
		fillValue(full, 0)
		for _, body := range []any{v, full.Interface(),
			map[string]any{"day_start": time.Date(2026, 12, 6, 0, 0, 0, 0, time.FixedZone("CST", 8*3600)), "items": []any{v, full.Interface()}}} {
			var want bytes.Buffer
			if err := json.NewEncoder(&want).Encode(body); err != nil {
				t.Fatal(err)
			}
			rec := httptest.NewRecorder()
			writeJSON(rec, 200, body)
			if got := rec.Body.String(); got != want.String() {
				t.Errorf("%T:\n got %s\nwant %s", v, got, want.String())
			}
		}
	}
}

// fillValue sets every field of v to a value worth encoding.
func fillValue(v reflect.Value, depth int) {
	if depth > 3 {
		return
	}
	switch v.Kind() {
	case reflect.String:
		v.SetString(`<b>&"门口"</b>` + "\u2028")
	case reflect.Bool:
		v.SetBool(true)
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		v.SetInt(-42)
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		v.SetUint(42)
	case reflect.Float32, reflect.Float64:
		v.SetFloat(36.65)
	case reflect.Pointer:
		p := reflect.New(v.Type().Elem())
		fillValue(p.Elem(), depth+1)
		v.Set(p)
	case reflect.Slice:
		s := reflect.MakeSlice(v.Type(), 2, 2)
		fillValue(s.Index(0), depth+1)
		v.Set(s)
	case reflect.Map:
		m := reflect.MakeMap(v.Type())
		k, e := reflect.New(v.Type().Key()).Elem(), reflect.New(v.Type().Elem()).Elem()
		fillValue(k, depth+1)
		fillValue(e, depth+1)
		m.SetMapIndex(k, e)
		v.Set(m)
	case reflect.Struct:
		if v.Type() == reflect.TypeFor[time.Time]() {
			v.Set(reflect.ValueOf(time.Date(2026, 12, 6, 8, 30, 15, 123456789, time.FixedZone("CST", 8*3600))))
			return
		}
		for i := range v.NumField() {
			if v.Type().Field(i).IsExported() {
				fillValue(v.Field(i), depth+1)
			}
		}
	}
}
