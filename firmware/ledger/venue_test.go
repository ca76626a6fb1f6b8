package ledger

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/kakou/kakou/firmware/wire"
)

func venueEntry(i int, id string, lane wire.Lane, d wire.Decision) wire.Entry {
	e := sampleEntry(i)
	e.Lane, e.Decision = lane, d
	e.Credential = wire.Credential{Kind: wire.CredentialVenue, Result: "valid", Subject: id}
	return e
}

func TestVenueAdmittedRemembersAcrossReopen(t *testing.T) {
	ctx := context.Background()
	l, path := openTemp(t)
	pass := sampleEntry(0)
	pass.Credential.Subject = "R_1"
	for _, e := range []wire.Entry{
		pass, // a resident pass whose number looks like the ID
		venueEntry(1, "R_1", wire.LaneIn, wire.PersuadeReturn), // refused: early
		venueEntry(2, "R_2", wire.LaneOut, wire.Allow),         // leaving
		venueEntry(3, "R_1", wire.LaneIn, wire.Allow),          // admitted
		venueEntry(4, "R_1", wire.LaneIn, wire.Allow),          // a guard's override later
	} {
		if err := l.Append(ctx, &e); err != nil {
			t.Fatal(err)
		}
	}
	check := func(l *Ledger) {
		t.Helper()
		for _, c := range []struct {
			id   string
			ok   bool
			when time.Time
		}{
			{"R_1", true, sampleEntry(3).Time},
			{"R_2", false, time.Time{}},
			{"R_3", false, time.Time{}},
		} {
			when, ok, err := l.VenueAdmitted(ctx, c.id)
			if err != nil || ok != c.ok || !when.Equal(c.when) {
				t.Errorf("VenueAdmitted(%s) = %s %v %v, want %s %v", c.id, when, ok, err, c.when, c.ok)
			}
		}
	}
	check(l)
	if err := l.Close(); err != nil {
		t.Fatal(err)
	}
	l2, err := Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer l2.Close()
	check(l2)
}

func TestVenueAdmittedUsesTheIndex(t *testing.T) {
	l, _ := openTemp(t)
	rows, err := l.db.Query(`EXPLAIN QUERY PLAN SELECT MIN(time) FROM entries
		WHERE `+venueRows+` AND json_extract(body, '$.credential.subject') = ?
			AND json_extract(body, '$.lane') = ?`, "R_1", "in")
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	plan := ""
	for rows.Next() {
		var id, parent, notused int
		var detail string
		if err := rows.Scan(&id, &parent, &notused, &detail); err != nil {
			t.Fatal(err)
		}
		plan += detail + "\n"
	}
	if !strings.Contains(plan, "entries_venue") {
		t.Fatalf("the query does not use entries_venue:\n%s", plan)
	}
}
