package sqlite

import (
	"strings"
	"testing"
	"time"

	"github.com/kakou/kakou/cloud/store"
)

func TestTokensAreStoredOnlyAsHashes(t *testing.T) {
	s := openTemp(t)
	const secret = "tok-secret-secret-1"
	tok := store.EnrollmentToken{Token: secret, Site: "s1", Unit: "u1", Role: store.RoleUnit,
		CreatedAt: t0, ExpiresAt: t0.Add(72 * time.Hour)}
	if err := s.PutEnrollmentToken(ctx, tok); err != nil {
		t.Fatal(err)
	}
	var hash, all string
	err := s.db.QueryRow(`SELECT hash, hash || site || unit || role FROM enrollment_tokens`).Scan(&hash, &all)
	if err != nil || hash != store.TokenHash(secret) || strings.Contains(all, secret) {
		t.Fatalf("stored row %q (err %v): want the token's hash and never the token", all, err)
	}
}
