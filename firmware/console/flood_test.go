package console

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"testing"

	"github.com/kakou/kakou/firmware/wire"
)

// TestEveryActionLandsOnTheEntryItNamesWhileTheLaneKeepsScanning floods a
// lane with scans (residents passing, visitors to register) while two
// guards, on two screens, register visitors and mark masks through the
// console's HTTP API. Every action must land on the entry it named: the
// ledger's registration for visitor N carries visitor N's code.
func TestEveryActionLandsOnTheEntryItNamesWhileTheLaneKeepsScanning(t *testing.T) {
	c, l := newWorkingLane(t)
	if err := c.Start("127.0.0.1:0"); err != nil {
		t.Fatal(err)
	}
	_, cred := signIn(t, c.Handler(), "wang", "2468", "127.0.0.1")
	t.Cleanup(func() { c.Shutdown(context.Background()) })

	const people = 400
	ctx, stop := context.WithCancel(context.Background())
	var scans sync.WaitGroup
	scans.Add(1)
	go func() {
		defer scans.Done()
		defer stop()
		for i := range people {
			code := fmt.Sprintf("KAKOU1:PASS:R-%d", i)
			if i%3 == 0 {
				code = fmt.Sprintf("KAKOU1:VISIT:V-%d", i)
			}
			if _, err := l.Screen(context.Background(), []byte(code)); err != nil {
				t.Error(err)
				return
			}
		}
	}()

	var guards sync.WaitGroup
	acted := make(chan acted, 10*people)
	for range 2 {
		guards.Add(1)
		go func() {
			defer guards.Done()
			for ctx.Err() == nil {
				guardRound(t, c, cred, acted)
			}
			guardRound(t, c, cred, acted) // the last visitors, once the lane is quiet
		}()
	}
	scans.Wait()
	guards.Wait()
	close(acted)

	logged, err := l.Entries(context.Background(), 0, 10*people)
	if err != nil {
		t.Fatal(err)
	}
	byID := map[string]wire.Entry{}
	for _, e := range logged {
		byID[e.ID] = e
	}
	n := 0
	for a := range acted {
		n++
		target, done := byID[a.on], byID[a.answer]
		if done.Amends != a.on || done.Credential != target.Credential {
			t.Fatalf("%s on %s (%s) landed on %q with credential %+v", a.what, a.on, target.Credential.Subject, done.Amends, done.Credential)
		}
		if a.what == "register" && done.Visitor.Name != visitorName(target) {
			t.Fatalf("registration for %s carries %q", target.Credential.Subject, done.Visitor.Name)
		}
	}
	if n < people/6 {
		t.Fatalf("only %d actions succeeded in a flood of %d scans; the guards could hardly act", n, people)
	}
}

type acted struct{ what, on, answer string }

// guardRound is one glance at the screen: register every visitor waiting
// and mark the mask of the latest pass, each naming the entry seen.
func guardRound(t *testing.T, c *Console, cred signedCred, out chan<- acted) {
	s := fetchState(t, c)
	for _, sh := range s.Open {
		if sh.Entry.Decision == wire.Register {
			body := fmt.Sprintf(`{"entry": %q, "name": %q, "phone": "13812345678"}`, sh.Entry.ID, visitorName(sh.Entry))
			act(t, c, cred, "register", sh.Entry.ID, "api/register", body, out)
		}
	}
	if len(s.Recent) > 0 {
		e := s.Recent[0].Entry
		act(t, c, cred, "mask", e.ID, "api/mask", fmt.Sprintf(`{"entry": %q, "worn": true}`, e.ID), out)
	}
}

func visitorName(e wire.Entry) string {
	return "访客" + e.Credential.Subject
}

// act posts one action; 409 (the entry left the screen, or the other
// guard handled it first) is a fair answer, anything else but 200 is not.
func act(t *testing.T, c *Console, cred signedCred, what, on, path, body string, out chan<- acted) {
	req, _ := http.NewRequest("POST", c.URL()+path, strings.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Origin", strings.TrimSuffix(c.URL(), "/"))
	cred.add(req)
	r, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Error(err)
		return
	}
	defer r.Body.Close()
	var e wire.Entry
	json.NewDecoder(r.Body).Decode(&e)
	switch r.StatusCode {
	case http.StatusOK:
		out <- acted{what, on, e.ID}
	case http.StatusConflict:
	default:
		t.Errorf("%s on %s: %d", what, on, r.StatusCode)
	}
}

func fetchState(t *testing.T, c *Console) stateJSON {
	r, err := http.Get(c.URL() + "api/state")
	if err != nil {
		t.Fatal(err)
	}
	defer r.Body.Close()
	var s stateJSON
	if err := json.NewDecoder(r.Body).Decode(&s); err != nil {
		t.Fatal(err)
	}
	return s
}
