package main

import (
	"bytes"
	"strings"
	"testing"

	"github.com/BurntSushi/toml"
	"github.com/kakou/kakou/cloud/api"
)

// TestPasswdPrintsAUsersEntryTheConfigAccepts: the entry passwd prints is
// valid TOML with an argon2id hash the API can check.
func TestPasswdPrintsAUsersEntryTheConfigAccepts(t *testing.T) {
	var out, errOut bytes.Buffer
	code := passwd([]string{"-name", "zhang", "-role", "site_manager", "-site", "sunshine-garden"},
		strings.NewReader("correct horse battery\n"), &out, &errOut)
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errOut.String())
	}
	var doc struct {
		Users []struct{ Name, Role, Site, Password_hash string }
	}
	if _, err := toml.Decode(out.String(), &doc); err != nil || len(doc.Users) != 1 {
		t.Fatalf("output %q: %v", out.String(), err)
	}
	u := doc.Users[0]
	if u.Name != "zhang" || u.Role != "site_manager" || u.Site != "sunshine-garden" {
		t.Errorf("entry %+v", u)
	}
	if err := api.CheckPasswordHash(u.Password_hash); err != nil || !strings.HasPrefix(u.Password_hash, "$argon2id$v=19$m=65536,t=3,p=2$") {
		t.Errorf("hash %q: %v", u.Password_hash, err)
	}
}

func TestPasswdRefusesAShortPassword(t *testing.T) {
	var out, errOut bytes.Buffer
	if code := passwd(nil, strings.NewReader("short\n"), &out, &errOut); code == 0 || out.Len() != 0 {
		t.Fatalf("exit %d, printed %q; want a refusal", code, out.String())
	}
}
