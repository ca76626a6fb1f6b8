package console

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/kakou/kakou/firmware/policy"
	"github.com/kakou/kakou/firmware/screening"
	"github.com/kakou/kakou/firmware/wire"
)

// postRefusal posts body to /api/refused-proof, as the signed-in guard when
// signed, and answers the recorder.
func postRefusal(t *testing.T, c *Console, body string, signed bool) *httptest.ResponseRecorder {
	t.Helper()
	r := httptest.NewRequest("POST", "http://unit.local/api/refused-proof", strings.NewReader(body))
	r.Header.Set("Origin", "http://unit.local")
	if signed {
		asGuard(t, c, r)
	}
	w := httptest.NewRecorder()
	c.Handler().ServeHTTP(w, r)
	return w
}

// A person who will not show their code is turned away by the signed-in
// guard, and the entry carries the reason the centre's reports count as
// 拒绝出示证明 — on the person on screen, not whoever scanned last.
func TestARefusalToShowProofIsADenialTheReportsCount(t *testing.T) {
	c, l := newWorkingLane(t)
	ctx := context.Background()
	refuser, err := l.Screen(ctx, []byte("not a code anyone issued"))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := l.Screen(ctx, []byte("KAKOU1:PASS:R-2")); err != nil {
		t.Fatal(err)
	}
	if w := postRefusal(t, c, `{"entry": "`+refuser.ID+`"}`, false); w.Code != http.StatusUnauthorized {
		t.Fatalf("nobody signed in: %d %s, want 401", w.Code, w.Body)
	}
	w := postRefusal(t, c, `{"entry": "`+refuser.ID+`"}`, true)
	if w.Code != http.StatusOK {
		t.Fatalf("refused proof: %d %s", w.Code, w.Body)
	}
	logged, _ := l.Entries(ctx, 0, 10)
	e := logged[len(logged)-1]
	if e.Decision != wire.Deny || e.Amends != refuser.ID || e.Guard != "wang" || e.Override == nil ||
		len(e.Reasons) == 0 || e.Reasons[0].Code != wire.ReasonRefusedProof {
		t.Fatalf("entry %+v, want a denial of %s by wang carrying %s", e, refuser.ID, wire.ReasonRefusedProof)
	}
	if w := postRefusal(t, c, `{"entry": "`+refuser.ID+`"}`, true); w.Code != http.StatusConflict {
		t.Fatalf("the same person again after the refusal replaced the entry: %d, want 409", w.Code)
	}
}

func TestARefusalToShowProofNeverLetsSomeoneIn(t *testing.T) {
	_, l := newWorkingLane(t)
	ctx := context.Background()
	e, err := l.Screen(ctx, []byte("not a code anyone issued"))
	if err != nil {
		t.Fatal(err)
	}
	for _, d := range []wire.Decision{wire.Allow, wire.Recheck, wire.Register} {
		o := screening.Overrule{Decision: d, By: "wang", Reason: "拒绝出示证明", RefusedProof: true}
		if _, err := l.Override(ctx, e.ID, o); !errors.Is(err, screening.ErrRefusedProofAdmits) {
			t.Errorf("a refusal to show proof recorded as %s: %v", d, err)
		}
	}
	if logged, _ := l.Entries(ctx, 0, 10); len(logged) != 1 {
		t.Fatalf("the refused overrides logged %d entries, want the scan alone", len(logged))
	}
	if policy.ReasonRefusedProof.Code != wire.ReasonRefusedProof {
		t.Fatal("the unit and the centre spell the reason differently")
	}
}
