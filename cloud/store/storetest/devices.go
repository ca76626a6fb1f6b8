package storetest

import (
	"errors"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/kakou/kakou/cloud/store"
)

var issued = time.Date(2024, 3, 1, 8, 0, 0, 0, time.UTC)

func token(tok, site, unit, role string) store.EnrollmentToken {
	return store.EnrollmentToken{Token: tok, Site: site, Unit: unit, Role: role,
		CreatedAt: issued, ExpiresAt: issued.Add(72 * time.Hour)}
}

func enrollment(tok, site, unit string, at time.Time) store.Enrollment {
	return store.Enrollment{Token: tok, Site: site, Unit: unit, PasswordHash: "$7$hash-" + unit, At: at}
}

// Devices holds a backend to the enrollment contract:
// a token is spent once, only before it expires, only by the device it
// names, and leaves a hash, never itself, in the database.
func Devices(t *testing.T, open func(*testing.T) Store) {
	cases := []struct {
		name string
		run  func(t *testing.T, s Store)
	}{
		{"a token becomes the unit's credential", behaveEnroll},
		{"a token used twice is refused", behaveTokenReuse},
		{"an expired, unknown or mismatched token is refused and not spent", behaveTokenRefusals},
		{"two devices racing with one token: exactly one wins", behaveTokenRace},
		{"re-enrolling a unit replaces its credential", behaveReenroll},
		{"a malformed token is not stored", behaveBadToken},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			c.run(t, open(t))
		})
	}
}

func mustPutToken(t *testing.T, s Store, tok store.EnrollmentToken) {
	t.Helper()
	if err := s.PutEnrollmentToken(ctx, tok); err != nil {
		t.Fatal(err)
	}
}

func behaveEnroll(t *testing.T, s Store) {
	mustPutToken(t, s, token("tok-aaaaaaaaaaaaaaaa", "s1", "gw1", store.RoleGateway))
	at := issued.Add(time.Hour)
	got, err := s.Enroll(ctx, enrollment("tok-aaaaaaaaaaaaaaaa", "s1", "gw1", at))
	want := store.DeviceCredential{Unit: "gw1", Site: "s1", Role: store.RoleGateway, PasswordHash: "$7$hash-gw1", EnrolledAt: at}
	if err != nil || got != want {
		t.Fatalf("Enroll = %+v, %v; want %+v", got, err, want)
	}
	if read, err := s.DeviceCredential(ctx, store.UnitID{Site: "s1", Unit: "gw1"}); err != nil || read != want {
		t.Fatalf("DeviceCredential = %+v, %v; want %+v", read, err, want)
	}
	if _, err := s.DeviceCredential(ctx, store.UnitID{Site: "s1", Unit: "nobody"}); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("DeviceCredential(nobody) error = %v, want ErrNotFound", err)
	}
	if all, err := s.DeviceCredentials(ctx); err != nil || len(all) != 1 || all[0] != want {
		t.Fatalf("DeviceCredentials = %+v, %v", all, err)
	}
}

func behaveTokenReuse(t *testing.T, s Store) {
	mustPutToken(t, s, token("tok-bbbbbbbbbbbbbbbb", "s1", "u1", store.RoleUnit))
	if _, err := s.Enroll(ctx, enrollment("tok-bbbbbbbbbbbbbbbb", "s1", "u1", issued)); err != nil {
		t.Fatal(err)
	}
	second := enrollment("tok-bbbbbbbbbbbbbbbb", "s1", "u1", issued.Add(time.Minute))
	second.PasswordHash = "$7$thief"
	if _, err := s.Enroll(ctx, second); !errors.Is(err, store.ErrTokenUsed) {
		t.Fatalf("second use: error = %v, want ErrTokenUsed", err)
	}
	if c, _ := s.DeviceCredential(ctx, store.UnitID{Site: "s1", Unit: "u1"}); c.PasswordHash != "$7$hash-u1" {
		t.Fatalf("a refused enrollment changed the credential to %q", c.PasswordHash)
	}
}

