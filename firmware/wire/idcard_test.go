package wire

import (
	"strings"
	"testing"
)

// sampleIDCardEntry is a person screened by their ID card: kind id_card,
// a hash reference as subject, the number nowhere.
func sampleIDCardEntry() Entry {
	e := sampleEntry()
	e.Credential = Credential{Kind: CredentialIDCard, Result: "expired", Subject: "c3f2a9b01c4d5e6f"}
	e.Decision = Register
	return e
}

func TestAnIDCardEntryIsValidAndAMisspeltKindIsRefused(t *testing.T) {
	e := sampleIDCardEntry()
	if err := e.Validate(); err != nil {
		t.Fatal(err)
	}
	e.Credential.Kind = "idcard"
	if err := e.Validate(); err == nil || !strings.Contains(err.Error(), "credential.kind") {
		t.Fatalf("got %v", err)
	}
}

// Only a card carries an ID hash on its credential, and only a PersonHash:
// anything else there could be a number smuggled past the masking.
func TestOnlyAnIDCardCarriesAnIDHashAndOnlyAHash(t *testing.T) {
	e := sampleIDCardEntry()
	e.Credential.IDHash = PersonHash([]byte("0123456789abcdef0123456789abcdef"), "id", "11010519491231002X")
	if err := e.Validate(); err != nil {
		t.Fatalf("a card with its hash: %v", err)
	}
	for name, change := range map[string]func(*Entry){
		"a number":      func(e *Entry) { e.Credential.IDHash = "11010519491231002X" },
		"upper-case":    func(e *Entry) { e.Credential.IDHash = strings.ToUpper(e.Credential.IDHash) },
		"a health code": func(e *Entry) { e.Credential.Kind = CredentialHealthCode },
	} {
		bad := e
		change(&bad)
		if err := bad.Validate(); err == nil || !strings.Contains(err.Error(), "credential.id_hash") {
			t.Errorf("%s: got %v, want credential.id_hash refused", name, err)
		}
	}
}
