package api

import (
	"context"
	"net/http"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/kakou/kakou/cloud/store"
)

// TestDeadLettersAreForCentralMonitoringAndMaskNumbers: monitor and tracer
// see what ingest refused, newest first, with long digit runs (ID numbers,
// phones) masked; a guard and a site manager are refused.
func TestDeadLettersAreForCentralMonitoringAndMaskNumbers(t *testing.T) {
	f := newAuthFixture(t)
	for _, d := range []store.DeadLetter{
		{Topic: "kakou/v1/s1/u1/entry", Payload: []byte(`{"id_number":"110101199003071234"}`), Error: "bad", ReceivedAt: now},
		{Topic: "kakou/v1/s1/u2/entry", Payload: []byte("\xff<script>"), Error: "utf8", ReceivedAt: now},
	} {
		if err := f.store.PutDeadLetter(context.Background(), d); err != nil {
			t.Fatal(err)
		}
	}
	for _, user := range []string{"monitor", "tracer"} {
		cookie, _ := f.login(t, f.h, user, "10.0.0.1")
		var got struct {
			DeadLetters []deadLetterJSON `json:"dead_letters"`
		}
		if code := f.getAs(t, cookie, "/api/v1/dead-letters?limit=10", &got); code != http.StatusOK || len(got.DeadLetters) != 2 {
			t.Fatalf("%s: %d %+v", user, code, got)
		}
		if first := got.DeadLetters[0]; first.Topic != "kakou/v1/s1/u2/entry" || !strings.Contains(first.Payload, "\uFFFD<script>") {
			t.Fatalf("%s: newest %+v", user, first)
		}
		if p := got.DeadLetters[1].Payload; strings.Contains(p, "110101199003071234") || !strings.Contains(p, "110***********1234") {
			t.Fatalf("%s: payload %q, want the ID number masked", user, p)
		}
	}
	for _, user := range []string{"guard", "manager"} {
		cookie, _ := f.login(t, f.h, user, "10.0.0.2")
		var answer struct{ Error string }
		if code := f.getAs(t, cookie, "/api/v1/dead-letters", &answer); code != http.StatusForbidden || answer.Error == "" {
			t.Fatalf("%s: %d %+v, want 403 with a reason", user, code, answer)
		}
	}
}

// TestDeadLettersMaskAVisitorsNameAndPassSubjectForAMonitor: an entry
// refused at ingest still names its visitor and their pass; a monitor
// reads it masked as the entries are, and only a tracer's audited
// ?unmask=1 shows them.
func TestDeadLettersMaskAVisitorsNameAndPassSubjectForAMonitor(t *testing.T) {
	f := newAuthFixture(t)
	refused := `{"schema":9,"site":"site-a","unit":"gate-1","credential":{"kind":"resident_pass","subject":"P-0042-ZHANG"},` +
		`"visitor":{"name":"张三丰","id_hash":"h-id","phone_hash":"h-phone","sealed":"box"},"other":{"name":"李四`
	if err := f.store.PutDeadLetter(context.Background(), store.DeadLetter{Topic: "kakou/v1/site-a/gate-1/entry",
		Payload: []byte(refused), Size: len(refused), Error: "schema 9", ReceivedAt: now}); err != nil {
		t.Fatal(err)
	}
	read := func(user, path string) string {
		cookie, _ := f.login(t, f.h, user, "10.0.0.1")
		var got struct {
			DeadLetters []deadLetterJSON `json:"dead_letters"`
		}
		if code := f.getAs(t, cookie, path, &got); code != http.StatusOK || len(got.DeadLetters) != 1 {
			t.Fatalf("%s %s: %d %+v", user, path, code, got)
		}
		return got.DeadLetters[0].Payload
	}
	for _, user := range []string{"monitor", "tracer"} {
		p := read(user, "/api/v1/dead-letters")
		for _, secret := range []string{"张三丰", "P-0042-ZHANG", "李四", "h-id", "h-phone", "box"} {
			if strings.Contains(p, secret) {
				t.Errorf("%s: payload %q shows %q", user, p, secret)
			}
		}
		if !strings.Contains(p, `"name":"张**"`) || !strings.Contains(p, `"schema":9`) {
			t.Errorf("%s: payload %q, want the name masked as the entries mask it and the rest kept", user, p)
		}
	}
	if p := read("tracer", "/api/v1/dead-letters?unmask=1"); !strings.Contains(p, "张三丰") || !strings.Contains(p, "P-0042-ZHANG") {
		t.Errorf("tracer with unmask=1: payload %q, want it whole", p)
	}
	if a := f.audited(t); len(a) == 0 || a[len(a)-1].Action != "unmask_dead_letters" {
		t.Errorf("audit trail %+v, want the tracer's unmasked read last", a)
	}
	cookie, _ := f.login(t, f.h, "monitor", "10.0.0.3")
	if code := f.getAs(t, cookie, "/api/v1/dead-letters?unmask=1", nil); code != http.StatusForbidden {
		t.Errorf("monitor with unmask=1: %d, want 403", code)
	}
}

// TestMaskPayloadMasksPersonalFieldsByTheirKeys: names, subjects and
// hashes are masked wherever they are and however they are written
// (escaped, spaced, cut off, spelt differently); other text is kept.
func TestMaskPayloadMasksPersonalFieldsByTheirKeys(t *testing.T) {
	for _, tt := range []struct{ in, want string }{
		{`{"name" : "\u5f20\u4e09\u4e30"}`, `{"name" : "张**"}`},
		{`{"visitor_name":"张三丰","Name":"李四"}`, `{"visitor_name":"张**","Name":"李*"}`},
		{`{"credential":{"subject":"P-0042-ZHANG","kind":"resident_pass"}}`, `{"credential":{"subject":"P-0*****HANG","kind":"resident_pass"}}`},
		{`{"id_hash":"abc","sealed":"box","lane":"in"}`, `{"id_hash":"","sealed":"","lane":"in"}`},
		{`{"seq":1,"name":"张三丰`, `{"seq":1,"name":"张**`},
		{`{"note":"a \"name\": b","name":"x\"y"}`, `{"note":"a \"name\": b","name":"x**"}`},
		{`not json: 张三丰`, `not json: 张三丰`},
	} {
		if got := maskPayload(tt.in); got != tt.want {
			t.Errorf("maskPayload(%s) = %s, want %s", tt.in, got, tt.want)
		}
	}
}

func FuzzMaskPayload(f *testing.F) {
	for _, s := range []string{`{"name":"张三丰"}`, `{"subject":"P-1","x":"\u00`, `"name":"`, `""""::""`} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		s = strings.ToValidUTF8(s, "\uFFFD") // as toDeadLetterJSON hands it over
		if got := maskPayload(s); !utf8.ValidString(got) {
			t.Fatalf("maskPayload(%q) = %q, not UTF-8", s, got)
		}
	})
}