func behaveTokenRefusals(t *testing.T, s Store) {
	mustPutToken(t, s, token("tok-cccccccccccccccc", "s1", "u1", store.RoleUnit))
	refusals := []struct {
		name string
		e    store.Enrollment
		want error
	}{
		{"expired", enrollment("tok-cccccccccccccccc", "s1", "u1", issued.Add(72*time.Hour)), store.ErrTokenExpired},
		{"unknown", enrollment("tok-never-issued-xx", "s1", "u1", issued), store.ErrTokenUnknown},
		{"other unit", enrollment("tok-cccccccccccccccc", "s1", "u2", issued), store.ErrTokenMismatch},
		{"other site", enrollment("tok-cccccccccccccccc", "s2", "u1", issued), store.ErrTokenMismatch},
		{"gateway with a unit's token", asRole(enrollment("tok-cccccccccccccccc", "s1", "u1", issued), store.RoleGateway), store.ErrTokenRole},
	}
	for _, r := range refusals {
		if _, err := s.Enroll(ctx, r.e); !errors.Is(err, r.want) {
			t.Errorf("%s: error = %v, want %v", r.name, err, r.want)
		}
	}
	if all, _ := s.DeviceCredentials(ctx); len(all) != 0 {
		t.Fatalf("refusals stored credentials: %+v", all)
	}
	// Not spent by the refusals: the right device, in time, still enrolls.
	if _, err := s.Enroll(ctx, enrollment("tok-cccccccccccccccc", "s1", "u1", issued)); err != nil {
		t.Fatalf("the token was spent by a refusal: %v", err)
	}
}

func behaveTokenRace(t *testing.T, s Store) {
	mustPutToken(t, s, token("tok-dddddddddddddddd", "s1", "u1", store.RoleUnit))
	const n = 8
	errs := make([]error, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() {
			_, errs[i] = s.Enroll(ctx, enrollment("tok-dddddddddddddddd", "s1", "u1", issued))
		})
	}
	wg.Wait()
	won := 0
	for _, err := range errs {
		switch {
		case err == nil:
			won++
		case !errors.Is(err, store.ErrTokenUsed):
			t.Errorf("loser's error = %v, want ErrTokenUsed", err)
		}
	}
	if won != 1 {
		t.Fatalf("%d enrollments succeeded with one token, want 1", won)
	}
}

func behaveReenroll(t *testing.T, s Store) {
	mustPutToken(t, s, token("tok-eeeeeeeeeeeeeeee", "s1", "u1", store.RoleUnit))
	mustPutToken(t, s, token("tok-ffffffffffffffff", "s1", "u1", store.RoleUnit))
	s.Enroll(ctx, enrollment("tok-eeeeeeeeeeeeeeee", "s1", "u1", issued))
	e := enrollment("tok-ffffffffffffffff", "s1", "u1", issued.Add(time.Hour))
	e.PasswordHash = "$7$new"
	if _, err := s.Enroll(ctx, e); err != nil {
		t.Fatal(err)
	}
	if c, _ := s.DeviceCredential(ctx, store.UnitID{Site: "s1", Unit: "u1"}); c.PasswordHash != "$7$new" {
		t.Fatalf("credential after re-enrolling = %q, want the new one", c.PasswordHash)
	}
}

func behaveBadToken(t *testing.T, s Store) {
	bad := []store.EnrollmentToken{
		token("short", "s1", "u1", store.RoleUnit),
		token("tok-gggggggggggggggg", "", "u1", store.RoleUnit),
		token("tok-gggggggggggggggg", "s1", "u1", "admin"),
		{Token: "tok-gggggggggggggggg", Site: "s1", Unit: "u1", Role: store.RoleUnit, CreatedAt: issued, ExpiresAt: issued},
	}
	for _, tok := range bad {
		if err := s.PutEnrollmentToken(ctx, tok); err == nil || !strings.HasPrefix(err.Error(), "store:") {
			t.Errorf("PutEnrollmentToken(%+v) error = %v, want a store: error", tok, err)
		}
	}
}

func asRole(e store.Enrollment, role string) store.Enrollment {
	e.Role = role
	return e
}
