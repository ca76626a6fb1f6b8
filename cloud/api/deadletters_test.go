package api

import (
	"context"
	"net/http"
	"strings"
	"testing"

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
